"""``intake_batch.import_many``: a chunk of channel orders imported set-based gives the same
orders, lines, holds, history and events as importing them one by one; a bad order is
reported in its place and the rest are imported; updates and repeats within a chunk work."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select

from backroom.core.errors import BackroomError, NotFound
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.orders import queries, shopify
from backroom.orders.errors import CurrencyMismatch
from backroom.orders.intake import import_order
from backroom.orders.intake_batch import import_many
from backroom.orders.model import ChannelKind
from backroom.orders.tables import ORDER_HISTORY, ORDERS
from tests.orders.conftest import order_count, payload

SHOP = ChannelKind.SHOPIFY


def _drafts(prefix: str) -> list[Any]:
    """Four Shopify orders: plain, an unknown SKU (held), unpaid (held), plain."""
    base = payload("shopify_orders_create.json")
    out = []
    for n in range(4):
        data = copy.deepcopy(base)
        data["id"] = int(f"{prefix}{n}")
        data["name"] = f"#{prefix}{n}"
        if n == 1:
            data["line_items"][0]["sku"] = "NO-SUCH-SKU"
        if n == 2:
            data["financial_status"] = "pending"
        out.append(shopify.parse_order(data))
    return out


def _shape(uow: UnitOfWork, external_ids: list[str]) -> list[Any]:
    """Everything about the orders that does not depend on ids or numbers."""
    with uow.read() as conn:
        ids = [conn.execute(select(ORDERS.c.id).where(ORDERS.c.external_id == e)).scalar_one()
               for e in external_ids]
        out = []
        for order_id in ids:
            order = queries.get_order(conn, order_id)
            history = [r.action for r in conn.execute(select(ORDER_HISTORY.c.action).where(
                ORDER_HISTORY.c.order_id == order_id).order_by(ORDER_HISTORY.c.id))]
            kinds = sorted(r.type for r in conn.execute(select(OUTBOX.c.type).where(
                OUTBOX.c.aggregate == f"order:{order_id}")))
            out.append((order["state"], order["payment_state"], order["amounts"],
                        [(ln["sku"], ln["qty"], ln["unit_price"]) for ln in order["lines"]],
                        sorted(h["kind"] for h in order["holds"]), sorted(history), kinds))
        return out


def test_batch_import_matches_one_by_one(store: UnitOfWork) -> None:
    batch, single = _drafts("71"), _drafts("72")
    results = import_many(store, "SHOP", batch, actor="test", kind=SHOP, chunk=3)
    for draft in single:
        import_order(store, "SHOP", draft, actor="test", kind=SHOP)
    assert [r.outcome for r in results if not isinstance(r, BackroomError)] == ["new"] * 4
    shapes = _shape(store, [d.external_id for d in batch])
    assert shapes == _shape(store, [d.external_id for d in single])
    assert shapes[1][4] == ["unknown_sku"] and shapes[2][4] == ["payment_pending"]
    assert shapes[0][0] == shapes[3][0] == "open" and len(shapes[0][3]) == 3


def test_bad_order_is_reported_in_place_and_the_rest_imported(store: UnitOfWork) -> None:
    drafts = _drafts("73")
    euro = copy.deepcopy(payload("shopify_orders_create.json"))
    euro["id"], euro["currency"] = 7399, "EUR"
    drafts.insert(1, shopify.parse_order(euro))
    results = import_many(store, "SHOP", drafts, actor="test", kind=SHOP)
    assert isinstance(results[1], CurrencyMismatch)
    assert "is in EUR but channel SHOP sells in USD" in results[1].message
    assert [getattr(r, "outcome", None) for r in results] == ["new", None, "new", "new", "new"]
    assert order_count(store) == 4


def test_existing_and_repeated_orders_in_a_chunk_are_updates(store: UnitOfWork) -> None:
    first = _drafts("74")
    import_many(store, "SHOP", first[:1], actor="test", kind=SHOP)
    results = import_many(store, "SHOP", [first[0], first[1], first[1]], actor="test",
                          kind=SHOP)
    assert [r.outcome for r in results if not isinstance(r, BackroomError)] == [
        "unchanged", "new", "unchanged"]
    assert order_count(store) == 2


def test_unknown_channel_stops_the_import(store: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        import_many(store, "NOPE", _drafts("75"), actor="test")
    assert order_count(store) == 0
