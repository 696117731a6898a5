"""Small routing problems for the tests: built by hand, exact optima by brute force."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path
from typing import Any

from backroom.shipping.routing.check import check
from backroom.shipping.routing.problem import DEFAULT_PROFILE, RoutingProblem, Solution, VehicleSpec

SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench-data" / "vrp"
SAMPLE = Path(__file__).resolve().parents[2] / "backroom/shipping/routing/samples/berlin.json"


def euclid_problem(points: list[tuple[int, int]], demands: list[int], capacity: int,
                   vehicles: int, windows: list[tuple[int, int] | None] | None = None,
                   service: int = 0, end: int | None = None) -> RoutingProblem:
    costs = [[round(math.dist(a, b)) for b in points] for a in points]
    return RoutingProblem(
        costs=costs, durations={DEFAULT_PROFILE: costs}, demands=[(d,) for d in demands],
        service=[0] + [service] * (len(points) - 1),
        vehicles=[VehicleSpec(capacity=(capacity,), end=end)] * vehicles,
        windows=windows or [])


def random_problem(seed: int, customers: int, capacity: int, vehicles: int,
                   windows: bool = False) -> RoutingProblem:
    rng = random.Random(seed)
    points = [(50, 50)] + [(rng.randint(0, 100), rng.randint(0, 100)) for _ in range(customers)]
    demands = [0] + [rng.randint(1, 9) for _ in range(customers)]
    tws: list[tuple[int, int] | None] | None = None
    if windows:
        tws = [None]
        for _ in range(customers):
            start = rng.randint(0, 250)
            tws.append((start, start + rng.randint(40, 120)))
    return euclid_problem(points, demands, capacity, vehicles, tws, service=5,
                          end=400 if windows else None)


def brute_force(problem: RoutingProblem) -> int:
    """The optimal cost, by trying every order of the customers cut into at most as many
    routes as there are vehicles (tiny problems only)."""
    customers = list(problem.customers)
    fleet = len(problem.vehicles)
    best = math.inf
    for order in itertools.permutations(customers):
        for cuts in _cuts(len(order), fleet):
            bounds = [0, *cuts, len(order)]
            routes = [(v, order[a:b]) for v, (a, b) in enumerate(itertools.pairwise(bounds))]
            result = check(problem, Solution.of(routes))
            if result.feasible and result.cost < best:
                best = result.cost
    return int(best)


def _cuts(size: int, fleet: int) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []
    for k in range(fleet):
        out += list(itertools.combinations(range(1, size), k))
    return out


def request(deliveries: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, Any]:
    """A small request: depot in Berlin, two vans 08:00–16:00, three deliveries."""
    day = "2025-06-02"
    data: dict[str, Any] = {
        "depot": {"name": "Hub", "address": "Lehrter Straße 57, Berlin", "lat": 52.531,
                  "lon": 13.362},
        "vehicles": [
            {"id": "VAN-1", "shift_start": f"{day}T08:00:00+02:00",
             "shift_end": f"{day}T16:00:00+02:00", "capacity_weight_g": 700_000,
             "capacity_volume_cm3": 5_000_000, "max_stops": 20},
            {"id": "VAN-2", "shift_start": f"{day}T08:00:00+02:00",
             "shift_end": f"{day}T16:00:00+02:00", "capacity_weight_g": 300_000},
        ],
        "deliveries": deliveries if deliveries is not None else [
            {"id": "A", "address": "Torstraße 1", "lat": 52.529, "lon": 13.401,
             "weight_g": 5000, "volume_cm3": 20_000},
            {"id": "B", "address": "Oranienstraße 2", "lat": 52.502, "lon": 13.418,
             "weight_g": 12_000, "window_start": f"{day}T10:00:00+02:00",
             "window_end": f"{day}T11:00:00+02:00"},
            {"id": "C", "address": "Sonnenallee 3", "lat": 52.480, "lon": 13.440,
             "weight_g": 2000, "service_s": 120},
        ],
        "options": {"time_limit_s": 0.3},
    }
    data.update(changes)
    return data


def at(hour: int, minute: int = 0) -> str:
    return f"2025-06-02T{hour:02d}:{minute:02d}:00+02:00"
