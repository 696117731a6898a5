"""An independent feasibility checker: never trust what a solver says about its own answer.

It recomputes, from the routes alone: every customer on exactly one route (or listed as
unassigned, when that is allowed), capacity in every dimension, the stop limit, time windows
with service and travel times, the return to the depot before the vehicle's end, and the cost.
It shares no code with the solvers or the polish.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from backroom.shipping.routing.problem import RoutingProblem, Solution


@dataclass(frozen=True, slots=True)
class CheckResult:
    feasible: bool
    cost: int
    vehicles: int
    violations: tuple[str, ...] = field(default_factory=tuple)


def check(problem: RoutingProblem, solution: Solution, *,
          allow_unassigned: bool = False) -> CheckResult:
    """Every violation of ``solution`` against ``problem``, and its recomputed cost."""
    violations: list[str] = []
    violations += _coverage(problem, solution, allow_unassigned)
    cost = 0
    used: Counter[int] = Counter(v for v, _ in solution.routes)
    for vehicle, count in sorted(used.items()):
        if not 0 <= vehicle < len(problem.vehicles):
            violations.append(f"route uses vehicle {vehicle}, which does not exist")
        elif count > 1:
            violations.append(f"vehicle {vehicle} drives {count} routes")
    for vehicle, route in solution.routes:
        if not 0 <= vehicle < len(problem.vehicles):
            continue
        if any(not 1 <= node < problem.size for node in route):
            continue  # already reported by the coverage check
        violations += _capacity(problem, vehicle, route)
        violations += _schedule(problem, vehicle, route)
        cost += _cost(problem, route)
    return CheckResult(not violations, cost, sum(1 for _, r in solution.routes if r),
                       tuple(violations))


def _coverage(problem: RoutingProblem, solution: Solution, allow_unassigned: bool) -> list[str]:
    out: list[str] = []
    seen: Counter[int] = Counter(node for _, route in solution.routes for node in route)
    seen.update(solution.unassigned)
    for node in sorted(seen):
        if not 1 <= node < problem.size:
            out.append(f"node {node} is not a customer of this problem")
        elif seen[node] > 1:
            out.append(f"customer {node} appears {seen[node]} times")
    missing = [c for c in problem.customers if c not in seen]
    if missing:
        out.append(f"customers never visited: {_short(missing)}")
    if solution.unassigned and not allow_unassigned:
        out.append(f"customers left unassigned: {_short(list(solution.unassigned))}")
    return out


def _capacity(problem: RoutingProblem, vehicle: int, route: Sequence[int]) -> list[str]:
    spec = problem.vehicles[vehicle]
    out: list[str] = []
    for dim, limit in enumerate(spec.capacity):
        load = sum(problem.demands[node][dim] for node in route)
        if load > limit:
            out.append(f"vehicle {vehicle} carries {load} in dimension {dim}, capacity {limit}")
    if spec.max_stops is not None and len(route) > spec.max_stops:
        out.append(f"vehicle {vehicle} makes {len(route)} stops, limit {spec.max_stops}")
    return out


def _schedule(problem: RoutingProblem, vehicle: int, route: Sequence[int]) -> list[str]:
    spec = problem.vehicles[vehicle]
    travel = problem.durations[spec.profile]
    out: list[str] = []
    time, here = spec.start, 0
    for node in route:
        arrival = time + travel[here][node]
        window = problem.windows[node] if node < len(problem.windows) else None
        begin = arrival if window is None else max(arrival, window[0])
        if window is not None and begin > window[1]:
            out.append(f"vehicle {vehicle} reaches customer {node} at {arrival}, "
                       f"after its window closes at {window[1]}")
        time, here = begin + problem.service[node], node
    back = time + travel[here][0]
    if spec.end is not None and back > spec.end:
        out.append(f"vehicle {vehicle} returns to the depot at {back}, after its end {spec.end}")
    return out


def _cost(problem: RoutingProblem, route: Sequence[int]) -> int:
    stops = [0, *route, 0]
    return sum(problem.costs[a][b] for a, b in itertools.pairwise(stops))


def _short(nodes: list[int]) -> str:
    text = ", ".join(str(n) for n in nodes[:10])
    return text + (f" and {len(nodes) - 10} more" if len(nodes) > 10 else "")
