"""Shipping many fulfillment orders over HTTP and the command line (SQLite and PostgreSQL),
and the rate cards quoting each distinct shipment once per batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.tables import FULFILLMENT_ORDERS
from backroom.inventory import services as inventory
from backroom.shipping.adapters import get_adapter, ratecard
from backroom.shipping.adapters.base import RateRequest
from backroom.shipping.model import Address, Package
from backroom.shipping.tables import SHIPMENTS
from tests.api.helpers import assert_problem, cli_database, client_for, headers
from tests.fulfillment.fo_setup import BIN, PACK, picked_fo
from tests.fulfillment.test_ship import pack

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("store")


def packed(uow: UnitOfWork, external_id: str, qty: int = 2) -> int:
    fo = picked_fo(uow, {"PLAIN": qty}, external_id=external_id)
    pack(uow, fo, [{"PLAIN": qty}])
    return fo.fo_id


def shipments(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(SHIPMENTS)).scalar_one())


def test_ship_route_ships_the_list_and_names_each_refused_order_when_some_cannot_ship(
        uow: UnitOfWork) -> None:
    good, other = packed(uow, "WEB-1"), packed(uow, "WEB-2")
    waiting = picked_fo(uow, {"PLAIN": 1}, external_id="WEB-3").fo_id
    body = {"fulfillment_order_ids": [good, waiting, other]}
    with client_for(uow.engine) as client:
        assert_problem(client.post("/api/v1/fulfillment-orders/ship", json=body,
                                   headers=headers(uow.engine, "read-only")), 403)
        key = {**headers(uow.engine, "warehouse"), "Idempotency-Key": "ship-many-1"}
        answer = client.post("/api/v1/fulfillment-orders/ship", json=body, headers=key)
        assert answer.status_code == 200, answer.text
        again = client.post("/api/v1/fulfillment-orders/ship", json=body, headers=key)
        empty = client.post("/api/v1/fulfillment-orders/ship", headers=key | {
            "Idempotency-Key": "ship-many-2"}, json={"fulfillment_order_ids": []})
    data = answer.json()
    assert (data["shipped_count"], data["failed_count"]) == (2, 1)
    assert [s["fulfillment_order_id"] for s in data["shipped"]] == [good, other]
    assert all(s["tracking_number"] and s["cogs_minor"] == 1000 for s in data["shipped"])
    assert data["failed"] == [{"fulfillment_order_id": waiting, "code": "conflict",
                               "message": f"fulfillment order {waiting} is not packed yet: "
                               "pack and seal every picked unit, or name the sealed cartons "
                               "to ship now"}]
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == data
    assert empty.status_code == 422
    assert shipments(uow) == 2


def cli(*args: str) -> tuple[int, Any]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else None


def test_cli_ships_every_packed_order_of_a_warehouse_when_all_packed(
        db_url: str, uow: UnitOfWork) -> None:
    first, second = packed(uow, "WEB-1"), packed(uow, "WEB-2", 3)
    held = packed(uow, "WEB-3")
    with uow.transaction() as conn:
        conn.execute(update(FULFILLMENT_ORDERS).where(FULFILLMENT_ORDERS.c.id == held)
                     .values(hold_reason="address check", held_at=FULFILLMENT_ORDERS.c.updated_at))
    with cli_database(db_url):
        bad = runner.invoke(app, ["pack", "ship", str(first), "--all-packed"])
        assert bad.exit_code == 2 and "--all-packed" in bad.output
        assert runner.invoke(app, ["pack", "ship"]).exit_code == 2
        assert runner.invoke(app, ["pack", "ship", "--all-packed", "--warehouse",
                                   "NOPE"]).exit_code == 2
        code, data = cli("pack", "ship", "--all-packed", "--warehouse", "wh1")
        assert code == 0, data
        text = runner.invoke(app, ["pack", "ship", "--all-packed"])
    assert [s["fulfillment_order_id"] for s in data["shipped"]] == [first, second]
    assert data["failed"] == [] and shipments(uow) == 2  # held: not picked up at all
    assert text.exit_code == 0 and "0 fulfillment order(s) shipped" in text.output


def test_cli_exits_1_and_lists_the_failure_when_an_order_cannot_ship(
        db_url: str, uow: UnitOfWork) -> None:
    fo_id = packed(uow, "WEB-1")
    inventory.move(uow, "PLAIN", 2, PACK, BIN)
    with cli_database(db_url):
        result = runner.invoke(app, ["pack", "ship", "--all-packed"])
    assert result.exit_code == 1, result.output
    assert f"fulfillment order {fo_id}:" in result.output and "0 fulfillment order(s) " \
        "shipped" in result.output


def test_memoized_rate_cards_quote_each_distinct_shipment_once_with_the_same_quotes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    origin = Address(name="WH1", line1="1 Dock Rd", city="Newark", postal_code="07102",
                     country="US", residential=False)
    ready = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

    def request(name: str, grams: int, carrier: str | None = None) -> RateRequest:
        to = Address(name=name, line1="5 Main St", city="Chicago", postal_code="60601",
                     country="US")
        return RateRequest(origin, to, (Package(300, 200, 100, grams),), ready,
                           carrier=carrier, service="GROUND" if carrier else None)

    plain = get_adapter("ratecard")
    calls: list[Any] = []
    real = ratecard.quote_all

    def counted(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(ratecard, "quote_all", counted)
    memo = plain.memoized()  # type: ignore[attr-defined]
    asked = [request("Jane", 1200), request("John", 1200), request("Jane", 900),
             request("Ann", 1200, "pwy"), request("Bo", 1200, "PWY")]
    got = [memo.rate(r) for r in asked]
    assert len(calls) == 2  # the name is not rated; a carrier's share comes from every card's
    calls.clear()
    assert got == [plain.rate(r) for r in asked] and len(calls) == 5
    assert got[3] == [q for q in got[0] if q.carrier == "PWY" and q.service == "GROUND"]
