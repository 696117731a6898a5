"""The solver-facing routing problem: integer matrices, node 0 is the depot.

Both the merchant's plans (metres and seconds) and the benchmark instances (CVRPLIB, Solomon)
are translated into a ``RoutingProblem``; the solvers, the local-search polish and the
feasibility checker only ever see this form. Everything is an integer, so that the solver, the
polish and the checker agree exactly on what is feasible and what a route costs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

Matrix = Sequence[Sequence[int]]
DEFAULT_PROFILE = "default"


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    """One vehicle: capacity per dimension, the time it may leave and must be back, a stop limit
    and the travel-time profile (a key of ``RoutingProblem.durations``)."""

    capacity: tuple[int, ...]
    start: int = 0
    end: int | None = None
    max_stops: int | None = None
    profile: str = DEFAULT_PROFILE


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """Depot = node 0, customers = nodes 1..n.

    ``costs`` is what is minimised (distance); ``durations[profile]`` are travel times. A node's
    service may start at ``windows[i][0]`` at the earliest and must start by ``windows[i][1]``;
    waiting is allowed. ``demands[i]`` has one entry per capacity dimension.
    """

    costs: Matrix
    durations: dict[str, Matrix]
    demands: Sequence[tuple[int, ...]]
    service: Sequence[int]
    vehicles: Sequence[VehicleSpec]
    windows: Sequence[tuple[int, int] | None] = field(default_factory=tuple)

    @property
    def size(self) -> int:
        """Number of nodes including the depot."""
        return len(self.costs)

    @property
    def customers(self) -> range:
        return range(1, self.size)

    @property
    def has_windows(self) -> bool:
        return any(w is not None for w in self.windows[1:]) or any(
            v.end is not None for v in self.vehicles)

    def window(self, node: int) -> tuple[int, int] | None:
        return self.windows[node] if node < len(self.windows) else None

    def duration(self, vehicle: int, a: int, b: int) -> int:
        return self.durations[self.vehicles[vehicle].profile][a][b]


@dataclass(frozen=True, slots=True)
class Solution:
    """Routes as ``(vehicle index, [customer nodes in visiting order])``; depot implied at both
    ends. Customers not on any route are ``unassigned``."""

    routes: tuple[tuple[int, tuple[int, ...]], ...]
    unassigned: tuple[int, ...] = ()

    @staticmethod
    def of(routes: Sequence[tuple[int, Sequence[int]]],
           unassigned: Sequence[int] = ()) -> Solution:
        kept = tuple((v, tuple(r)) for v, r in routes if r)
        return Solution(kept, tuple(sorted(unassigned)))

    @property
    def vehicles_used(self) -> int:
        return len(self.routes)


def route_cost(problem: RoutingProblem, route: Sequence[int]) -> int:
    """Cost of depot → route → depot."""
    if not route:
        return 0
    costs = problem.costs
    total = costs[0][route[0]] + costs[route[-1]][0]
    for a, b in itertools.pairwise(route):
        total += costs[a][b]
    return total


def solution_cost(problem: RoutingProblem, solution: Solution) -> int:
    return sum(route_cost(problem, r) for _, r in solution.routes)
