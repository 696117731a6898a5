"""Properties over random items and boxes: every packing returned verifies, every item that fits
some box is packed, and items that fit no box are named in the error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backroom.fulfillment.packing import (
    Box,
    Item,
    ItemsFitNoBox,
    cartonize,
    pack_bins,
    verify,
    volume_only,
)
from backroom.fulfillment.packing.engine import Container

side = st.integers(min_value=1, max_value=60)
items_st = st.lists(
    st.builds(Item, st.sampled_from(["A", "B", "C", "D"]), side, side, side,
              st.integers(min_value=0, max_value=3_000), st.booleans()),
    min_size=1, max_size=12)
boxes_st = st.lists(
    st.builds(Box, st.sampled_from(["S", "M", "L"]), st.integers(10, 120), st.integers(10, 120),
              st.integers(10, 120), st.integers(1_000, 20_000), st.integers(0, 500)),
    min_size=1, max_size=4)
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _fits_some_box(item: Item, boxes: list[Box]) -> bool:
    return any(box.holds(item) for box in boxes)


@PROPERTY
@given(items_st, boxes_st)
def test_every_packing_verifies_when_items_and_boxes_are_random(items: list[Item],
                                                                 boxes: list[Box]) -> None:
    misfits = [i for i, item in enumerate(items) if not _fits_some_box(item, boxes)]
    try:
        packing = cartonize(items, boxes)
    except ItemsFitNoBox as error:
        assert [p.field for p in error.problems] == [f"items[{i}]" for i in misfits]
        for i, problem in zip(misfits, error.problems, strict=True):
            assert items[i].describe() in problem.message
        return
    assert misfits == []
    assert verify(packing, items) == []
    assert packing.total == packing.box_cost + packing.shipping_cost
    assert all(b in boxes for b in packing.boxes)


@PROPERTY
@given(items_st, boxes_st)
def test_cartonize_costs_no_more_than_volume_only_when_both_succeed(items: list[Item],
                                                                     boxes: list[Box]) -> None:
    if not all(_fits_some_box(item, boxes) for item in items):
        return
    ours, shop = cartonize(items, boxes), volume_only(items, boxes)
    assert verify(shop, items) == []
    assert ours.total <= shop.total


@PROPERTY
@given(st.lists(st.tuples(st.integers(1, 50), st.integers(1, 50), st.integers(1, 50)),
                min_size=1, max_size=25))
def test_pack_bins_verifies_when_orientation_is_fixed(dims: list[tuple[int, int, int]]) -> None:
    items = [Item(f"I{k}", *d) for k, d in enumerate(dims)]
    box = Box("BIN", 60, 50, 50, 10**9, 1)
    result = pack_bins(items, box, seconds=0.02)
    assert verify(result.packing, items, rotate=False) == []
    assert len(result.packing.boxes) >= result.lower_bound


@PROPERTY
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(1, 40), st.integers(1, 40)),
                min_size=1, max_size=20), st.booleans())
def test_free_spaces_stay_empty_and_inside_when_items_are_placed(
        dims: list[tuple[int, int, int]], corners: bool) -> None:
    box = Container((80, 60, 50), 10**9)
    for ref, d in enumerate(dims):
        spot = box.find([d], 0, d[0] * d[1] * d[2], corners)
        if spot is not None:
            box.put(ref, spot, 0)
    for x0, y0, z0, x1, y1, z1 in box.spaces:
        assert 0 <= x0 < x1 <= 80 and 0 <= y0 < y1 <= 60 and 0 <= z0 < z1 <= 50
        for _, x, y, z, dx, dy, dz in box.placed:
            assert x0 >= x + dx or x >= x1 or y0 >= y + dy or y >= y1 or z0 >= z + dz or z >= z1
