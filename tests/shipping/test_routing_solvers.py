"""Solvers and the ruin-and-recreate polish, verified by the independent checker."""

from __future__ import annotations

import pytest

from backroom.core.errors import ValidationFailed
from backroom.shipping.routing import lns, solvers
from backroom.shipping.routing.check import check
from backroom.shipping.routing.problem import Solution, solution_cost
from tests.shipping.routing_helpers import brute_force, euclid_problem, random_problem


@pytest.mark.parametrize("solver", ["vroom", "ortools"])
def test_finds_the_proven_optimum_when_instance_is_small(solver: str) -> None:
    problem = random_problem(seed=3, customers=7, capacity=30, vehicles=2)
    optimum = brute_force(problem)
    result = check(problem, solvers.solve(problem, solver=solver, time_limit=0.5))
    assert result.feasible, result.violations
    assert result.cost == optimum


@pytest.mark.parametrize("solver", ["vroom", "ortools"])
def test_keeps_every_time_window_when_customers_have_windows(solver: str) -> None:
    problem = random_problem(seed=11, customers=12, capacity=30, vehicles=4, windows=True)
    solution = solvers.solve(problem, solver=solver, time_limit=0.5)
    result = check(problem, solution, allow_unassigned=True)
    assert result.feasible, result.violations
    assert not solution.unassigned  # 4 vehicles are plenty for 12 customers


@pytest.mark.parametrize("solver", ["vroom", "ortools"])
def test_respects_capacity_when_demand_fills_the_fleet(solver: str) -> None:
    # six customers of demand 5 and two vehicles of capacity 15: exactly full
    points = [(0, 0), (10, 0), (20, 0), (30, 0), (0, 10), (0, 20), (0, 30)]
    problem = euclid_problem(points, [0] + [5] * 6, capacity=15, vehicles=2)
    result = check(problem, solvers.solve(problem, solver=solver, time_limit=0.5))
    assert result.feasible, result.violations
    assert result.cost == 120  # out and back along each axis


@pytest.mark.parametrize("solver", ["vroom", "ortools"])
def test_leaves_a_customer_unassigned_when_no_vehicle_can_carry_it(solver: str) -> None:
    points = [(0, 0), (10, 0), (20, 0)]
    problem = euclid_problem(points, [0, 5, 50], capacity=15, vehicles=2)
    solution = solvers.solve(problem, solver=solver, time_limit=0.3)
    assert solution.unassigned == (2,)
    assert check(problem, solution, allow_unassigned=True).feasible


def test_never_returns_worse_than_its_start_when_polishing() -> None:
    problem = random_problem(seed=5, customers=25, capacity=25, vehicles=8, windows=True)
    start = solvers.solve(problem, time_limit=0.2, polish=False)
    polished = lns.improve(problem, start, seconds=0.5, seed=1)
    assert check(problem, polished, allow_unassigned=True).feasible
    assert (len(polished.unassigned), solution_cost(problem, polished)) <= (
        len(start.unassigned), solution_cost(problem, start))


def test_places_customers_a_poor_start_left_out_when_polishing() -> None:
    problem = random_problem(seed=8, customers=10, capacity=30, vehicles=3)
    start = Solution.of([(0, [1, 2])], unassigned=range(3, 11))
    polished = lns.improve(problem, start, seconds=0.3)
    assert check(problem, polished).feasible


def test_rejects_unknown_solver_when_named() -> None:
    with pytest.raises(ValidationFailed, match="must be one of vroom, ortools"):
        solvers.solve(random_problem(1, 3, 10, 1), solver="magic")
