"""Channel availability on SQLite and PostgreSQL: the formula (buffers, overrides, reserved and
safety stock, floor at 0, warehouses), the sync (an event only when a level changes), the
Shopify payload, and bad input writing nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from backroom.orders import availability as av
from backroom.orders import channels
from backroom.orders.availability_queries import list_availability
from backroom.orders.availability_sync import SyncResult, sync_availability
from backroom.orders.availability_tables import (
    CHANNEL_LOCATIONS,
    EXPORTS,
    INVENTORY_ITEMS,
    SKU_BUFFERS,
    STOCK_SETTINGS,
)
from tests.inventory.store import build_store

LEVEL = "channel.inventory_level"


def build(uow: UnitOfWork) -> UnitOfWork:
    """WH1 and WH2, SKUs PLAIN/LOTTED/SERIAL/OTHER, channels SHOP (shopify) and WEB (csv),
    synced once so later syncs are incremental."""
    build_store(uow)
    channels.create_channel(uow, "SHOP", "shopify", "Kettle & Clay", "USD")
    channels.create_channel(uow, "WEB", "csv", "Marketplace")
    sync_availability(uow)
    return uow


@pytest.fixture
def shop(uow: UnitOfWork) -> UnitOfWork:
    return build(uow)


def receive(uow: UnitOfWork, qty: int, sku: str = "PLAIN", warehouse: str = "WH1") -> None:
    inv.receive(uow, warehouse, [ReceiptLine(sku, qty, Decimal("1.00"))], reference="PO")


def levels(uow: UnitOfWork, channel: str = "WEB") -> list[dict[str, Any]]:
    """Every channel.inventory_level payload of ``channel``, oldest first."""
    with uow.read() as conn:
        rows = conn.execute(select(OUTBOX.c.payload).where(OUTBOX.c.type == LEVEL)
                            .order_by(OUTBOX.c.id)).scalars()
        return [p for p in rows if p["channel"] == channel]


def available(uow: UnitOfWork, channel: str = "WEB", sku: str = "PLAIN") -> int:
    with uow.read() as conn:
        items, _ = list_availability(conn, channel, sku=sku)
    return int(items[0]["available"])


def sync(uow: UnitOfWork) -> SyncResult:
    return sync_availability(uow)


def count(uow: UnitOfWork, table: Any) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_available_subtracts_reserved_safety_and_buffer_when_all_are_set(
        shop: UnitOfWork) -> None:
    receive(shop, 10)
    inv.reserve(shop, "WH1", "PLAIN", 3, "SO-1:1")
    inv.set_safety_stock(shop, "WH1", "PLAIN", 2)
    av.set_buffer(shop, "WEB", 1)
    assert available(shop) == 10 - 3 - 2 - 1
    sync(shop)
    assert levels(shop)[-1] == {"channel": "WEB", "sku": "PLAIN", "warehouse": "all",
                                "available": 4}


def test_sku_override_replaces_default_buffer_when_set_and_default_returns_when_removed(
        shop: UnitOfWork) -> None:
    receive(shop, 10)
    receive(shop, 10, "OTHER")
    av.set_buffer(shop, "WEB", 5)
    av.set_buffer(shop, "WEB", 1, sku="PLAIN")
    assert (available(shop), available(shop, sku="OTHER")) == (9, 5)
    av.set_buffer(shop, "WEB", None, sku="PLAIN")
    assert available(shop) == 5


def test_available_is_floored_at_zero_when_buffer_exceeds_free_stock(shop: UnitOfWork) -> None:
    receive(shop, 3)
    av.set_buffer(shop, "WEB", 5)
    assert available(shop) == 0
    sync(shop)
    assert levels(shop)[-1]["available"] == 0


def test_reserved_stock_lowers_the_exported_level_when_synced(shop: UnitOfWork) -> None:
    receive(shop, 8)
    sync(shop)
    inv.reserve(shop, "WH1", "PLAIN", 5, "SO-1:1")
    sync(shop)
    inv.release(shop, reference="SO-1:1", qty=2)
    sync(shop)
    assert [p["available"] for p in levels(shop)] == [8, 3, 5]


def test_sync_writes_one_event_with_the_new_number_when_stock_arrives_and_none_when_rerun(
        shop: UnitOfWork) -> None:
    receive(shop, 12)
    first = sync(shop)
    assert levels(shop) == [{"channel": "WEB", "sku": "PLAIN", "warehouse": "all",
                             "available": 12}]
    assert first.exported == 2  # WEB and the API channel; SHOP has no mapping yet
    again = sync(shop)
    assert again.exported == 0 and len(levels(shop)) == 1
    inv.move(shop, "PLAIN", 12, "WH1-INPUT", "WH1-A-01-1")  # stock moves, free stock does not
    assert sync(shop).exported == 0 and len(levels(shop)) == 1


def test_shopify_payload_is_exactly_inventory_levels_set_when_location_and_item_are_mapped(
        shop: UnitOfWork) -> None:
    receive(shop, 7)
    sync(shop)
    assert levels(shop, "SHOP") == []  # nothing mapped: nothing to address
    av.map_location(shop, "SHOP", "WH1", "44871598391")
    av.map_item(shop, "SHOP", "PLAIN", 49148385935671)
    sync(shop)
    assert levels(shop, "SHOP") == [{"location_id": 44871598391,
                                     "inventory_item_id": 49148385935671, "available": 7,
                                     "channel": "SHOP", "sku": "PLAIN"}]
    with shop.read() as conn:
        aggregate = conn.execute(select(OUTBOX.c.aggregate).where(OUTBOX.c.type == LEVEL)
                                 .order_by(OUTBOX.c.id.desc()).limit(1)).scalar_one()
    assert aggregate == "channel:SHOP"


def test_levels_add_warehouses_and_a_restricted_channel_sees_only_its_own_when_two_hold_stock(
        shop: UnitOfWork) -> None:
    receive(shop, 5, warehouse="WH1")
    receive(shop, 4, warehouse="WH2")
    av.set_warehouses(shop, "WEB", ["WH2"])
    assert (available(shop, "API"), available(shop, "WEB")) == (9, 4)
    sync(shop)
    assert levels(shop)[-1]["available"] == 4
    assert levels(shop, "API")[-1]["available"] == 9
    av.set_warehouses(shop, "WEB", [])  # back to every active warehouse
    sync(shop)
    assert levels(shop)[-1]["available"] == 9


def test_shopify_reports_each_location_apart_when_warehouses_map_to_two(
        shop: UnitOfWork) -> None:
    receive(shop, 5, warehouse="WH1")
    receive(shop, 4, warehouse="WH2")
    av.set_buffer(shop, "SHOP", 1)
    av.map_location(shop, "SHOP", "WH1", 111)
    av.map_location(shop, "SHOP", "WH2", "gid://shopify/Location/222")
    av.map_item(shop, "SHOP", "PLAIN", 900)
    sync(shop)
    assert {p["location_id"]: p["available"] for p in levels(shop, "SHOP")} == {111: 4, 222: 3}
    av.map_location(shop, "SHOP", "WH2", 111)  # both now report under one location
    sync(shop)
    assert [(p["location_id"], p["available"]) for p in levels(shop, "SHOP")[2:]] == [
        (111, 8), (222, 0)]
    assert count(shop, EXPORTS) == 2 + 1  # WEB + API "all", SHOP location 111


def test_a_warehouse_short_of_safety_stock_does_not_hide_another_ones_stock_when_summed(
        shop: UnitOfWork) -> None:
    receive(shop, 5, warehouse="WH1")
    inv.reserve(shop, "WH1", "PLAIN", 5, "SO-1:1")
    inv.set_safety_stock(shop, "WH1", "PLAIN", 2)  # WH1: 5 − 5 − 2 = −2, counts as 0
    receive(shop, 6, warehouse="WH2")
    assert available(shop) == 6


def test_inactive_product_is_offered_nowhere_when_deactivated(shop: UnitOfWork) -> None:
    from backroom.catalog import services as catalog

    receive(shop, 6)
    sync(shop)
    catalog.deactivate_product(shop, "PLAIN")
    sync(shop)
    assert [p["available"] for p in levels(shop)] == [6, 0]


def test_full_sync_recomputes_every_sku_when_asked_and_exports_only_changes(
        shop: UnitOfWork) -> None:
    receive(shop, 2)
    receive(shop, 3, "OTHER")
    result = sync_availability(shop, full=True)
    assert result.full and result.exported == 4  # 2 SKUs × (WEB, API)
    assert sync_availability(shop, full=True).exported == 0
    assert sync(shop).exported == 0


def test_first_sync_recomputes_everything_when_no_cursor_exists(uow: UnitOfWork) -> None:
    build_store(uow)
    receive(uow, 4)
    result = sync_availability(uow)
    assert result.full and levels(uow, "API") == [{"channel": "API", "sku": "PLAIN",
                                                    "warehouse": "all", "available": 4}]
    assert result.cursor > 0 and sync_availability(uow).full is False


def test_buffer_and_safety_stock_changes_are_exported_when_synced(shop: UnitOfWork) -> None:
    receive(shop, 10)
    sync(shop)
    av.set_buffer(shop, "WEB", 2)
    sync(shop)
    av.set_buffer(shop, "WEB", 4, sku="PLAIN")
    sync(shop)
    inv.set_safety_stock(shop, "WH1", "PLAIN", 3)
    sync(shop)
    assert [p["available"] for p in levels(shop)] == [10, 8, 6, 3]
    assert [p["available"] for p in levels(shop, "API")] == [10, 7]


@pytest.mark.parametrize(("call", "error", "field"), [
    (lambda u: av.set_buffer(u, "WEB", -1), ValidationFailed, "buffer"),
    (lambda u: av.set_buffer(u, "WEB", 2, sku="NOPE"), NotFound, "sku"),
    (lambda u: av.set_buffer(u, "NOPE", 2), NotFound, None),
    (lambda u: av.set_warehouses(u, "WEB", ["WH1", "WH9"]), NotFound, "warehouses"),
    (lambda u: av.map_location(u, "SHOP", "WH1", "12.5"), ValidationFailed, "location_id"),
    (lambda u: av.map_location(u, "SHOP", "WH1", -4), ValidationFailed, "location_id"),
    (lambda u: av.map_location(u, "SHOP", "WH9", 5), NotFound, "warehouse"),
    (lambda u: av.map_location(u, "WEB", "WH1", 5), ValidationFailed, "channel"),
    (lambda u: av.map_item(u, "SHOP", "PLAIN", "abc"), ValidationFailed, "inventory_item_id"),
    (lambda u: av.map_item(u, "SHOP", "PLAIN", 2**63), ValidationFailed, "inventory_item_id"),
    (lambda u: av.map_item(u, "SHOP", "NOPE", 5), NotFound, "sku"),
])
def test_bad_input_names_the_field_and_writes_nothing_when_refused(
        shop: UnitOfWork, call: Any, error: type[Exception], field: str | None) -> None:
    before = count(shop, OUTBOX)
    with pytest.raises(error) as caught:
        call(shop)
    if field is not None:
        assert [p.field for p in caught.value.problems] == [field]  # type: ignore[attr-defined]
    tables = (STOCK_SETTINGS, SKU_BUFFERS, CHANNEL_LOCATIONS, INVENTORY_ITEMS)
    assert [count(shop, t) for t in tables] == [0, 0, 0, 0] and count(shop, OUTBOX) == before


def test_an_inventory_item_maps_to_one_sku_when_mapped_twice(shop: UnitOfWork) -> None:
    av.map_item(shop, "SHOP", "PLAIN", 77)
    with pytest.raises(Conflict, match="already mapped to SKU PLAIN"):
        av.map_item(shop, "SHOP", "OTHER", 77)
    av.map_item(shop, "SHOP", "PLAIN", 78)  # re-mapping the same SKU is fine
    assert av.channel_settings(shop, "SHOP")["inventory_items_mapped"] == 1


def test_an_event_committed_late_is_synced_when_its_transaction_ends_after_a_sync(
        shop: UnitOfWork) -> None:
    if shop.dialect != "postgresql":
        pytest.skip("SQLite serializes writers: outbox ids never commit out of order")
    slow, fast = UnitOfWork(shop.engine), UnitOfWork(shop.engine)
    with slow.transaction():
        receive(slow, 5, "OTHER", "WH2")  # takes its outbox ids first, commits last
        receive(fast, 3, "PLAIN", "WH1")
        during = sync_availability(fast)
        assert during.gaps > 0 and [p["sku"] for p in levels(fast)] == ["PLAIN"]
    after = sync_availability(fast)
    assert after.late > 0 and after.gaps == 0
    assert [(p["sku"], p["available"]) for p in levels(fast)] == [("PLAIN", 3), ("OTHER", 5)]


def test_a_gap_is_forgotten_when_older_than_the_timeout(shop: UnitOfWork) -> None:
    if shop.dialect != "postgresql":
        pytest.skip("SQLite reuses a rolled-back id: no gaps")
    with pytest.raises(RuntimeError), shop.transaction():
        receive(shop, 5, "OTHER")
        raise RuntimeError("rolled back: its outbox ids are never used")
    receive(shop, 1)
    assert sync_availability(shop).gaps > 0
    assert sync_availability(shop, gap_timeout_s=0).gaps == 0
