"""Removing a Shopify mapping and deactivating a channel, on SQLite and PostgreSQL: a final
``available: 0`` for what the channel was told it could sell, in the same transaction, then
nothing more for it until it is mapped or reactivated again."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backroom.core.errors import NotFound, ValidationFailed
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.orders import availability as av
from backroom.orders import channels
from backroom.orders.availability_sync import sync_availability
from backroom.orders.availability_tables import CHANNEL_LOCATIONS, EXPORTS, INVENTORY_ITEMS
from tests.orders.test_availability import available, build, count, levels, receive, sync


@pytest.fixture
def shop(uow: UnitOfWork) -> UnitOfWork:
    """SHOP: WH1 → location 111, WH2 → 222, PLAIN → item 900, OTHER → 901. Synced with
    PLAIN 5 at WH1 and 4 at WH2, OTHER 3 at WH1 (so OTHER's level at 222 was exported as 0)."""
    build(uow)
    receive(uow, 5)
    receive(uow, 4, warehouse="WH2")
    receive(uow, 3, "OTHER")
    av.map_location(uow, "SHOP", "WH1", 111)
    av.map_location(uow, "SHOP", "WH2", 222)
    av.map_item(uow, "SHOP", "PLAIN", 900)
    av.map_item(uow, "SHOP", "OTHER", 901)
    sync(uow)
    assert exported(uow) == {(111, 900): 5, (222, 900): 4, (111, 901): 3, (222, 901): 0}
    return uow


def shop_sent(uow: UnitOfWork, since: int = 0) -> list[tuple[int, int, int]]:
    """(location, item, available) of every SHOP event after the first ``since``."""
    return [(p["location_id"], p["inventory_item_id"], p["available"])
            for p in levels(uow, "SHOP")[since:]]


def exported(uow: UnitOfWork, channel_id: int | None = None) -> dict[Any, int]:
    """What the channel (default SHOP) was last told: (location, item) -> available."""
    with uow.read() as conn:
        cid = channel_id or channels.get_channel(conn, "SHOP").id
        rows = conn.execute(select(EXPORTS).where(EXPORTS.c.channel_id == cid)).all()
    return {(r.location_id, r.inventory_item_id) if r.location_id else r.product_id:
            r.available for r in rows}


def test_unmapping_a_location_zeroes_its_levels_and_forgets_them_when_it_was_reported(
        shop: UnitOfWork) -> None:
    before = len(levels(shop, "SHOP"))
    result = av.unmap_location(shop, "SHOP", " WH2 ")
    assert result == {"channel": "SHOP", "warehouse": "WH2", "location_id": 222,
                      "exported": 1}
    # PLAIN's 4 at 222 goes to 0; OTHER was already told 0 there, so nothing more is sent.
    assert levels(shop, "SHOP")[before:] == [{"location_id": 222, "inventory_item_id": 900,
                                              "available": 0, "channel": "SHOP",
                                              "sku": "PLAIN"}]
    assert exported(shop) == {(111, 900): 5, (111, 901): 3}
    assert av.channel_settings(shop, "SHOP")["locations"] == [{"warehouse": "WH1",
                                                               "location_id": 111}]
    receive(shop, 6, warehouse="WH2")
    sync(shop)
    sync_availability(shop, full=True)
    assert len(levels(shop, "SHOP")) == before + 1  # WH2 is no longer reported anywhere


def test_unmapping_a_shared_location_recomputes_it_when_another_warehouse_still_reports_there(
        shop: UnitOfWork) -> None:
    av.map_location(shop, "SHOP", "WH2", 111)
    sync(shop)
    assert exported(shop) == {(111, 900): 9, (111, 901): 3}
    before = len(levels(shop, "SHOP"))
    assert av.unmap_location(shop, "SHOP", "WH2")["exported"] == 1
    assert shop_sent(shop, before) == [(111, 900, 5)]  # WH1 alone, not a 0
    assert exported(shop) == {(111, 900): 5, (111, 901): 3}
    sync(shop)
    assert len(levels(shop, "SHOP")) == before + 1


def test_unmapping_an_item_zeroes_every_level_of_the_sku_and_then_sends_nothing_when_synced(
        shop: UnitOfWork) -> None:
    before = len(levels(shop, "SHOP"))
    result = av.unmap_item(shop, "SHOP", "PLAIN")
    assert result == {"channel": "SHOP", "sku": "PLAIN", "inventory_item_id": 900,
                      "exported": 2}
    assert shop_sent(shop, before) == [(111, 900, 0), (222, 900, 0)]
    assert exported(shop) == {(111, 901): 3, (222, 901): 0}
    receive(shop, 7)
    sync(shop)
    sync_availability(shop, full=True)
    assert len(levels(shop, "SHOP")) == before + 2
    assert available(shop, "SHOP") == 16 and av.channel_settings(
        shop, "SHOP")["inventory_items_mapped"] == 1
    av.map_item(shop, "SHOP", "PLAIN", 900)  # mapped again: the live values go out again
    sync(shop)
    assert shop_sent(shop, before + 2) == [(111, 900, 12), (222, 900, 4)]


@pytest.mark.parametrize(("call", "error", "field"), [
    (lambda u: av.unmap_location(u, "SHOP", "WH2"), NotFound, "warehouse"),  # never mapped
    (lambda u: av.unmap_location(u, "SHOP", "WH9"), NotFound, "warehouse"),
    (lambda u: av.unmap_location(u, "NOPE", "WH1"), NotFound, None),
    (lambda u: av.unmap_location(u, "WEB", "WH1"), ValidationFailed, "channel"),
    (lambda u: av.unmap_item(u, "SHOP", "OTHER"), NotFound, "sku"),  # never mapped
    (lambda u: av.unmap_item(u, "SHOP", "NOPE"), NotFound, "sku"),
    (lambda u: av.unmap_item(u, "WEB", "PLAIN"), ValidationFailed, "channel"),
])
def test_unknown_mapping_is_refused_and_changes_nothing_when_unmapped(
        uow: UnitOfWork, call: Any, error: type[Exception], field: str | None) -> None:
    build(uow)
    receive(uow, 5)
    av.map_location(uow, "SHOP", "WH1", 111)
    av.map_item(uow, "SHOP", "PLAIN", 900)
    sync(uow)
    tables = (OUTBOX, CHANNEL_LOCATIONS, INVENTORY_ITEMS, EXPORTS)
    before = [count(uow, t) for t in tables]
    with pytest.raises(error) as caught:
        call(uow)
    if field is not None:
        assert [p.field for p in caught.value.problems] == [field]  # type: ignore[attr-defined]
    assert [count(uow, t) for t in tables] == before
    assert exported(uow) == {(111, 900): 5}


def test_deactivating_a_channel_zeroes_what_it_sells_and_the_sync_skips_it_when_stock_changes(
        shop: UnitOfWork) -> None:
    before = len(levels(shop, "SHOP"))
    result = channels.set_channel_active(shop, "shop", False)
    assert (result["code"], result["active"], result["changed"], result["levels_zeroed"]) == (
        "SHOP", False, True, 3)
    assert sorted(shop_sent(shop, before)) == [(111, 900, 0), (111, 901, 0), (222, 900, 0)]
    assert levels(shop, "SHOP")[before] == {"location_id": 111, "inventory_item_id": 900,
                                            "available": 0, "channel": "SHOP", "sku": "PLAIN"}
    assert set(exported(shop).values()) == {0}  # kept at 0: reactivation will see a change
    api_before = len(levels(shop, "API"))
    receive(shop, 2)
    sync(shop)
    sync_availability(shop, full=True)
    assert len(levels(shop, "SHOP")) == before + 3
    assert len(levels(shop, "API")) == api_before + 1  # the sync did run
    again = channels.set_channel_active(shop, "SHOP", False)
    assert (again["changed"], again["levels_zeroed"]) == (False, 0)
    assert len(levels(shop, "SHOP")) == before + 3


def test_reactivating_a_channel_sends_its_live_values_when_synced(shop: UnitOfWork) -> None:
    channels.set_channel_active(shop, "SHOP", False)
    before = len(levels(shop, "SHOP"))
    receive(shop, 2)
    result = channels.set_channel_active(shop, "SHOP", True)
    assert (result["active"], result["changed"], result["levels_zeroed"]) == (True, True, 0)
    assert len(levels(shop, "SHOP")) == before  # nothing until the sync
    sync(shop)
    assert sorted(shop_sent(shop, before)) == [(111, 900, 7), (111, 901, 3), (222, 900, 4)]
    assert exported(shop) == {(111, 900): 7, (222, 900): 4, (111, 901): 3, (222, 901): 0}
    assert sync(shop).exported == 0


def test_deactivating_a_non_shopify_channel_zeroes_its_all_level_when_it_was_selling(
        shop: UnitOfWork) -> None:
    before = len(levels(shop, "WEB"))
    assert channels.set_channel_active(shop, "WEB", False)["levels_zeroed"] == 2
    assert sorted(levels(shop, "WEB")[before:], key=lambda p: p["sku"]) == [
        {"channel": "WEB", "sku": "OTHER", "warehouse": "all", "available": 0},
        {"channel": "WEB", "sku": "PLAIN", "warehouse": "all", "available": 0}]
    channels.set_channel_active(shop, "WEB", True)
    sync(shop)
    assert sorted((p["sku"], p["available"]) for p in levels(shop, "WEB")[before + 2:]) == [
        ("OTHER", 3), ("PLAIN", 9)]


def test_unmapping_on_an_inactive_channel_forgets_its_zeros_when_reactivated_later(
        shop: UnitOfWork) -> None:
    channels.set_channel_active(shop, "SHOP", False)
    before = len(levels(shop, "SHOP"))
    assert av.unmap_item(shop, "SHOP", "PLAIN")["exported"] == 0  # already told 0
    assert av.unmap_location(shop, "SHOP", "WH2")["exported"] == 0
    assert exported(shop) == {(111, 901): 0}
    channels.set_channel_active(shop, "SHOP", True)
    sync(shop)
    assert shop_sent(shop, before) == [(111, 901, 3)]


def test_deactivating_an_unknown_channel_is_not_found_when_asked(shop: UnitOfWork) -> None:
    before = count(shop, OUTBOX)
    with pytest.raises(NotFound):
        channels.set_channel_active(shop, "NOPE", False)
    assert count(shop, OUTBOX) == before


def test_deactivation_and_its_zeros_roll_back_together_when_the_transaction_fails(
        shop: UnitOfWork) -> None:
    before = count(shop, OUTBOX)
    with pytest.raises(RuntimeError), shop.transaction():
        assert channels.set_channel_active(shop, "SHOP", False)["levels_zeroed"] == 3
        raise RuntimeError("crash after the deactivation")
    assert count(shop, OUTBOX) == before and exported(shop)[(111, 900)] == 5
    assert [c["active"] for c in channels.list_channels(shop) if c["code"] == "SHOP"] == [True]
