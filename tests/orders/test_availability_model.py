"""Channel availability, pure: the formula, Shopify levels and id parsing."""

from __future__ import annotations

import pytest

from backroom.core.errors import ValidationFailed
from backroom.orders.availability_model import (
    ChannelSetup,
    WarehouseStock,
    available,
    buffer_value,
    external_id,
    levels,
)

STOCK = {1: WarehouseStock(10, 3, 2), 2: WarehouseStock(4, 4, 1), 3: WarehouseStock(6)}


def test_available_sums_free_stock_minus_buffer_when_warehouses_differ() -> None:
    assert available(STOCK, (1, 2, 3), 0) == 5 + 0 + 6  # WH2's deficit counts as 0
    assert available(STOCK, (1, 3), 4) == 7
    assert available(STOCK, (2,), 0) == 0
    assert available(STOCK, (1,), 9) == 0  # floored
    assert available(STOCK, (9,), 0) == 0  # nothing there


def test_shopify_levels_group_warehouses_by_location_when_two_share_one() -> None:
    setup = ChannelSetup(1, "SHOP", "shopify", {1: "WH1", 2: "WH2", 3: "WH3"}, 1,
                         buffers={7: 0}, locations={1: 50, 3: 50, 2: 60}, items={7: 900})
    got = [(lv.key, lv.warehouse_ids, lv.available, lv.location_id, lv.inventory_item_id)
           for lv in levels(setup, 7, STOCK)]
    assert got == [("location:50", (1, 3), 11, 50, 900), ("location:60", (2,), 0, 60, 900)]
    assert levels(setup, 8, STOCK) == []  # no inventory item: nothing to address
    assert [lv.available for lv in levels(setup, 7, STOCK, active=False)] == [0, 0]


def test_other_channels_have_one_level_over_every_warehouse_when_computed() -> None:
    setup = ChannelSetup(2, "WEB", "woocommerce", {1: "WH1", 3: "WH3"}, default_buffer=2)
    [level] = levels(setup, 7, STOCK)
    assert (level.key, level.warehouse_ids, level.available) == ("all", (1, 3), 9)


@pytest.mark.parametrize(("raw", "expected"), [
    (44871598391, 44871598391), ("  123 ", 123), ("gid://shopify/Location/77", 77),
])
def test_shopify_ids_are_read_when_integer_digits_or_gid(raw: object, expected: int) -> None:
    assert external_id("location_id", raw, "Location") == expected


@pytest.mark.parametrize("raw", [0, -1, "1.5", 1.5, True, "", "gid://shopify/Product/7",
                                 2**63, None, "١٢"])
def test_shopify_ids_are_refused_naming_the_field_when_not_positive_whole(raw: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        external_id("location_id", raw, "Location")
    assert [p.field for p in caught.value.problems] == ["location_id"]


@pytest.mark.parametrize("raw", [-1, 1.0, "3", False, 100_000_001])
def test_buffers_are_refused_when_not_a_whole_number_in_range(raw: object) -> None:
    with pytest.raises(ValidationFailed, match="buffer"):
        buffer_value(raw)
