"""From the pieces an exact tour walks to the order a picker visits the picks.

The pieces (``dp.Tour``) form a connected multigraph with even degrees; walking it as an Euler
circuit from the depot (Hierholzer's algorithm) and keeping each pick position's first visit
gives the pick order. Walking that order by shortest paths is never longer than the circuit,
and never shorter than the optimum, so it is an optimal tour too.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from backroom.fulfillment.picking.dp import Tour, grouped, largest_gap
from backroom.fulfillment.picking.layout import PickPoint
from backroom.fulfillment.picking.states import GAP, HIGH, LOW, ONCE, TWICE

Node = tuple[int, float]  # (aisle, y): cross-aisle vertices and pick positions alike
Edge = tuple[Node, Node]


def _segment_edges(aisle: int, low: float, high: float, ys: list[float],
                   option: int) -> list[Edge]:
    chain = [(aisle, low), *((aisle, y) for y in ys), (aisle, high)]
    pairs = list(pairwise(chain))
    if option == ONCE:
        return pairs
    if option == TWICE:
        return pairs + pairs
    if option == LOW:
        return pairs[:len(ys)] * 2
    if option == HIGH:
        return pairs[1:] * 2
    if option == GAP:
        g = largest_gap(ys)
        return (pairs[:g + 1] + pairs[g + 2:]) * 2
    raise ValueError(f"unknown segment option {option}")


def tour_edges(tour: Tour, points: list[PickPoint]) -> list[Edge]:
    """Every piece the tour walks, split at the pick positions on it."""
    ys = grouped(tour.grid, points)
    crosses = tour.grid.crosses
    edges: list[Edge] = []
    for (aisle, block), option in tour.segments.items():
        edges += _segment_edges(aisle, crosses[block], crosses[block + 1],
                                ys.get((aisle, block), []), option)
    for (aisle, cross), times in tour.crossings.items():
        y = crosses[cross]
        edges += [((aisle, y), (aisle + 1, y))] * times
    return edges


def euler_circuit(edges: list[Edge], start: Node) -> list[Node]:
    """The nodes of a circuit using every edge once, from ``start`` (Hierholzer)."""
    incident: dict[Node, list[int]] = defaultdict(list)
    for index, (a, b) in enumerate(edges):
        incident[a].append(index)
        incident[b].append(index)
    used = [False] * len(edges)
    stack, circuit = [start], []
    while stack:
        node = stack[-1]
        pending = incident[node]
        while pending and used[pending[-1]]:
            pending.pop()
        if pending:
            index = pending.pop()
            used[index] = True
            a, b = edges[index]
            stack.append(b if a == node else a)
        else:
            circuit.append(stack.pop())
    circuit.reverse()
    return circuit


def visit_order(tour: Tour, points: list[PickPoint]) -> list[int]:
    """Indexes of ``points`` in the order the tour first reaches their positions."""
    depot = tour.grid.depot
    circuit = euler_circuit(tour_edges(tour, points), (depot.aisle, depot.y))
    at: dict[Node, list[int]] = defaultdict(list)
    for index, point in enumerate(points):
        at[(point.aisle, point.y)].append(index)
    order: list[int] = []
    for node in circuit:
        order += at.pop(node, [])
    if at:
        raise AssertionError(f"the tour misses {sum(len(v) for v in at.values())} picks")
    return order
