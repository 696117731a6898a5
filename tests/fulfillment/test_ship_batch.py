"""Shipping many fulfillment orders at once (``ship_many``) on SQLite and PostgreSQL: exactly
what shipping them one by one does, a bad order reported while the rest ship, and a number of
statements that does not grow with the orders."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import make_url

from backroom.core.errors import ValidationFailed
from backroom.db.engine import make_engine
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import packing_service
from backroom.fulfillment.ship_batch import ship_many
from backroom.fulfillment.shipping_service import ship_fulfillment_order
from backroom.fulfillment.tables import (
    CARTON_ITEMS,
    CARTONS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
)
from backroom.inventory import services as inventory
from backroom.inventory.tables import (
    CONSUMPTIONS,
    LAYERS,
    LEVELS,
    MOVES,
    POSITIONS,
    RESERVATIONS,
)
from backroom.orders.tables import ORDER_HISTORY, ORDER_LINES, ORDERS
from backroom.shipping import adapters
from backroom.shipping.queries import get_shipment
from backroom.shipping.services import buy_label, create_shipment
from backroom.shipping.tables import PACKAGES, SHIPMENTS
from tests.fulfillment.fo_setup import BIN, PACK, picked_fo
from tests.fulfillment.test_ship import audit_ok, pack
from tests.shipping.test_shipments_support import FlakyAdapter, installed, spec

TABLES = (FULFILLMENT_ORDERS, FULFILLMENT_LINES, CARTONS, CARTON_ITEMS, MOVES, LEVELS,
          POSITIONS, RESERVATIONS, LAYERS, CONSUMPTIONS, ORDER_LINES, ORDERS, SHIPMENTS,
          PACKAGES)


pytestmark = pytest.mark.usefixtures("store")


def packed(uow: UnitOfWork, external_id: str, cartons: list[dict[str, int]], **kw: Any) -> int:
    """A fulfillment order of the cartons' units, packed into them and sealed."""
    units: Counter[str] = Counter()
    for c in cartons:
        units.update(c)
    fo = picked_fo(uow, dict(units), external_id=external_id, **kw)
    pack(uow, fo, cartons)
    return fo.fo_id


def mixed_orders(uow: UnitOfWork) -> list[int]:
    """Two cartons with a discount, two SKUs in one carton, a short pick (its rest waits),
    two lots in one carton."""
    ids = [packed(uow, "WEB-1", [{"PLAIN": 3}, {"PLAIN": 2}], discount="0.01"),
           packed(uow, "WEB-2", [{"OTHER": 2, "PLAIN": 3}])]
    short = picked_fo(uow, {"PLAIN": 4}, picked={"PLAIN": 3}, external_id="WEB-3")
    pack(uow, short, [{"PLAIN": 3}])
    lotted = picked_fo(uow, {"LOTTED": 4}, lots={"LOTTED": [("L1", 2), ("L2", 2)]},
                       external_id="WEB-4")
    packing_service.open_carton(uow, lotted.fo_id, "BOX-M")
    packing_service.pack_scan(uow, lotted.fo_id, 1, "LOTTED", 2, lot="L1")
    packing_service.pack_scan(uow, lotted.fo_id, 1, "LOTTED", 2, lot="L2")
    packing_service.seal_carton(uow, lotted.fo_id, 1)
    return [*ids, short.fo_id, lotted.fo_id]


@contextmanager
def twin(uow: UnitOfWork, db_url: str, request: pytest.FixtureRequest) -> Iterator[UnitOfWork]:
    """A copy of the test's database as it is now (a file copy, or a PostgreSQL template)."""
    uow.engine.dispose()
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        source = Path(str(url.database))
        target = source.with_name("twin.db")
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
        other = UnitOfWork(make_engine(f"sqlite:///{target}"))
        try:
            yield other
        finally:
            other.engine.dispose()
        return
    server = request.getfixturevalue("pg_server")
    name = f"{url.database}_twin"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))
    other = UnitOfWork(make_engine(server.url_for(name)))
    try:
        yield other
    finally:
        other.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def dump(uow: UnitOfWork) -> dict[str, Any]:
    """Every row shipping writes; history and outbox as multisets (their order may differ)."""
    out: dict[str, Any] = {}
    with uow.read() as conn:
        for table in TABLES:
            key = list(table.primary_key.columns)
            out[table.name] = [tuple(map(str, r)) for r in
                               conn.execute(select(table).order_by(*key))]
        h = ORDER_HISTORY.c
        out["history"] = Counter(
            (r.order_id, r.action, r.actor, json.dumps(r.before, sort_keys=True),
             json.dumps(r.after, sort_keys=True))
            for r in conn.execute(select(h.order_id, h.action, h.actor, h.before, h.after)))
        o = OUTBOX.c
        out["outbox"] = Counter((r.type, r.aggregate, json.dumps(r.payload, sort_keys=True))
                                for r in conn.execute(select(o.type, o.aggregate, o.payload)))
    return out


def test_batch_writes_exactly_what_one_by_one_does_when_given_the_same_orders(
        uow: UnitOfWork, db_url: str, request: pytest.FixtureRequest) -> None:
    ids = mixed_orders(uow)
    with twin(uow, db_url, request) as batch_uow:
        one_by_one = [ship_fulfillment_order(uow, fo_id) for fo_id in ids]
        result = ship_many(batch_uow, ids, chunk=3)  # two chunks
        assert result.failed == []
        assert result.shipped == one_by_one
        assert [r["remainder_fulfillment_order_id"] is not None for r in one_by_one] == [
            False, False, True, False]
        assert dump(batch_uow) == dump(uow)
        with batch_uow.read() as conn:  # the shipments shown are the ones stored
            assert [r["shipment"] for r in result.shipped] == [
                get_shipment(conn, r["shipment_id"]) for r in result.shipped]
        audit_ok(batch_uow)


def test_shipment_shown_is_the_one_stored_when_a_label_is_bought_or_flagged_late(
        uow: UnitOfWork) -> None:
    late = packed(uow, "WEB-1", [{"PLAIN": 2}], promised=date(2026, 11, 23))
    shipped = ship_many(uow, [late], carrier="PWY", service="GROUND").shipped[0]["shipment"]
    assert shipped["delayed"] and shipped["delay_reason"] == "estimate_after_promise"
    draft = create_shipment(uow, spec())
    bought = buy_label(uow, draft["id"])
    with uow.read() as conn:
        assert shipped == get_shipment(conn, shipped["id"])
        assert bought == get_shipment(conn, draft["id"])


def test_bad_orders_are_reported_and_the_rest_ship_when_a_batch_is_mixed(
        uow: UnitOfWork) -> None:
    good = packed(uow, "WEB-1", [{"PLAIN": 2}])
    held = packed(uow, "WEB-2", [{"PLAIN": 2}])
    late = packed(uow, "WEB-3", [{"PLAIN": 2}], promised=date(2026, 11, 23))
    gone = packed(uow, "WEB-4", [{"OTHER": 2}])
    unpacked = picked_fo(uow, {"PLAIN": 1}, external_id="WEB-5").fo_id
    also_good = packed(uow, "WEB-6", [{"PLAIN": 1, "OTHER": 1}])
    with uow.transaction() as conn:
        conn.execute(update(FULFILLMENT_ORDERS).where(FULFILLMENT_ORDERS.c.id == held)
                     .values(hold_reason="fraud check", held_at=FULFILLMENT_ORDERS.c.updated_at))
    inventory.move(uow, "OTHER", 2, PACK, BIN)  # the units of `gone` left the pack station
    result = ship_many(uow, [good, held, late, 999_999, gone, unpacked, also_good, good])

    assert [r["fulfillment_order_id"] for r in result.shipped] == [good, also_good]
    assert [(f["fulfillment_order_id"], f["code"]) for f in result.failed] == [
        (held, "conflict"), (late, "promise_unreachable"), (999_999, "not_found"),
        (gone, "insufficient_stock"), (unpacked, "conflict")]
    assert "on hold" in result.failed[0]["message"]
    with uow.read() as conn:
        states = {r.id: r.state for r in conn.execute(
            select(FULFILLMENT_ORDERS.c.id, FULFILLMENT_ORDERS.c.state))}
        shipments = conn.execute(select(SHIPMENTS.c.reference, SHIPMENTS.c.state)).all()
    assert (states[good], states[also_good], states[gone], states[held]) == (
        "shipped", "shipped", "packed", "packed")
    assert sorted(s for r, s in shipments) == ["purchased", "purchased", "voided"]
    assert next(r for r, s in shipments if s == "voided").endswith(f"FO-{gone}")
    audit_ok(uow)


def test_only_the_refused_label_fails_when_the_provider_refuses_one(uow: UnitOfWork) -> None:
    ids = [packed(uow, f"WEB-{n}", [{"PLAIN": 2}]) for n in range(1, 4)]
    flaky = FlakyAdapter(adapters.get_adapter("ratecard"), fail_ids={2})  # the 2nd shipment
    with installed("ratecard", flaky):
        result = ship_many(uow, ids)
    assert [r["fulfillment_order_id"] for r in result.shipped] == [ids[0], ids[2]]
    assert [(f["fulfillment_order_id"], f["code"]) for f in result.failed] == [
        (ids[1], "carrier_error")]
    with uow.read() as conn:
        states = conn.execute(select(SHIPMENTS.c.state).order_by(SHIPMENTS.c.id)).scalars()
        assert list(states) == ["purchased", "voided", "purchased"]
    audit_ok(uow)


def test_batch_refuses_a_carrier_without_service_before_shipping_anything(
        uow: UnitOfWork) -> None:
    fo_id = packed(uow, "WEB-1", [{"PLAIN": 2}])
    with pytest.raises(ValidationFailed, match="carrier and service go together"):
        ship_many(uow, [fo_id], carrier="PWY")
    named = ship_many(uow, [fo_id], carrier="PWY", service="GROUND")
    assert named.shipped[0]["shipment"]["service"] == "GROUND"


def statements(uow: UnitOfWork, fo_ids: list[int]) -> int:
    seen = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    event.listen(uow.engine, "before_cursor_execute", count)
    try:
        assert ship_many(uow, fo_ids).failed == []
    finally:
        event.remove(uow.engine, "before_cursor_execute", count)
    return seen[0]


def test_statements_do_not_grow_with_the_orders_when_they_ship_at_once(
        uow: UnitOfWork) -> None:
    ids = [packed(uow, f"WEB-{n}", [{"PLAIN": 1, "OTHER": 1}]) for n in range(1, 9)]
    two, six = statements(uow, ids[:2]), statements(uow, ids[2:])
    assert six <= two + 2, (two, six)  # nothing per order, and no remainder to split
