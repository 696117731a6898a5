"""Fewest identical boxes, and the lower bounds that say how close a packing is to optimal."""

from __future__ import annotations

import random

import pytest

from backroom.fulfillment.packing import (
    Box,
    Item,
    ItemsFitNoBox,
    bounds,
    pack_bins,
    relaxation_bound,
    verify,
)
from backroom.fulfillment.packing.bounds import martello_toth

CUBE_BOX = Box("BIN", 100, 100, 100, 10**9, 1)


def _items(sku: str, dims: tuple[int, int, int], count: int) -> list[Item]:
    return [Item(sku, *dims) for _ in range(count)]


def test_martello_toth_bound_counts_items_over_half_when_sizes_pair_up() -> None:
    assert martello_toth([60, 60, 40, 40], 100) == 2
    assert martello_toth([70, 70, 70], 100) == 3
    assert martello_toth([51, 50, 50], 100) == 2
    assert martello_toth([], 100) == 0


def test_bounds_use_volume_when_items_are_small() -> None:
    cubes = _items("C50", (50, 50, 50), 8)
    assert bounds(cubes, CUBE_BOX).best == 1
    result = pack_bins(cubes, CUBE_BOX, seconds=0.1)
    assert len(result.packing.boxes) == 1
    assert verify(result.packing, cubes, rotate=False) == []


def test_l1_bound_stacks_items_when_they_are_long_on_two_axes() -> None:
    slabs = _items("SLAB", (60, 60, 30), 4)  # 432,000 mm³: one box by volume
    found = bounds(slabs, CUBE_BOX)
    assert (found.l0, found.l1) == (1, 2)
    result = pack_bins(slabs, CUBE_BOX, seconds=0.1)
    assert len(result.packing.boxes) == 2
    assert verify(result.packing, slabs, rotate=False) == []


def test_clique_bound_counts_one_box_each_when_items_cannot_share() -> None:
    big = _items("BIG", (60, 60, 60), 3) + _items("SMALL", (10, 10, 10), 5)
    assert bounds(big, CUBE_BOX).clique == 3
    assert len(pack_bins(big, CUBE_BOX, seconds=0.1).packing.boxes) == 3


def test_relaxation_proves_a_second_box_when_faces_do_not_fit_side_by_side() -> None:
    # Five 60×45×45 items all overlap along x, and five 45×45 faces do not fit in 100×100.
    bars = _items("BAR", (60, 45, 45), 5)
    assert bounds(bars, CUBE_BOX).best == 1
    assert relaxation_bound(bars, CUBE_BOX, seconds=5.0) == 2
    result = pack_bins(bars, CUBE_BOX, seconds=0.2)
    assert len(result.packing.boxes) == 2


def test_relaxation_stops_at_the_ceiling_when_one_is_given() -> None:
    bars = _items("BAR", (60, 45, 45), 5)
    assert relaxation_bound(bars, CUBE_BOX, ceiling=1) == 1


def test_pack_bins_keeps_orientation_when_rotation_is_off() -> None:
    posts = _items("POST", (10, 10, 90), 3)
    flat = Box("FLAT", 100, 100, 10, 10**9, 1)
    with pytest.raises(ItemsFitNoBox):
        pack_bins(posts, flat, rotate=False)
    turned = pack_bins(posts, flat, rotate=True, seconds=0.1)
    assert verify(turned.packing, posts, rotate=True) == []
    assert all(p.height_mm == 10 for p in turned.packing.placements)


def test_pack_bins_verifies_and_respects_bounds_when_items_are_random() -> None:
    rng = random.Random(7)
    items = [Item(f"R{k}", rng.randint(5, 70), rng.randint(5, 70), rng.randint(5, 70))
             for k in range(30)]
    result = pack_bins(items, CUBE_BOX, seconds=0.3, seed=1)
    assert verify(result.packing, items, rotate=False) == []
    assert len(result.packing.boxes) >= bounds(items, CUBE_BOX).best
    assert result.packing.box_cost == len(result.packing.boxes)


def test_pack_bins_stops_early_when_the_bound_is_reached() -> None:
    cubes = _items("C50", (50, 50, 50), 16)
    result = pack_bins(cubes, CUBE_BOX, seconds=30.0)
    assert len(result.packing.boxes) == 2 and result.iterations == 0
