"""Planning a day's routes: request → solver problem → solution → checked plan with times.

Deliveries no vehicle could serve even alone are set aside first, with their reason (or, with
``strict``, the whole request is refused with every such reason). The rest go to the solver;
the answer is verified by the independent checker before it becomes a ``Plan``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from backroom.core.errors import Problem, ProblemCollector, ValidationFailed
from backroom.shipping.routing import reasons, solvers
from backroom.shipping.routing.check import check
from backroom.shipping.routing.distance import DEPOT_ID, road_matrix, select, travel_seconds
from backroom.shipping.routing.model import (
    Plan,
    Route,
    RouteRequest,
    Stop,
    Unassigned,
    Vehicle,
)
from backroom.shipping.routing.problem import RoutingProblem, Solution, VehicleSpec

SECONDS_PER_DELIVERY = 0.05


@dataclass(frozen=True, slots=True)
class Network:
    """Distances (m) over all points (depot first) and travel seconds per vehicle."""

    distances: list[list[int]]
    durations: dict[str, list[list[int]]]
    profile_of: tuple[str, ...]  # per vehicle


def default_time_limit(deliveries: int) -> float:
    """Seconds of search when the request names none: enough for good routes, quick for few."""
    return min(10.0, 0.5 + SECONDS_PER_DELIVERY * deliveries)


def plan_routes(request: RouteRequest) -> Plan:
    began = time.perf_counter()
    net = network(request)
    set_aside, placeable = _triage(request, net)
    position = {id(d): i for i, d in enumerate(request.deliveries)}
    if request.options.strict and set_aside:
        raise ValidationFailed.of(
            [Problem(f"deliveries[{position[id(u.delivery)]}]", u.reason, u.delivery.id)
             for u in set_aside],
            summary=f"{len(set_aside)} deliveries cannot be served by any vehicle: "
                    + "; ".join(f"{u.delivery.id} {u.reason}" for u in set_aside[:3]))
    problem = build_problem(request, net, placeable)
    limit = request.options.time_limit_s or default_time_limit(len(placeable))
    solution = solvers.solve(problem, solver=request.options.solver, time_limit=limit,
                             seed=request.options.seed)
    verdict = check(problem, solution, allow_unassigned=True)
    routes = tuple(_route(request, net, placeable, v, nodes) for v, nodes in solution.routes)
    left = [reasons.crowded(request.deliveries[placeable[node - 1]])
            for node in solution.unassigned]
    unassigned = sorted([*set_aside, *left], key=lambda u: position[id(u.delivery)])
    return Plan(request.depot, routes, tuple(unassigned),
                request.options.solver, time.perf_counter() - began, verdict.feasible,
                verdict.violations)


def network(request: RouteRequest) -> Network:
    ids = [DEPOT_ID, *(d.id for d in request.deliveries)]
    supplied: list[list[int]] | None = None
    if request.matrix is not None:
        problems = ProblemCollector()
        distances, supplied = select(request.matrix, ids, problems)
        problems.raise_if_any()
    else:
        points = [(request.depot.lat, request.depot.lon),
                  *((d.lat, d.lon) for d in request.deliveries)]
        distances = road_matrix(points, request.options.road_factor)
    base = request.options.speed_kmh
    durations: dict[str, list[list[int]]] = {}
    profiles = []
    for vehicle in request.vehicles:
        speed = vehicle.speed_kmh or base
        key = f"{speed:g}kmh"
        if key not in durations:
            if supplied is not None:
                durations[key] = [[round(s * base / speed) for s in row] for row in supplied]
            else:
                durations[key] = travel_seconds(distances, speed)
        profiles.append(key)
    return Network(distances, durations, tuple(profiles))


def _triage(request: RouteRequest, net: Network) -> tuple[list[Unassigned], list[int]]:
    """(deliveries no vehicle can serve even alone, indices of the others)."""
    set_aside, placeable = [], []
    for i, delivery in enumerate(request.deliveries, start=1):
        reaches = [reasons.reach(v, delivery, net.durations[p][0][i], net.durations[p][i][0])
                   for v, p in zip(request.vehicles, net.profile_of, strict=True)]
        why = reasons.alone(delivery, reaches)
        if why is None:
            placeable.append(i - 1)
        else:
            set_aside.append(why)
    return set_aside, placeable


def build_problem(request: RouteRequest, net: Network, placeable: list[int]) -> RoutingProblem:
    """Node 0 = depot, node k = deliveries[placeable[k - 1]]; time in seconds from the earliest
    shift start."""
    epoch = request.epoch
    keep = [0, *(i + 1 for i in placeable)]
    chosen = [request.deliveries[i] for i in placeable]
    dims = _dimensions(request)
    demands = [(0,) * len(dims)] + [tuple(getattr(d, f) for f in dims) for d in chosen]
    vehicles = [VehicleSpec(capacity=_capacity(v, dims, demands), start=_seconds(v.shift_start, epoch),
                            end=_seconds(v.shift_end, epoch), max_stops=v.max_stops, profile=p)
                for v, p in zip(request.vehicles, net.profile_of, strict=True)]
    horizon = max(spec.end or 0 for spec in vehicles)
    windows: list[tuple[int, int] | None] = [None]
    for d in chosen:
        if d.window_start is None and d.window_end is None:
            windows.append(None)
        else:
            ready = max(0, _seconds(d.window_start, epoch)) if d.window_start else 0
            due = _seconds(d.window_end, epoch) if d.window_end else horizon
            windows.append((ready, max(ready, due)))
    return RoutingProblem(
        costs=[[net.distances[a][b] for b in keep] for a in keep],
        durations={k: [[m[a][b] for b in keep] for a in keep] for k, m in net.durations.items()},
        demands=demands, service=[0] + [d.service_s for d in chosen], vehicles=vehicles,
        windows=windows)


def _dimensions(request: RouteRequest) -> tuple[str, ...]:
    dims = []
    if any(v.capacity_weight_g is not None for v in request.vehicles):
        dims.append("weight_g")
    if any(v.capacity_volume_cm3 is not None for v in request.vehicles):
        dims.append("volume_cm3")
    return tuple(dims) or ("weight_g",)


def _capacity(vehicle: Vehicle, dims: tuple[str, ...],
              demands: list[tuple[int, ...]]) -> tuple[int, ...]:
    out = []
    for i, name in enumerate(dims):
        limit = vehicle.capacity_weight_g if name == "weight_g" else vehicle.capacity_volume_cm3
        out.append(limit if limit is not None else sum(d[i] for d in demands) + 1)
    return tuple(out)


def _route(request: RouteRequest, net: Network, placeable: list[int], vehicle: int,
           nodes: tuple[int, ...]) -> Route:
    """The route with its clock: wait at a door when early; leave the depot late enough not
    to wait at the first one."""
    van = request.vehicles[vehicle]
    travel = net.durations[net.profile_of[vehicle]]
    points = [placeable[n - 1] + 1 for n in nodes]
    now, here, stops, distance = van.shift_start, 0, [], 0
    for seq, point in enumerate(points, start=1):
        d = request.deliveries[point - 1]
        arrival = now + timedelta(seconds=travel[here][point])
        begin = max(arrival, d.window_start) if d.window_start else arrival
        leg = net.distances[here][point]
        stops.append(Stop(seq, d, arrival, begin, begin + timedelta(seconds=d.service_s),
                          int((begin - arrival).total_seconds()), leg))
        now, here, distance = stops[-1].departure, point, distance + leg
    back = now + timedelta(seconds=travel[here][0])
    departure = van.shift_start
    if stops and stops[0].wait_s:  # leave later rather than wait at the first door
        delay = timedelta(seconds=stops[0].wait_s)
        first = stops[0]
        stops[0] = Stop(1, first.delivery, first.arrival + delay, first.service_start,
                        first.departure, 0, first.distance_from_previous_m)
        departure += delay
    return Route(van, tuple(stops), departure, back, distance + net.distances[here][0])


def _seconds(moment: datetime, epoch: datetime) -> int:
    return int((moment - epoch).total_seconds())


__all__ = ["Solution", "build_problem", "default_time_limit", "network", "plan_routes"]
