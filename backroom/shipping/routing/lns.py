"""Ruin-and-recreate improvement of a solution (SISR: "slack induction by string removals",
Christiaens & Vanden Berghe, Transportation Science 2020), in pure Python.

Each step removes a few strings of consecutive customers near a random seed customer (from
several routes), reinserts every removed customer at its cheapest feasible position (skipping
each position with a small "blink" probability), and accepts the result by simulated annealing
whose temperature falls from 1.5 times the mean arc cost to 1 % of it over the time
budget. Feasibility of an insertion is O(1) from each route's earliest and latest service times.
The best solution seen is returned; it is never worse than the one given.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from backroom.shipping.routing.problem import RoutingProblem, Solution, VehicleSpec

_BIG = 1 << 60
MEAN_REMOVED = 10
MAX_STRING = 10
BLINK = 0.01
HOT = 1.5  # start temperature, as a multiple of the mean arc cost
COLD = 0.01  # end temperature, idem


@dataclass(slots=True)
class _Route:
    vehicle: int
    seq: list[int]  # depot, customers..., depot
    early: list[int]  # earliest service start per position
    late: list[int]  # latest service start per position that keeps the rest feasible
    load: list[int]
    cost: int

    @property
    def nodes(self) -> list[int]:
        return self.seq[1:-1]


class _Search:
    def __init__(self, problem: RoutingProblem, rng: random.Random) -> None:
        self.p = problem
        self.rng = rng
        n = problem.size
        self.ready = [(w[0] if (w := problem.window(i)) else 0) for i in range(n)]
        self.due = [(w[1] if (w := problem.window(i)) else _BIG) for i in range(n)]
        self.service = list(problem.service)
        self.demand = [tuple(d) for d in problem.demands]
        self.dims = len(problem.vehicles[0].capacity) if problem.vehicles else 0
        self.costs = problem.costs
        self.near = [sorted(range(1, n), key=problem.costs[i].__getitem__) for i in range(n)]
        self.ends = [v.end if v.end is not None else _BIG for v in problem.vehicles]
        self.stops = [v.max_stops if v.max_stops is not None else _BIG for v in problem.vehicles]
        self.travel = [problem.durations[v.profile] for v in problem.vehicles]
        self.caps = [v.capacity for v in problem.vehicles]
        kinds: dict[VehicleSpec, list[int]] = {}
        for v, spec in enumerate(problem.vehicles):
            kinds.setdefault(spec, []).append(v)
        self.kinds = list(kinds.values())
        mean = sum(map(sum, problem.costs)) // max(1, n * n)
        self.absent = [max(2 * (problem.costs[0][u] + problem.costs[u][0]), mean, 1)
                       for u in range(n)]


    def route(self, vehicle: int, nodes: list[int]) -> _Route:
        travel, service, ready, due = self.travel[vehicle], self.service, self.ready, self.due
        seq = [0, *nodes, 0]
        size = len(seq)
        early = [0] * size
        t = early[0] = self.p.vehicles[vehicle].start
        costs, cost = self.costs, 0
        for i in range(1, size):
            a, b = seq[i - 1], seq[i]
            t += service[a] + travel[a][b]
            cost += costs[a][b]
            if t < ready[b]:
                t = ready[b]
            early[i] = t
        late = [0] * size
        t = late[-1] = self.ends[vehicle]
        for i in range(size - 2, -1, -1):
            a = seq[i]
            t -= travel[a][seq[i + 1]] + service[a]
            if i and due[a] < t:
                t = due[a]
            late[i] = t
        demand = self.demand
        if self.dims == 1:
            load = [sum(demand[c][0] for c in nodes)]
        else:
            load = [sum(demand[c][d] for c in nodes) for d in range(self.dims)]
        return _Route(vehicle, seq, early, late, load, cost if nodes else 0)

    def placeable(self, u: int) -> bool:
        return any(self._fits_alone(group[0], u) for group in self.kinds)

    def score(self, routes: list[_Route], missing: list[int]) -> int:
        return sum(r.cost for r in routes) + sum(self.absent[u] for u in missing)

    def best_insertion(self, routes: list[_Route], u: int,
                       free: list[int]) -> tuple[int, int, int]:
        """(cost increase, route index, position), where route index ``len(routes) + v``
        means a new route on the free vehicle ``v``; (_BIG, -1, 0) if it fits nowhere."""
        best, where, at = _BIG, -1, 0
        du, c, s_u, rdy, due = self.demand[u], self.costs, self.service[u], self.ready[u], self.due[u]
        c_u = c[u]
        blink, service, dims = self.rng.random, self.service, range(self.dims)
        single = self.dims == 1
        for ri, r in enumerate(routes):
            v = r.vehicle
            cap, load = self.caps[v], r.load
            if len(r.seq) - 2 >= self.stops[v] or (
                    load[0] + du[0] > cap[0] if single else
                    any(load[d] + du[d] > cap[d] for d in dims)):
                continue
            travel = self.travel[v]
            seq, early, late = r.seq, r.early, r.late
            for i in range(len(seq) - 1):
                a, b = seq[i], seq[i + 1]
                delta = c[a][u] + c_u[b] - c[a][b]
                if delta >= best:
                    continue
                start = early[i] + service[a] + travel[a][u]
                if start < rdy:
                    start = rdy
                if start > due or start + s_u + travel[u][b] > late[i + 1] or blink() < BLINK:
                    continue
                best, where, at = delta, ri, i
        for v in free:
            delta = c[0][u] + c_u[0]
            if delta < best and self._fits_alone(v, u):
                best, where, at = delta, len(routes) + v, 0
        return best, where, at

    def _fits_alone(self, v: int, u: int) -> bool:
        spec, travel = self.p.vehicles[v], self.travel[v]
        start = max(spec.start + travel[0][u], self.ready[u])
        return (start <= self.due[u] and start + self.service[u] + travel[u][0] <= self.ends[v]
                and all(self.demand[u][d] <= spec.capacity[d] for d in range(self.dims)))

    def recreate(self, routes: list[_Route], removed: list[int]) -> list[int]:
        """Insert ``removed`` (in a random SISR order); returns those that fit nowhere."""
        self._order(removed)
        used = {r.vehicle for r in routes}
        free = self._free_vehicles(used)
        missing = []
        for u in removed:
            _, ri, pos = self.best_insertion(routes, u, free)
            if ri < 0:
                missing.append(u)
            elif ri >= len(routes):
                vehicle = ri - len(routes)
                used.add(vehicle)
                free = self._free_vehicles(used)
                routes.append(self.route(vehicle, [u]))
            else:
                r = routes[ri]
                nodes = r.nodes
                nodes.insert(pos, u)
                routes[ri] = self.route(r.vehicle, nodes)
        return missing

    def _free_vehicles(self, used: set[int]) -> list[int]:
        """One unused vehicle of each kind (same capacity, times, stop limit and profile)."""
        return [next(v for v in group if v not in used) for group in self.kinds
                if any(v not in used for v in group)]

    def _order(self, removed: list[int]) -> None:
        pick = self.rng.choices(("random", "demand", "far", "close"), weights=(4, 4, 2, 1))[0]
        if pick == "random":
            self.rng.shuffle(removed)
        elif pick == "demand":
            removed.sort(key=lambda u: sum(self.demand[u]), reverse=True)
        else:
            removed.sort(key=lambda u: self.costs[0][u], reverse=pick == "far")

    def ruin(self, routes: list[_Route]) -> list[int]:
        """Remove a few strings of customers near a random seed (SISR string removal)."""
        placed = [c for r in routes for c in r.nodes]
        if not placed:
            return []
        where = {c: ri for ri, r in enumerate(routes) for c in r.nodes}
        avg_len = len(placed) / len(routes)
        max_len = min(MAX_STRING, avg_len)
        max_strings = 4 * MEAN_REMOVED / (1 + max_len) - 1
        strings = int(self.rng.uniform(1, max_strings + 1))
        removed: list[int] = []
        ruined: set[int] = set()
        for c in self.near[self.rng.choice(placed)]:
            if len(ruined) >= strings:
                break
            ri = where.get(c)
            if ri is None or ri in ruined:
                continue
            ruined.add(ri)
            longest = min(len(routes[ri].seq) - 2, max_len)
            removed += self._cut(routes, ri, c, int(self.rng.uniform(1, longest + 1)))
        return removed

    def _cut(self, routes: list[_Route], ri: int, c: int, length: int) -> list[int]:
        nodes = routes[ri].nodes
        at = nodes.index(c)
        first = self.rng.randint(max(0, at - length + 1), min(at, len(nodes) - length))
        cut = nodes[first:first + length]
        del nodes[first:first + length]
        routes[ri] = self.route(routes[ri].vehicle, nodes)
        return cut


def improve(problem: RoutingProblem, solution: Solution, *, seconds: float,
            seed: int = 0) -> Solution:
    """SISR ruin-and-recreate from ``solution`` for ``seconds``; the best solution seen, ranked
    by (customers left out, cost). While searching, a left-out customer costs twice its round
    trip from the depot, so the walk may pass through incomplete solutions on a full fleet."""
    if seconds <= 0 or problem.size <= 2 or not problem.vehicles:
        return solution
    search = _Search(problem, random.Random(seed))
    routes = [search.route(v, list(nodes)) for v, nodes in solution.routes]
    hopeless = [u for u in solution.unassigned if not search.placeable(u)]
    missing = [u for u in solution.unassigned if search.placeable(u)]
    current = search.score(routes, missing)
    best = (len(missing), sum(r.cost for r in routes))
    best_routes, best_missing = routes, missing
    arcs = max(1, sum(r.cost for r in routes)) / max(1, problem.size - 1 + len(routes))
    hot, cold = HOT * arcs, COLD * arcs
    began = time.perf_counter()
    while (now := time.perf_counter()) < began + seconds:
        temperature = hot * (cold / hot) ** ((now - began) / seconds)
        trial = list(routes)  # routes are replaced, never changed in place
        left = search.recreate(trial, search.ruin(trial) + missing)
        trial = [r for r in trial if len(r.seq) > 2]
        score = search.score(trial, left)
        if score < current - temperature * math.log(search.rng.random() or 1e-12):
            routes, missing, current = trial, left, score
            rank = (len(left), sum(r.cost for r in trial))
            if rank < best:
                best, best_routes, best_missing = rank, trial, left
    return Solution.of([(r.vehicle, r.nodes) for r in best_routes], best_missing + hopeless)
