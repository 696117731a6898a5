"""The independent feasibility checker: it must catch every kind of broken solution."""

from __future__ import annotations

from backroom.shipping.routing.check import check
from backroom.shipping.routing.problem import (
    DEFAULT_PROFILE,
    RoutingProblem,
    Solution,
    VehicleSpec,
    solution_cost,
)
from tests.shipping.routing_helpers import euclid_problem

# Depot at 0,0; customers on a line at 10, 20, 30 (demand 4 each); capacity 8.
LINE = euclid_problem([(0, 0), (10, 0), (20, 0), (30, 0)], [0, 4, 4, 4], capacity=8, vehicles=2)


def _windows(end: int | None = None, max_stops: int | None = None) -> RoutingProblem:
    costs = LINE.costs
    return RoutingProblem(costs=costs, durations={DEFAULT_PROFILE: costs},
                          demands=LINE.demands, service=[0, 5, 5, 5],
                          vehicles=[VehicleSpec((8,), start=0, end=end, max_stops=max_stops)] * 2,
                          windows=[None, (0, 15), (40, 50), None])


def test_accepts_and_costs_a_feasible_solution_when_every_rule_holds() -> None:
    result = check(LINE, Solution.of([(0, [1, 2]), (1, [3])]))
    assert result.feasible, result.violations
    assert result.cost == 20 + 20 + 60 == solution_cost(LINE, Solution.of([(0, [1, 2]), (1, [3])]))
    assert result.vehicles == 2


def test_reports_missing_customer_when_a_customer_is_never_visited() -> None:
    result = check(LINE, Solution.of([(0, [1, 2])]))
    assert not result.feasible
    assert any("never visited: 3" in v for v in result.violations)


def test_reports_duplicate_when_a_customer_is_visited_twice() -> None:
    result = check(LINE, Solution.of([(0, [1, 2]), (1, [3, 1])]))
    assert any("customer 1 appears 2 times" in v for v in result.violations)


def test_reports_unassigned_when_unassigned_customers_are_not_allowed() -> None:
    solution = Solution.of([(0, [1, 2])], unassigned=[3])
    assert any("left unassigned: 3" in v for v in check(LINE, solution).violations)
    assert check(LINE, solution, allow_unassigned=True).feasible


def test_reports_overload_when_a_route_exceeds_capacity() -> None:
    result = check(LINE, Solution.of([(0, [1, 2, 3])]))
    assert result.violations == ("vehicle 0 carries 12 in dimension 0, capacity 8",)


def test_reports_unknown_and_reused_vehicles_when_routes_name_them() -> None:
    assert any("vehicle 5, which does not exist" in v
               for v in check(LINE, Solution.of([(0, [1, 2]), (5, [3])])).violations)
    assert any("vehicle 0 drives 2 routes" in v
               for v in check(LINE, Solution.of([(0, [1, 2]), (0, [3])])).violations)


def test_reports_foreign_node_when_a_route_visits_the_depot_or_an_unknown_node() -> None:
    result = check(LINE, Solution.of([(0, [1, 2, 9]), (1, [3])]))
    assert any("node 9 is not a customer" in v for v in result.violations)


def test_reports_late_arrival_when_a_window_closes_before_the_vehicle_gets_there() -> None:
    problem = _windows()
    # 0 -> 3 (t=30, service 5) -> 1 (t=55 > window end 15)
    result = check(problem, Solution.of([(0, [3, 1]), (1, [2])]))
    assert any("reaches customer 1 at 55, after its window closes at 15" in v
               for v in result.violations)
    # waiting is allowed: 0 -> 1 (t=10) -> 2 (t=25, waits until 40) -> 3
    assert check(problem, Solution.of([(0, [1, 2]), (1, [3])])).feasible


def test_reports_late_return_when_the_route_ends_after_the_vehicle_end() -> None:
    problem = _windows(end=60)
    result = check(problem, Solution.of([(0, [1, 2]), (1, [3])]))
    # 1 at 10, done 15; 2 at 25, wait to 40, done 45; back at 65 > 60
    assert "vehicle 0 returns to the depot at 65, after its end 60" in result.violations
    assert check(_windows(end=65), Solution.of([(0, [1, 2]), (1, [3])])).feasible


def test_reports_too_many_stops_when_a_route_exceeds_the_stop_limit() -> None:
    problem = _windows(max_stops=1)
    result = check(problem, Solution.of([(0, [1, 2]), (1, [3])]))
    assert "vehicle 0 makes 2 stops, limit 1" in result.violations
