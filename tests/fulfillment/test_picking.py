"""Pick paths: the layout model, distances, the router's choices, baselines and the map."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from backroom.core.errors import ValidationFailed
from backroom.fulfillment.picking import (
    Method,
    PickPoint,
    WarehouseLayout,
    bin_point,
    distance,
    layout_from_bins,
    name_route,
    plan_route,
    route_bins,
    route_in_order,
    route_svg,
    tour_length,
)
from backroom.fulfillment.picking.baselines import largest_gap, name_order, s_shape
from backroom.inventory.layout import bin_code

LAYOUT = WarehouseLayout(aisles=6, bays_per_block=10, blocks=2, aisle_spacing=3.0,
                         bay_depth=1.0, cross_aisle_width=2.0, depot_aisle=0)


def test_bay_positions_count_from_the_front_when_blocks_follow_each_other() -> None:
    # Block length: 10 bays of 1 m + a 2 m cross aisle = 12 m between cross-aisle centres.
    assert LAYOUT.block_length == 12.0
    assert LAYOUT.aisle_length == 24.0
    assert LAYOUT.bay_y(1) == 1.5
    assert LAYOUT.bay_y(10) == 10.5
    assert LAYOUT.bay_y(11) == 13.5  # first bay of the second block
    assert [LAYOUT.block_of(y) for y in (0.0, 1.5, 12.0, 13.5, 24.0)] == [0, 0, 0, 1, 1]


def test_bin_point_maps_letters_like_spreadsheet_columns_when_past_z() -> None:
    wide = WarehouseLayout(aisles=30, bays_per_block=5)
    assert bin_point(wide, "A", 1) == PickPoint(0, wide.bay_y(1))
    assert bin_point(wide, "z", 2).aisle == 25
    assert bin_point(wide, "AA", 3) == PickPoint(26, wide.bay_y(3))
    offset = WarehouseLayout(aisles=3, bays_per_block=5, first_aisle="D")
    assert bin_point(offset, "E", 1).aisle == 1


def test_bin_point_names_every_problem_when_outside_the_layout() -> None:
    with pytest.raises(ValidationFailed) as caught:
        bin_point(LAYOUT, "Q", 99)
    assert {p.field for p in caught.value.problems} == {"aisle", "bay"}


def test_layout_is_refused_when_dimensions_are_impossible() -> None:
    with pytest.raises(ValidationFailed) as caught:
        WarehouseLayout(aisles=0, bays_per_block=0, blocks=0, aisle_spacing=-1, depot_aisle=3)
    fields = {p.field for p in caught.value.problems}
    assert {"aisles", "bays_per_block", "blocks", "aisle_spacing", "depot_aisle"} <= fields


def test_layout_from_bins_fits_every_bin_when_given_coordinates() -> None:
    layout = layout_from_bins([("C", 4), ("F", 30), ("D", 1)], blocks=2, depot_aisle=1)
    assert (layout.first_aisle, layout.aisles, layout.bays_per_block) == ("C", 4, 15)
    assert bin_point(layout, "F", 30).aisle == 3
    assert layout.depot_aisle == 1


def test_distance_goes_round_by_the_nearer_cross_aisle_when_aisles_differ() -> None:
    low, high = PickPoint(0, 2.0), PickPoint(2, 3.0)
    assert distance(LAYOUT, low, high) == 2.0 + 6.0 + 3.0  # via the front
    far = PickPoint(0, 10.0), PickPoint(1, 11.0)
    assert distance(LAYOUT, *far) == 2.0 + 3.0 + 1.0  # via the middle cross aisle
    across = PickPoint(0, 2.0), PickPoint(1, 20.0)  # different blocks: straight up
    assert distance(LAYOUT, *across) == 18.0 + 3.0
    assert distance(LAYOUT, PickPoint(4, 5.0), PickPoint(4, 20.0)) == 15.0


def test_route_orders_every_pick_when_auto_on_two_blocks() -> None:
    bins = [("C", 12), ("A", 3), ("F", 20), ("E", 1), ("E", 1), ("B", 19)]
    route = route_bins(LAYOUT, bins)
    assert route.method is Method.OPTIMAL and route.optimal
    assert sorted(route.order) == list(range(len(bins)))
    stops = [bin_point(LAYOUT, *bins[i]) for i in route.order]
    assert list(route.stops) == stops
    assert route.length == pytest.approx(tour_length(LAYOUT, stops))
    repeated = route.order.index(3)
    assert route.order[repeated + 1] == 4 or route.order[repeated - 1] == 4


def test_route_is_never_longer_than_any_rule_when_optimal() -> None:
    bins = [("A", 5), ("F", 2), ("C", 18), ("D", 9), ("B", 14), ("F", 19), ("A", 20)]
    points = [bin_point(LAYOUT, *b) for b in bins]
    names = [bin_code("WH1", aisle, bay, 1) for aisle, bay in bins]
    best = plan_route(LAYOUT, points)
    for other in (plan_route(LAYOUT, points, "s-shape"),
                  plan_route(LAYOUT, points, "largest-gap"),
                  plan_route(LAYOUT, points, "heuristic"),
                  name_route(LAYOUT, points, names)):
        assert sorted(other.order) == list(range(len(points)))
        assert best.length <= other.length + 1e-9


def test_heuristic_is_used_when_three_or_more_blocks() -> None:
    layout = WarehouseLayout(aisles=8, bays_per_block=6, blocks=4)
    points = [bin_point(layout, a, b) for a, b in [("A", 3), ("H", 20), ("D", 11), ("B", 24)]]
    route = plan_route(layout, points)
    assert route.method is Method.HEURISTIC and not route.optimal
    exact = plan_route(layout, points, Method.OPTIMAL)
    assert route.length == pytest.approx(exact.length)  # four picks: the search finds it


def test_exact_method_is_refused_when_too_many_blocks() -> None:
    layout = WarehouseLayout(aisles=4, bays_per_block=3, blocks=6)
    with pytest.raises(ValidationFailed):
        plan_route(layout, [PickPoint(1, 1.0)], Method.OPTIMAL)


def test_route_is_refused_when_a_pick_is_outside_the_layout() -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan_route(LAYOUT, [PickPoint(1, 2.0), PickPoint(9, 1.0), PickPoint(0, 99.0)])
    assert [p.field for p in caught.value.problems] == ["points[1]", "points[2]"]


def test_route_is_empty_when_no_picks() -> None:
    route = plan_route(LAYOUT, [])
    assert (route.order, route.length) == ((), 0.0)


def test_given_order_is_refused_when_not_a_permutation() -> None:
    points = [PickPoint(0, 1.5), PickPoint(1, 1.5)]
    with pytest.raises(ValidationFailed):
        route_in_order(LAYOUT, points, [0, 0])
    assert route_in_order(LAYOUT, points, [1, 0]).order == (1, 0)


def test_name_order_sorts_like_a_peer_when_aisles_pass_z() -> None:
    assert name_order(["WH1-B-01-1", "WH1-AA-02-1", "WH1-A-10-1"]) == [2, 1, 0]


def test_s_shape_alternates_direction_when_aisles_follow() -> None:
    one = WarehouseLayout(aisles=3, bays_per_block=10)
    points = [PickPoint(0, 8.0), PickPoint(0, 2.0), PickPoint(1, 3.0), PickPoint(1, 9.0),
              PickPoint(2, 4.0)]
    assert s_shape(one, points) == [1, 0, 3, 2, 4]


def test_largest_gap_fetches_from_both_ends_when_middle_aisle_has_a_gap() -> None:
    one = WarehouseLayout(aisles=3, bays_per_block=10, cross_aisle_width=2.0)
    points = [PickPoint(0, 5.0), PickPoint(1, 1.5), PickPoint(1, 10.5), PickPoint(2, 6.0)]
    # Aisle 0 up, aisle 1's back pick from the back, aisle 2 down, aisle 1's front pick.
    assert largest_gap(one, points) == [0, 2, 3, 1]


def test_svg_draws_every_stop_when_route_given() -> None:
    bins = [("C", 12), ("A", 3), ("F", 20), ("E", 1), ("E", 1)]
    route = route_bins(LAYOUT, bins)
    svg = route_svg(LAYOUT, route, title="Wave 7 <batch>")
    root = ET.fromstring(svg)  # well-formed, title escaped
    ns = "{http://www.w3.org/2000/svg}"
    labels = [t.text for t in root.iter(f"{ns}text")]
    assert {"A", "B", "C", "D", "E", "F", "start"} <= set(labels)
    numbers = [label for label in labels if label and label[0].isdigit()]
    assert sorted(n for label in numbers for n in label.split(",")) == sorted(
        str(k) for k in range(1, 6))
    assert len(list(root.iter(f"{ns}polyline"))) == 1
    assert root.find(f"{ns}title").text == "Wave 7 <batch>"
