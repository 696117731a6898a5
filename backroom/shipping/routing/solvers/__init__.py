"""Solving a ``RoutingProblem``: a solver library builds a first solution, then the SISR
ruin-and-recreate polish (``backroom.shipping.routing.lns``) improves it for the rest of the
time budget. ``solve`` always returns within about ``time_limit`` seconds.

* ``vroom`` (default): VROOM builds the start in a fraction of the budget.
* ``ortools``: OR-Tools (parallel cheapest insertion + guided local search) for its share.

Measured on the public benchmark instances at 9 s each (docs/routing.md): VROOM + polish
averages 0.05 % above the optimum on CVRP (30–80 customers) and 0.27 % on Solomon VRPTW; VROOM
alone 0.03 % and 1.23 %; OR-Tools alone 0.58 % and 1.64 %; OR-Tools + polish 0.26 % and 1.43 %.
"""

from __future__ import annotations

import time
from types import ModuleType

from backroom.core.errors import ValidationFailed
from backroom.shipping.routing import lns
from backroom.shipping.routing.problem import RoutingProblem, Solution, solution_cost

SOLVERS = ("vroom", "ortools")
# (VROOM exploration level, share of the time for the start). Measured (docs/routing.md): with
# time windows the polish gains most from a quick start and a long search; without them a
# deeper VROOM start pays. Alone (no polish), VROOM runs at its deepest level.
VROOM_WINDOWS = (1, 0.15)
VROOM_CAPACITY_ONLY = (3, 0.3)
VROOM_ALONE = 5
ORTOOLS_SHARE = 0.5


def solve(problem: RoutingProblem, *, solver: str = "vroom", time_limit: float = 8.0,
          polish: bool = True, seed: int = 0) -> Solution:
    """The best solution found within ``time_limit`` seconds (unplaceable customers are
    ``unassigned``; the caller checks feasibility independently)."""
    if solver not in SOLVERS:
        raise ValidationFailed.single("solver", solver, f"must be one of {', '.join(SOLVERS)}")
    if not problem.vehicles or problem.size <= 1:
        return Solution.of([], list(problem.customers))
    _backend(solver)  # import first: loading a solver library is not search time
    began = time.perf_counter()
    level, share = _settings(problem, solver, polish)
    start = _start(problem, solver, max(time_limit * share, 0.1), level, seed)
    if not polish:
        return start
    left = time_limit - (time.perf_counter() - began)
    return lns.improve(problem, start, seconds=left, seed=seed)


def _settings(problem: RoutingProblem, solver: str, polish: bool) -> tuple[int, float]:
    if not polish:
        return VROOM_ALONE, 1.0
    if solver == "ortools":
        return 0, ORTOOLS_SHARE
    return VROOM_WINDOWS if problem.has_windows else VROOM_CAPACITY_ONLY


def _backend(solver: str) -> ModuleType:
    if solver == "ortools":
        from backroom.shipping.routing.solvers import ortools_backend

        return ortools_backend
    from backroom.shipping.routing.solvers import vroom_backend

    return vroom_backend


def _start(problem: RoutingProblem, solver: str, seconds: float, level: int,
           seed: int) -> Solution:
    backend = _backend(solver)
    if solver == "ortools":
        return backend.solve(problem, time_limit=seconds)
    return backend.solve(problem, time_limit=seconds, exploration=level, seed=seed)


def warm_up(solver: str = "vroom") -> None:
    """Load the solver library now (it takes seconds), so that timings measure search only."""
    if solver not in SOLVERS:
        raise ValidationFailed.single("solver", solver, f"must be one of {', '.join(SOLVERS)}")
    _backend(solver)


def score(problem: RoutingProblem, solution: Solution) -> tuple[int, int]:
    """Lexicographic quality: fewer unassigned first, then lower cost."""
    return len(solution.unassigned), solution_cost(problem, solution)
