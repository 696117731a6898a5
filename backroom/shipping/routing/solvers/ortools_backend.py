"""Google OR-Tools routing as a solver of a ``RoutingProblem``.

Capacity dimensions per demand dimension, a stop-count dimension, a time dimension (travel plus
service at the node left, waiting allowed) with per-vehicle travel profiles, and every customer
optional at a penalty far above any route cost, so that an unplaceable delivery becomes
"unassigned" instead of "no solution". Guided local search runs until the time limit; it can
start from a given solution (e.g. VROOM's).
"""

from __future__ import annotations

from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from backroom.shipping.routing.problem import RoutingProblem, Solution

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic
METAHEURISTICS = {"gls": _META.GUIDED_LOCAL_SEARCH,
                  "tabu": _META.TABU_SEARCH, "sa": _META.SIMULATED_ANNEALING}


def solve(problem: RoutingProblem, *, time_limit: float = 5.0, initial: Solution | None = None,
          metaheuristic: str = "gls") -> Solution:
    manager = pywrapcp.RoutingIndexManager(problem.size, len(problem.vehicles), 0)
    routing = pywrapcp.RoutingModel(manager)
    _costs(problem, routing)
    _capacities(problem, manager, routing)
    _times(problem, manager, routing)
    penalty = _penalty(problem)
    for node in problem.customers:
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = _FIRST.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = METAHEURISTICS[metaheuristic]
    params.time_limit.FromMilliseconds(max(int(time_limit * 1000), 100))
    answer = None
    if initial is not None and initial.routes:
        start = routing.ReadAssignmentFromRoutes(_as_routes(problem, manager, initial), True)
        if start is not None:
            answer = routing.SolveFromAssignmentWithParameters(start, params)
    if answer is None:
        answer = routing.SolveWithParameters(params)
    if answer is None:
        return Solution.of([], list(problem.customers))
    return _read(problem, manager, routing, answer)


def _costs(problem: RoutingProblem, routing: Any) -> None:
    index = routing.RegisterTransitMatrix([list(r) for r in problem.costs])
    routing.SetArcCostEvaluatorOfAllVehicles(index)


def _capacities(problem: RoutingProblem, manager: Any, routing: Any) -> None:
    dims = len(problem.vehicles[0].capacity) if problem.vehicles else 0
    for dim in range(dims):
        demand = [problem.demands[manager.IndexToNode(i)][dim] for i in range(manager.GetNumberOfIndices())]
        index = routing.RegisterUnaryTransitVector(demand)
        caps = [spec.capacity[dim] for spec in problem.vehicles]
        routing.AddDimensionWithVehicleCapacity(index, 0, caps, True, f"load{dim}")
    limits = [spec.max_stops for spec in problem.vehicles]
    if any(limit is not None for limit in limits):
        n = problem.size
        ones = [0 if manager.IndexToNode(i) == 0 else 1 for i in range(manager.GetNumberOfIndices())]
        index = routing.RegisterUnaryTransitVector(ones)
        routing.AddDimensionWithVehicleCapacity(
            index, 0, [n if limit is None else limit for limit in limits], True, "stops")


def _times(problem: RoutingProblem, manager: Any, routing: Any) -> None:
    if not problem.has_windows:
        return
    horizon = _horizon(problem)
    matrices: dict[str, int] = {}
    for profile, travel in problem.durations.items():
        with_service = [[problem.service[a] + travel[a][b] for b in range(problem.size)]
                        for a in range(problem.size)]
        matrices[profile] = routing.RegisterTransitMatrix(with_service)
    evaluators = [matrices[spec.profile] for spec in problem.vehicles]
    routing.AddDimensionWithVehicleTransits(evaluators, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for node in problem.customers:
        window = problem.window(node)
        if window is not None:
            time.CumulVar(manager.NodeToIndex(node)).SetRange(window[0], window[1])
    for v, spec in enumerate(problem.vehicles):
        end = horizon if spec.end is None else spec.end
        time.CumulVar(routing.Start(v)).SetRange(spec.start, end)
        time.CumulVar(routing.End(v)).SetRange(spec.start, end)


def _horizon(problem: RoutingProblem) -> int:
    ends = [spec.end for spec in problem.vehicles if spec.end is not None]
    windows = [w[1] for w in problem.windows if w is not None]
    longest = max((max(r) for r in problem.costs), default=0)
    travel = max((max(max(r) for r in m) for m in problem.durations.values()), default=0)
    fallback = (travel + max(problem.service, default=0)) * problem.size + longest
    return max([*ends, *windows, fallback if not ends else 0, 1])


def _penalty(problem: RoutingProblem) -> int:
    largest = max((max(r) for r in problem.costs), default=0)
    return max(1, largest) * 2 * problem.size + 1


def _as_routes(problem: RoutingProblem, manager: Any, solution: Solution) -> list[list[int]]:
    routes: list[list[int]] = [[] for _ in problem.vehicles]
    for v, route in solution.routes:
        routes[v] = [manager.NodeToIndex(node) for node in route]
    return routes


def _read(problem: RoutingProblem, manager: Any, routing: Any, answer: Any) -> Solution:
    routes = []
    placed: set[int] = set()
    for v in range(len(problem.vehicles)):
        index = routing.Start(v)
        nodes = []
        index = answer.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = answer.Value(routing.NextVar(index))
        routes.append((v, nodes))
        placed.update(nodes)
    return Solution.of(routes, [c for c in problem.customers if c not in placed])
