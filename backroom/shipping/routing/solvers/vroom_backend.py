"""VROOM (pyvroom) as a solver of a ``RoutingProblem``.

VROOM is deterministic for a given input; ``solve`` runs it at full exploration and, while time
is left, reruns it on the same problem with the jobs presented in another order (its
construction heuristics break ties by input order), keeping the cheapest answer. Costs compare by
(unassigned count, cost): placing a delivery always beats saving distance.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

import vroom

from backroom.shipping.routing.problem import RoutingProblem, Solution, solution_cost

_MAX_TIME = 2**31 - 1


def solve(problem: RoutingProblem, *, time_limit: float = 5.0, threads: int = 2,
          exploration: int = 5, seed: int = 0) -> Solution:
    """The best of several VROOM runs within ``time_limit`` seconds (at least one run)."""
    deadline = time.perf_counter() + time_limit
    rng = random.Random(seed)
    order = list(problem.customers)
    best: Solution | None = None
    while True:
        began = time.perf_counter()
        left = deadline - began
        candidate = solve_once(problem, order, threads=threads, exploration=exploration,
                               timeout=max(left, 0.05))
        if best is None or _key(problem, candidate) < _key(problem, best):
            best = candidate
        spent = time.perf_counter() - began
        if time.perf_counter() + spent * 1.1 > deadline:
            return best
        rng.shuffle(order)


def solve_once(problem: RoutingProblem, order: list[int], *, threads: int, exploration: int,
               timeout: float) -> Solution:
    data = _build(problem, order)
    result = data.solve(exploration_level=exploration, nb_threads=threads,
                        timeout=timedelta(seconds=timeout))
    return _read(result.to_dict(), problem)


def _key(problem: RoutingProblem, solution: Solution) -> tuple[int, int]:
    return len(solution.unassigned), solution_cost(problem, solution)


def _build(problem: RoutingProblem, order: list[int]) -> Any:
    data = vroom.Input()
    for profile, matrix in problem.durations.items():
        data.set_durations_matrix(profile=profile, matrix_input=[list(r) for r in matrix])
        data.set_costs_matrix(profile=profile, matrix_input=[list(r) for r in problem.costs])
    for index, spec in enumerate(problem.vehicles):
        window = vroom.TimeWindow(spec.start, spec.end if spec.end is not None else _MAX_TIME)
        extra: dict[str, Any] = {}
        if spec.max_stops is not None:
            extra["max_tasks"] = spec.max_stops
        data.add_vehicle(vroom.Vehicle(
            id=index, start=0, end=0, profile=spec.profile, capacity=list(spec.capacity),
            time_window=window, **extra))
    for node in order:
        window = problem.window(node)
        windows = [vroom.TimeWindow(window[0], window[1])] if window is not None else []
        data.add_job(vroom.Job(id=node, location=node, default_service=problem.service[node],
                               delivery=list(problem.demands[node]), time_windows=windows))
    return data


def _read(answer: dict[str, Any], problem: RoutingProblem) -> Solution:
    routes = []
    for route in answer.get("routes", []):
        nodes = [int(step["id"]) for step in route["steps"] if step["type"] == "job"]
        routes.append((int(route["vehicle"]), nodes))
    unassigned = [int(job["id"]) for job in answer.get("unassigned", [])]
    return Solution.of(routes, unassigned)
