"""Cartonization: rotations, weight limits, "this side up", and money (box + billed shipping).

Prices use ``DEFAULT_RATE``: per parcel 6.00 plus 0.95 per started 500 g of billable weight,
billable = max(actual, outer volume in mm³ ÷ 5000) grams. Boxes here have outer = inner.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backroom.core.errors import ValidationFailed
from backroom.fulfillment.packing import (
    DEFAULT_RATE,
    Box,
    Item,
    ItemsFitNoBox,
    NoShippablePacking,
    Packing,
    cartonize,
    rated_ship_cost,
    verify,
    volume_only,
)
from backroom.shipping.rating.model import Address, Package
from backroom.shipping.rating.services import quote_shipment

CUSHION = Item("CUSHION", 300, 300, 150, 500)
BOX_M = Box("M", 310, 310, 160, 10_000, 80)
BOX_L = Box("L", 610, 310, 160, 10_000, 120)
BOX_XL = Box("XL", 600, 600, 400, 20_000, 200)


def _valid(packing: Packing, items: list[Item], rotate: bool = True) -> Packing:
    assert verify(packing, items, rotate=rotate) == []
    return packing


def test_rotates_item_when_it_only_fits_turned() -> None:
    rod = Item("ROD", 300, 40, 40, 200)
    tube = Box("TUBE", 50, 50, 310, 5_000, 30)
    packing = _valid(cartonize([rod], [tube]), [rod])
    (placement,) = packing.placements
    assert (placement.length_mm, placement.width_mm, placement.height_mm) == (40, 40, 300)


def test_raises_when_this_side_up_item_would_have_to_lie_down() -> None:
    pole = Item("POLE", 40, 40, 300, 200, can_rotate=False)
    flat = Box("FLAT", 310, 50, 50, 5_000, 30)
    with pytest.raises(ItemsFitNoBox) as caught:
        cartonize([pole], [flat])
    assert "POLE (40×40×300 mm, 200 g) fits no box, upright" in caught.value.message


def test_keeps_item_upright_when_this_side_up_even_if_lying_is_cheaper() -> None:
    plant = Item("PLANT", 100, 100, 300, 500, can_rotate=False)
    lying, standing = Box("FLAT", 310, 110, 110, 5_000, 10), Box("TALL", 110, 110, 310, 5_000, 50)
    packing = _valid(cartonize([plant], [lying, standing]), [plant])
    assert [b.code for b in packing.boxes] == ["TALL"]
    assert packing.placements[0].height_mm == 300
    free = Item("PLANT", 100, 100, 300, 500)
    assert [b.code for b in cartonize([free], [lying, standing]).boxes] == ["FLAT"]


def test_splits_into_two_boxes_when_weight_exceeds_the_limit() -> None:
    plate = Item("PLATE", 100, 100, 20, 3_000)
    crate = Box("CRATE", 200, 200, 200, 10_000, 100)
    packing = _valid(cartonize([plate] * 4, [crate]), [plate] * 4)
    weights = [packing.contents_weight(i) for i in range(len(packing.boxes))]
    assert len(weights) == 2 and max(weights) <= 10_000 and sum(weights) == 12_000


def test_prefers_two_small_boxes_when_dim_weight_makes_one_big_box_dearer() -> None:
    # XL alone: 600×600×400 / 5000 = 28.8 kg → 58 steps: 6.00 + 58 × 0.95 = 61.10, + 2.00 box.
    # Two M:   310×310×160 / 5000 = 3.08 kg → 7 steps: 12.65 each, + 0.80 box each = 26.90.
    items = [CUSHION, CUSHION]
    packing = _valid(cartonize(items, [BOX_M, BOX_XL]), items)
    assert [b.code for b in packing.boxes] == ["M", "M"]
    assert (packing.box_cost, packing.shipping_cost, packing.total) == (160, 2_530, 2_690)
    shop = _valid(volume_only(items, [BOX_M, BOX_XL]), items)
    assert [b.code for b in shop.boxes] == ["XL"]
    assert shop.total == 200 + 6_110


def test_prefers_one_box_when_it_costs_less_than_two() -> None:
    # L: 610×310×160 / 5000 = 6.05 kg → 13 steps: 18.35 + 1.20 box = 19.55 < 26.90 for two M.
    items = [CUSHION, CUSHION]
    packing = _valid(cartonize(items, [BOX_M, BOX_L, BOX_XL]), items)
    assert [b.code for b in packing.boxes] == ["L"]
    assert packing.total == 1_955


def test_chooses_snug_box_when_a_roomier_box_is_cheaper_but_ships_dearer() -> None:
    # SNUG: billable max(800 g, 740 g) → 2 steps: 7.90 + 0.90 = 8.80.
    # ROOMY: 400×300×200 / 5000 = 4.8 kg → 10 steps: 15.50 + 0.60 = 16.10, though the box is
    # cheaper: a box chosen by box price (or by volume with room to spare) loses on dim weight.
    speaker = Item("SPEAKER", 200, 150, 100, 800)
    snug, roomy = Box("SNUG", 210, 160, 110, 5_000, 90), Box("ROOMY", 400, 300, 200, 5_000, 60)
    packing = _valid(cartonize([speaker], [snug, roomy]), [speaker])
    assert [b.code for b in packing.boxes] == ["SNUG"]
    assert packing.total == 880
    assert DEFAULT_RATE([roomy.parcel(800)]) == 1_550


def test_uses_the_given_ship_cost_when_one_is_supplied() -> None:
    def flat_rate(parcels: list[tuple[int, int, int, int]]) -> int:
        return 1_000 * len(parcels)

    items = [CUSHION, CUSHION]
    packing = _valid(cartonize(items, [BOX_M, BOX_XL], ship_cost=flat_rate), items)
    assert [b.code for b in packing.boxes] == ["XL"]
    assert (packing.shipping_cost, packing.total) == (1_000, 1_200)


def test_raises_when_the_ship_cost_refuses_every_packing() -> None:
    with pytest.raises(NoShippablePacking):
        cartonize([CUSHION], [BOX_M], ship_cost=lambda parcels: None)


def test_raises_naming_item_and_dimensions_when_item_fits_no_box() -> None:
    board = Item("SURFBOARD", 2000, 500, 80, 4_000)
    with pytest.raises(ItemsFitNoBox) as caught:
        cartonize([CUSHION, board], [BOX_M, BOX_XL])
    error = caught.value
    assert error.code == "items_fit_no_box"
    assert [p.field for p in error.problems] == ["items[1]"]
    assert "SURFBOARD (2000×500×80 mm, 4000 g) fits no box" in error.message
    assert "XL (600×600×400 mm inside" in error.message


def test_raises_naming_weight_when_item_is_too_heavy_for_every_box_it_fits() -> None:
    anvil = Item("ANVIL", 100, 100, 100, 50_000)
    with pytest.raises(ItemsFitNoBox) as caught:
        cartonize([anvil], [BOX_M, BOX_XL])
    assert "ANVIL (100×100×100 mm, 50000 g) is too heavy" in caught.value.message
    assert "at most 20000 g" in caught.value.message


def test_rejects_input_when_a_dimension_is_not_positive() -> None:
    with pytest.raises(ValidationFailed) as caught:
        cartonize([Item("FLAT", 100, 0, 10, 5)], [BOX_M])
    assert caught.value.problems[0].field == "items[0]"
    with pytest.raises(ValidationFailed):
        cartonize([CUSHION], [])


def test_returns_no_boxes_when_the_order_is_empty() -> None:
    assert cartonize([], [BOX_M]) == Packing((), (), 0, 0)


def test_gives_the_same_packing_when_run_twice() -> None:
    items = [CUSHION, Item("MUG", 120, 90, 100, 400, can_rotate=False), CUSHION]
    assert cartonize(items, [BOX_M, BOX_L, BOX_XL]) == cartonize(items, [BOX_M, BOX_L, BOX_XL])


def test_settles_items_onto_what_is_below_when_packed() -> None:
    cube = Item("CUBE", 100, 100, 100, 100)
    box = Box("CUBE-BOX", 200, 200, 200, 10_000, 10)
    packing = _valid(cartonize([cube] * 8, [box]), [cube] * 8)
    resting = {(p.x_mm, p.y_mm): [] for p in packing.placements}  # type: ignore[var-annotated]
    for p in packing.placements:
        resting[(p.x_mm, p.y_mm)].append(p.z_mm)
    assert all(sorted(zs) == [0, 100] for zs in resting.values())


def test_volume_only_takes_a_bigger_box_when_items_do_not_fit_the_smallest() -> None:
    # Two 60 mm cubes: 432,000 mm³ fits box A by volume (539,000) but not by shape.
    cube = Item("CUBE60", 60, 60, 60, 100)
    small, big = Box("A", 110, 70, 70, 5_000, 10), Box("B", 130, 70, 70, 5_000, 20)
    shop = _valid(volume_only([cube, cube], [small, big]), [cube, cube])
    assert [b.code for b in shop.boxes] == ["B"]


def test_prices_with_the_rate_cards_when_rated_ship_cost_is_used() -> None:
    origin, destination = Address("US", "94107"), Address("US", "10001", residential=True)
    ready = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    cost = rated_ship_cost(origin, destination, ready_at=ready)
    items = [CUSHION, Item("MUG", 120, 90, 100, 400, can_rotate=False)]
    packing = _valid(cartonize(items, [BOX_M, BOX_L, BOX_XL], ship_cost=cost), items)
    packages = [Package(*parcel) for parcel in packing.parcels()]
    quotes = quote_shipment(origin, destination, packages, ready_at=ready).quotes
    assert packing.shipping_cost == min(q.total for q in quotes)


def test_dim_weight_rate_bills_volume_when_parcel_is_light() -> None:
    assert DEFAULT_RATE.billable_g((500, 400, 300, 1_000)) == 12_000
    assert DEFAULT_RATE.billable_g((100, 100, 100, 1_000)) == 1_000
    assert DEFAULT_RATE([(500, 400, 300, 1_000)]) == 600 + 24 * 95
    assert DEFAULT_RATE([(1_600, 100, 100, 1_000)]) is None
