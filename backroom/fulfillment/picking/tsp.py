"""Exact travelling-salesman tours over the layout's shortest walks, to check the router.

The general problem knows nothing about aisles: it takes the shortest walking distance between
every two stops (depot included) and finds the shortest round trip. Held–Karp's dynamic program
solves up to 10 stops in a few milliseconds; beyond that an integer program with subtour
elimination constraints added as needed (SCIP through OR-Tools) proves optimality for a few
dozen stops in well under a second. Its distances are whole millimetres, so a layout whose
dimensions are multiples of a millimetre is solved exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from backroom.fulfillment.picking.layout import PickPoint, WarehouseLayout, distance_matrix

HELD_KARP_MAX = 10
SCALE = 1000  # whole units per metre for the integer program


@dataclass(frozen=True, slots=True)
class ExactResult:
    length: float
    order: list[int]  # indexes of the distinct stops (without the depot), in visit order
    proven: bool  # False when the time limit ran out before optimality was proven


def _stops(layout: WarehouseLayout, points: list[PickPoint]) -> list[PickPoint]:
    """The depot first, then every distinct pick position."""
    seen: dict[tuple[int, float], PickPoint] = {}
    for point in points:
        seen.setdefault((point.aisle, point.y), point)
    seen.pop((layout.depot.aisle, layout.depot.y), None)
    return [layout.depot, *seen.values()]


def held_karp(matrix: list[list[float]]) -> tuple[float, list[int]]:
    """Shortest round trip from stop 0 through all others: (length, order of stops 1…n-1)."""
    n = len(matrix) - 1  # stops other than 0, numbered 0…n-1 here
    if n == 0:
        return 0.0, []
    inf = float("inf")
    d = [row[1:] for row in matrix[1:]]
    # best[mask][last]: shortest path from stop 0 through the stops in mask, ending at last.
    best = [[inf] * n for _ in range(1 << n)]
    came = [[-1] * n for _ in range(1 << n)]
    for k in range(n):
        best[1 << k][k] = matrix[0][k + 1]
    for mask in range(1, 1 << n):
        row = best[mask]
        for last in range(n):
            value = row[last]
            if value == inf:
                continue
            from_last = d[last]
            for nxt in range(n):
                bit = 1 << nxt
                if not mask & bit and value + from_last[nxt] < best[mask | bit][nxt]:
                    best[mask | bit][nxt] = value + from_last[nxt]
                    came[mask | bit][nxt] = last
    full = (1 << n) - 1
    length, last = min((best[full][k] + matrix[k + 1][0], k) for k in range(n))
    order, mask = [], full
    while last >= 0:
        order.append(last + 1)
        mask, last = mask & ~(1 << last), came[mask][last]
    return length, order[::-1]


def _components(n: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    adjacent: list[list[int]] = [[] for _ in range(n)]
    for i, j in edges:
        adjacent[i].append(j)
        adjacent[j].append(i)
    seen, parts = [False] * n, []
    for root in range(n):
        if seen[root]:
            continue
        seen[root], part = True, [root]
        for node in part:
            for other in adjacent[node]:
                if not seen[other]:
                    seen[other] = True
                    part.append(other)
        parts.append(part)
    return parts


def subtour_solver(matrix: list[list[float]], seconds: float) -> tuple[float, list[int], bool]:
    """Dantzig–Fulkerson–Johnson: (length, order of stops 1…n-1, proven optimal).

    Each stop gets two tour edges; the integer program (SCIP, relative gap 0, costs in whole
    millimetres) is solved, and while its answer falls apart into several loops a constraint
    forcing two edges out of each loop is added and it is solved again. The first answer that
    is one loop is optimal, since every constraint added is one every tour satisfies.
    """
    from ortools.linear_solver import pywraplp

    n = len(matrix)
    solver = pywraplp.Solver.CreateSolver("SCIP")
    solver.SetTimeLimit(int(seconds * 1000))
    edge = {(i, j): solver.BoolVar(f"x{i}_{j}") for i in range(n) for j in range(i + 1, n)}
    for k in range(n):
        solver.Add(sum(v for (i, j), v in edge.items() if k in (i, j)) == 2)
    solver.Minimize(sum(round(matrix[i][j] * SCALE) * v for (i, j), v in edge.items()))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)
    while True:
        status = solver.Solve(params)
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            raise RuntimeError("the exact solver found no tour in time")
        chosen = [key for key, v in edge.items() if v.solution_value() > 0.5]
        parts = _components(n, chosen)
        if len(parts) == 1:
            proven = status == pywraplp.Solver.OPTIMAL
            return solver.Objective().Value() / SCALE, _cycle_order(n, chosen), proven
        for part in parts:
            inside = set(part)
            solver.Add(sum(v for (i, j), v in edge.items() if (i in inside) != (j in inside))
                       >= 2)


def _cycle_order(n: int, edges: list[tuple[int, int]]) -> list[int]:
    adjacent: list[list[int]] = [[] for _ in range(n)]
    for i, j in edges:
        adjacent[i].append(j)
        adjacent[j].append(i)
    order, previous, here = [], 0, adjacent[0][0]
    while here != 0:
        order.append(here)
        previous, here = here, next(x for x in adjacent[here] if x != previous)
    return order


def exact_tour(layout: WarehouseLayout, points: list[PickPoint],
               seconds: float = 30.0) -> ExactResult:
    """The optimal tour length over ``points`` (and its order of distinct positions)."""
    stops = _stops(layout, points)
    matrix = distance_matrix(layout, stops)
    if len(stops) <= 2:
        return ExactResult(sum(matrix[0]) * 2, list(range(len(stops) - 1)), True)
    if len(stops) <= HELD_KARP_MAX + 1:
        length, order = held_karp(matrix)
        proven = True
    else:
        length, order, proven = subtour_solver(matrix, seconds)
    return ExactResult(length, [i - 1 for i in order], proven)
