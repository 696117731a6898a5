"""Importing channel orders on SQLite and PostgreSQL: idempotent, exact, updates that respect
what may still change, stale updates ignored, bad orders refused with nothing stored."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from sqlalchemy import select

from backroom.db.uow import UnitOfWork
from backroom.orders import channels, progress, queries, shopify, woocommerce
from backroom.orders.errors import CurrencyMismatch, WrongChannel
from backroom.orders.intake import Receipt, import_order
from backroom.orders.model import ChannelKind
from backroom.orders.tables import ORDERS
from tests.orders.conftest import events, line_rows, order_count, payload

SHOP, WOO = ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE


def shop(uow: UnitOfWork, name: str = "shopify_orders_create.json", data: Any = None,
         receipt: Receipt | None = None) -> Any:
    draft = shopify.parse_order(data if data is not None else payload(name))
    return import_order(uow, "SHOP", draft, actor="test", kind=SHOP, receipt=receipt)


def view(uow: UnitOfWork, order_id: int) -> dict[str, Any]:
    with uow.read() as conn:
        return queries.get_order(conn, order_id)


def test_order_is_created_once_when_the_same_order_is_imported_twice(store: UnitOfWork) -> None:
    first, second = shop(store), shop(store)
    assert (first.outcome, second.outcome) == ("new", "unchanged")
    assert first.order_id == second.order_id and order_count(store) == 1
    assert [t for t, _ in events(store)] == ["order.created", "order.released", "order.paid"]


def test_order_keeps_every_amount_exactly_when_stored(store: UnitOfWork) -> None:
    order = view(store, shop(store).order_id)
    assert order["amounts"] | {} == {
        "subtotal": "70.49", "discount": "7.05", "shipping": "5.99", "shipping_tax": "0.00",
        "tax": "3.97", "other": "0.00", "total": "73.40", "authorized": "0.00",
        "paid": "73.40", "refunded": "0.00", "payment_fee": "0.00"}
    assert [(ln["sku"], ln["qty"], ln["unit_price"], ln["discount"], ln["tax"])
            for ln in order["lines"]] == [("MUG-RED", 2, "18.00", "3.60", "2.03"),
                                          ("TOWEL-2", 1, "9.50", "0.95", "0.53"),
                                          ("TEA-SAMPLER", 1, "24.99", "2.50", "1.41")]
    assert (order["state"], order["payment_state"], order["fulfillment_state"]) == \
        ("open", "paid", "unfulfilled")


def test_paid_event_carries_amounts_for_accounting_when_order_is_paid(store: UnitOfWork) -> None:
    order_id = shop(store).order_id
    (paid,) = [p for t, p in events(store) if t == "order.paid"]
    assert paid == {"order_id": order_id, "number": "#1001", "currency": "USD",
                    "total": "73.40", "subtotal": "70.49", "discount": "7.05",
                    "shipping": "5.99", "tax": "3.97", "payment_fee": "0.00", "rate": "1"}


def test_update_changes_address_and_records_history_when_order_is_not_released(
        store: UnitOfWork) -> None:
    order_id = shop(store).order_id
    assert shop(store, "shopify_orders_updated.json").outcome == "updated"
    order = view(store, order_id)
    assert (order["ship_to"]["line1"], order["ship_to"]["postal_code"]) == \
        ("112 Tremont Street", "02108")
    (entry,) = [h for h in order["history"] if h["action"] == "updated"]
    assert entry["before"]["ship_postal_code"] == "02116"
    assert entry["after"]["ship_postal_code"] == "02108"
    assert ("order.updated", {"order_id": order_id, "number": "#1001", "changes": [
        "ship_company", "ship_line1", "ship_line2", "ship_postal_code"]}) in events(store)


def test_update_is_ignored_when_it_is_older_than_the_stored_one(store: UnitOfWork) -> None:
    order_id = shop(store, "shopify_orders_updated.json").order_id
    assert shop(store).outcome == "stale"
    assert view(store, order_id)["ship_to"]["postal_code"] == "02108"
    assert [t for t, _ in events(store)].count("order.updated") == 0


def test_address_change_is_refused_when_order_is_in_fulfillment(store: UnitOfWork) -> None:
    order_id = shop(store).order_id
    progress.record_reserved(store, line_rows(store, order_id)[0].id, 1)
    outcome = shop(store, "shopify_orders_updated.json")
    assert outcome.outcome == "unchanged"
    assert outcome.ignored and "already processing" in outcome.ignored[0]
    order = view(store, order_id)
    assert order["ship_to"]["postal_code"] == "02116"
    assert order["history"][-1]["action"] == "update_refused"


def edited(quantities: list[int], updated_at: str = "2026-11-20T17:00:00-05:00") -> Any:
    data = copy.deepcopy(payload("shopify_orders_create.json"))
    data["updated_at"] = updated_at
    for item, qty in zip(data["line_items"], quantities, strict=True):
        item["current_quantity"] = qty
    return data


def test_quantity_drop_cancels_open_units_when_channel_edits_order(store: UnitOfWork) -> None:
    order_id = shop(store).order_id
    assert shop(store, data=edited([1, 1, 0])).outcome == "updated"
    lines = line_rows(store, order_id)
    assert [(ln.qty, ln.qty_cancelled) for ln in lines] == [(2, 1), (1, 0), (1, 1)]
    cancelled = [p for t, p in events(store) if t == "order.cancelled"]
    assert [ln["qty"] for ln in cancelled[0]["lines"]] == [1, 1]


def test_quantity_drop_is_refused_when_units_are_reserved(store: UnitOfWork) -> None:
    order_id = shop(store).order_id
    line = line_rows(store, order_id)[0]
    progress.record_reserved(store, line.id, 2)
    outcome = shop(store, data=edited([1, 1, 1]))
    assert "cannot lower to 1" in outcome.ignored[0]
    assert line_rows(store, order_id)[0].qty_cancelled == 0


def test_quantity_rise_adds_units_when_channel_edits_order(store: UnitOfWork) -> None:
    order_id = shop(store).order_id
    shop(store, data=edited([3, 1, 1]))
    assert [ln.qty for ln in line_rows(store, order_id)] == [3, 1, 1]


def test_cancelled_webhook_cancels_whole_order_when_channel_cancels(store: UnitOfWork) -> None:
    order_id = shop(store).order_id
    assert shop(store, "shopify_orders_cancelled.json").state == "cancelled"
    order = view(store, order_id)
    assert (order["payment_state"], order["cancel_reason"]) == ("refunded", "customer")
    assert all(ln["cancelled"] == ln["qty"] for ln in order["lines"])
    assert shop(store, "shopify_orders_cancelled.json").outcome == "unchanged"
    assert [t for t, _ in events(store)].count("order.cancelled") == 1


def test_currency_mismatch_is_refused_and_nothing_stored_when_channel_fixes_currency(
        store: UnitOfWork) -> None:
    data = payload("woocommerce_order.json")
    data["currency"] = "USD"
    draft = woocommerce.parse_order(data)
    with pytest.raises(CurrencyMismatch, match="channel WOO sells in EUR"):
        import_order(store, "WOO", draft, actor="test", kind=WOO)
    assert order_count(store) == 0 and events(store) == []


def test_order_is_refused_when_channel_is_of_another_kind(store: UnitOfWork) -> None:
    draft = woocommerce.parse_order(payload("woocommerce_order.json"))
    with pytest.raises(WrongChannel, match="shopify channel"):
        import_order(store, "SHOP", draft, actor="test", kind=WOO)
    assert order_count(store) == 0


def test_unknown_sku_order_is_held_then_released_when_sku_is_mapped(store: UnitOfWork) -> None:
    data = payload("woocommerce_order.json")
    data["line_items"][1]["sku"] = "JUG-350-OLD"
    outcome = import_order(store, "WOO", woocommerce.parse_order(data), actor="t", kind=WOO)
    assert (outcome.state, outcome.holds) == ("on_hold", ["unknown_sku"])
    order = view(store, outcome.order_id)
    assert "'JUG-350-OLD'" in order["holds"][0]["reason"]
    assert order["lines"][1]["sku"] is None and order["lines"][1]["channel_sku"] == "JUG-350-OLD"
    result = channels.map_sku(store, "WOO", "product:110", "JUG-350", actor="test")
    assert result["orders_released"] == [outcome.order_id]
    order = view(store, outcome.order_id)
    assert (order["state"], order["lines"][1]["sku"]) == ("open", "JUG-350")
    assert [t for t, _ in events(store)][-1] == "order.released"


def test_mapped_sku_is_used_when_the_next_order_arrives(store: UnitOfWork) -> None:
    channels.map_sku(store, "WOO", "CUP-SET-4-EU", "CUP-SET-4", actor="test")
    data = payload("woocommerce_order.json")
    data["line_items"][0]["sku"] = "CUP-SET-4-EU"
    outcome = import_order(store, "WOO", woocommerce.parse_order(data), actor="t", kind=WOO)
    assert outcome.holds == [] and view(store, outcome.order_id)["lines"][0]["sku"] == \
        "CUP-SET-4"


def test_bad_address_holds_order_until_channel_sends_a_valid_one(store: UnitOfWork) -> None:
    data = edited([2, 1, 1], updated_at="2026-11-20T14:32:09-05:00")
    data["shipping_address"]["zip"] = "BOS-TON"
    outcome = shop(store, data=data)
    assert outcome.holds == ["address_problem"]
    hold = view(store, outcome.order_id)["holds"][0]
    assert "not a postal code of US" in hold["reason"]
    fixed = shop(store, data=edited([2, 1, 1]))
    assert (fixed.state, fixed.holds) == ("open", [])


def test_pending_payment_holds_order_until_channel_reports_it(store: UnitOfWork) -> None:
    data = edited([2, 1, 1], updated_at="2026-11-20T14:32:09-05:00")
    data["financial_status"] = "pending"
    outcome = shop(store, data=data)
    assert (outcome.state, outcome.holds) == ("on_hold", ["payment_pending"])
    assert "order.paid" not in [t for t, _ in events(store)]
    shop(store, data=edited([2, 1, 1]))
    kinds = [t for t, _ in events(store)]
    assert kinds.count("order.paid") == 1 and kinds[-2:] == ["order.released", "order.paid"]


def test_repeated_delivery_changes_nothing_when_receipt_was_seen(store: UnitOfWork) -> None:
    receipt = Receipt(("webhook:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",), "orders/create")
    assert shop(store, receipt=receipt).outcome == "new"
    assert shop(store, "shopify_orders_updated.json", receipt=receipt).outcome == "duplicate"
    with store.read() as conn:
        assert conn.execute(select(ORDERS.c.ship_postal_code)).scalar_one() == "02116"
    assert len(events(store)) == 3


def test_concurrent_imports_store_the_order_once_when_they_race(store: UnitOfWork) -> None:
    draft = shopify.parse_order(payload("shopify_orders_create.json"))
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def run() -> None:
        start.wait()
        result = import_order(UnitOfWork(store.engine), "SHOP", draft, actor="t", kind=SHOP)
        outcomes.append(result.outcome)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["new", "unchanged", "unchanged", "unchanged"]
    assert order_count(store) == 1
    assert [t for t, _ in events(store)].count("order.created") == 1
