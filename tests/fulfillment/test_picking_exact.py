"""The exact router against exact TSP: optimal on one and two blocks (and three when asked)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backroom.fulfillment.picking import PickPoint, WarehouseLayout, plan_route, tour_length
from backroom.fulfillment.picking.dp import solve
from backroom.fulfillment.picking.euler import visit_order
from backroom.fulfillment.picking.states import StateSpace
from backroom.fulfillment.picking.tsp import exact_tour, held_karp

TOLERANCE = 1e-6


@st.composite
def layouts(draw: st.DrawFn, max_blocks: int = 2, max_aisles: int = 20) -> WarehouseLayout:
    aisles = draw(st.integers(1, max_aisles))
    return WarehouseLayout(
        aisles=aisles,
        bays_per_block=draw(st.integers(1, 8)),
        blocks=draw(st.integers(1, max_blocks)),
        aisle_spacing=draw(st.sampled_from([1.0, 2.5, 3.0, 7.0])),
        bay_depth=draw(st.sampled_from([0.5, 1.0, 1.5])),
        cross_aisle_width=draw(st.sampled_from([0.0, 1.0, 2.0, 4.0])),
        depot_aisle=draw(st.integers(0, aisles - 1)),
    )


@st.composite
def positions(draw: st.DrawFn, layout: WarehouseLayout) -> PickPoint:
    """A bay, or an awkward spot: the very front/back, a middle cross aisle, any half metre."""
    aisle = draw(st.integers(0, layout.aisles - 1))
    bays = layout.bays_per_block * layout.blocks
    y = draw(st.one_of(
        st.builds(layout.bay_y, st.integers(1, bays)),
        st.sampled_from(layout.crosses),
        st.integers(0, int(layout.aisle_length * 2)).map(lambda h: h / 2),
    ))
    return PickPoint(aisle, y)


@st.composite
def pick_lists(draw: st.DrawFn, max_picks: int, max_blocks: int = 2,
               max_aisles: int = 20) -> tuple[WarehouseLayout, list[PickPoint]]:
    layout = draw(layouts(max_blocks, max_aisles))
    shape = draw(st.sampled_from(["anywhere", "one aisle", "repeats"]))
    points = draw(st.lists(positions(layout), min_size=1, max_size=max_picks))
    if shape == "one aisle":
        points = [PickPoint(points[0].aisle, p.y) for p in points]
    elif shape == "repeats":
        points = points + points[: len(points) // 2 + 1]
    return layout, points


def _check_exact(layout: WarehouseLayout, points: list[PickPoint]) -> None:
    tour = solve(layout, points)
    order = visit_order(tour, points)
    assert sorted(order) == list(range(len(points)))
    walked = tour_length(layout, [points[i] for i in order])
    assert walked == pytest.approx(tour.length, abs=TOLERANCE)
    best = exact_tour(layout, points)
    assert best.proven
    assert tour.length == pytest.approx(best.length, abs=TOLERANCE)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick_lists(max_picks=9))
def test_route_is_optimal_when_one_or_two_blocks(case: tuple[WarehouseLayout,
                                                             list[PickPoint]]) -> None:
    _check_exact(*case)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick_lists(max_picks=18, max_aisles=12))
def test_route_is_optimal_when_longer_lists_checked_by_integer_program(
        case: tuple[WarehouseLayout, list[PickPoint]]) -> None:
    _check_exact(*case)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick_lists(max_picks=8, max_blocks=3, max_aisles=8))
def test_exact_program_is_optimal_when_three_blocks(
        case: tuple[WarehouseLayout, list[PickPoint]]) -> None:
    _check_exact(*case)


def test_route_is_depot_only_when_single_pick_at_depot() -> None:
    layout = WarehouseLayout(aisles=5, bays_per_block=10, depot_aisle=2)
    route = plan_route(layout, [PickPoint(2, 0.0)])
    assert route.order == (0,)
    assert route.length == 0.0


def test_single_pick_is_out_and_back_when_in_another_aisle() -> None:
    layout = WarehouseLayout(aisles=5, bays_per_block=10, aisle_spacing=3.0, depot_aisle=0)
    route = plan_route(layout, [PickPoint(3, 4.0)])
    assert route.length == pytest.approx(2 * (9.0 + 4.0))


def test_far_picks_use_the_back_cross_aisle_when_cheaper() -> None:
    # Two picks at the back of neighbouring aisles: walk up one, across the back, down the other.
    layout = WarehouseLayout(aisles=2, bays_per_block=10, bay_depth=1.0, cross_aisle_width=2.0,
                             aisle_spacing=3.0)
    route = plan_route(layout, [PickPoint(0, 10.5), PickPoint(1, 10.5)])
    assert route.length == pytest.approx(12.0 + 3.0 + 12.0 + 3.0)


def test_state_machine_has_ratliff_rosenthal_classes_when_one_block() -> None:
    # Start, (U,U,1C), (E,0,1C), (0,E,1C), (E,E,1C), (E,E,2C): RR's seven classes minus the
    # "finished before the last aisle" one, which the program never needs (it stops at the
    # last aisle with a pick).
    space = StateSpace(2)
    seen = {space.start}
    frontier = [space.start]
    while frontier:
        sid = frontier.pop()
        following = [space.segment(sid, 0)[o] for o in range(6)]
        following += [move[2] for move in space.horizontal(sid)]
        for nxt in following:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    states = {space.states[s] for s in seen}
    assert states == {(0, 0), (3, 3), (2, 0), (0, 2), (2, 2), (2, 4)}


def test_held_karp_matches_brute_force_when_small() -> None:
    from itertools import permutations

    matrix = [[0, 3, 9, 4, 7], [3, 0, 5, 8, 2], [9, 5, 0, 6, 4], [4, 8, 6, 0, 5],
              [7, 2, 4, 5, 0]]
    brute = min(sum(matrix[a][b] for a, b in zip((0, *p), (*p, 0), strict=True))
                for p in permutations(range(1, 5)))
    length, order = held_karp([[float(x) for x in row] for row in matrix])
    assert length == brute
    assert sum(matrix[a][b] for a, b in zip((0, *order), (*order, 0), strict=True)) == brute
