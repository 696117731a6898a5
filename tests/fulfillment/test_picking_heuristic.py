"""The many-block heuristic: complete, never worse than the rules it starts from, near optimal."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import HealthCheck, given, settings

from backroom.fulfillment.picking import Method, PickPoint, WarehouseLayout, plan_route
from backroom.fulfillment.picking.improve import Cycle, local_search, neighbours, optimize
from backroom.fulfillment.picking.layout import tour_length
from tests.fulfillment.test_picking_exact import pick_lists


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick_lists(max_picks=30, max_blocks=5))
def test_heuristic_visits_every_pick_and_beats_rules_when_any_blocks(
        case: tuple[WarehouseLayout, list[PickPoint]]) -> None:
    layout, points = case
    route = plan_route(layout, points, Method.HEURISTIC)
    assert sorted(route.order) == list(range(len(points)))
    assert route.length == pytest.approx(tour_length(layout, [points[i] for i in route.order]))
    for rule in (Method.S_SHAPE, Method.LARGEST_GAP):
        assert route.length <= plan_route(layout, points, rule).length + 1e-9


def test_heuristic_is_within_a_percent_of_optimal_when_three_and_four_blocks() -> None:
    rng = random.Random(11)
    gaps = []
    for case in range(24):
        blocks = 3 + case % 2
        aisles = rng.randint(10, 20)
        layout = WarehouseLayout(aisles=aisles, bays_per_block=8, blocks=blocks,
                                 depot_aisle=rng.choice([0, aisles // 2]))
        points = [PickPoint(rng.randrange(aisles), layout.bay_y(rng.randint(1, 8 * blocks)))
                  for _ in range(rng.randint(5, 40))]
        exact = plan_route(layout, points, Method.OPTIMAL).length
        gaps.append(plan_route(layout, points, Method.HEURISTIC).length / exact - 1)
    assert min(gaps) >= -1e-9  # the exact program is never beaten
    assert statistics.mean(gaps) <= 0.01
    assert max(gaps) <= 0.03


def test_two_opt_uncrosses_a_tour_when_two_legs_cross() -> None:
    corners = [(0, 0), (0, 1), (1, 1), (1, 0)]
    d = [[abs(a[0] - b[0]) + abs(a[1] - b[1]) + 0.0 for b in corners] for a in corners]
    cycle = Cycle([0, 2, 1, 3], d)  # crosses itself: length 6
    local_search(cycle, neighbours(d), cycle.order)
    assert cycle.length() == 4.0


def test_or_opt_moves_a_stop_when_it_sits_in_the_wrong_place() -> None:
    xs = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    d = [[abs(a - b) for b in xs] for a in xs]
    best = optimize([[0, 1, 5, 2, 3, 4, 6, 7]], d, kicks=0)
    cycle = Cycle(best, d)
    assert cycle.length() == 14.0
