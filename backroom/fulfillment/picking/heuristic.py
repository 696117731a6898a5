"""Routing for layouts with many blocks: good starting tours, then local improvement.

Exact programs grow quickly with the number of cross aisles, so for three and more blocks the
router starts from three tours (the S-shape rule, the largest-gap rule and a nearest-neighbour
walk), improves each with 2-opt and or-opt moves until none helps, and then improves the best
of them further with an iterated local search (``improve.py``). Every move is judged by the
layout's exact shortest walking distances, so the tour is a local optimum of the real problem,
not of a simplified one. Picks at the same position are visited together.
"""

from __future__ import annotations

from collections.abc import Sequence

from backroom.fulfillment.picking.baselines import largest_gap, s_shape
from backroom.fulfillment.picking.improve import Matrix, optimize
from backroom.fulfillment.picking.layout import PickPoint, WarehouseLayout, distance_matrix

MIN_KICKS = 24  # perturbations tried at least (more on long lists: see default_kicks)


def _nearest_neighbour(d: Matrix) -> list[int]:
    left = set(range(1, len(d)))
    tour, here = [0], 0
    while left:
        here = min(left, key=d[here].__getitem__)
        left.remove(here)
        tour.append(here)
    return tour


def default_kicks(stops: int) -> int:
    """Perturbations to try: at least ``MIN_KICKS``, more on long lists (they have more to
    gain and each pick there is worth the milliseconds)."""
    return max(MIN_KICKS, stops * stops // 30)


def heuristic_order(layout: WarehouseLayout, points: Sequence[PickPoint],
                    kicks: int | None = None) -> list[int]:
    """A short pick order (indexes into ``points``); ``kicks`` defaults to default_kicks."""
    if not points:
        return []
    positions: dict[tuple[int, float], list[int]] = {}
    for index, point in enumerate(points):
        positions.setdefault((point.aisle, point.y), []).append(index)
    keys = list(positions)
    stops = [layout.depot, *(PickPoint(aisle, y) for aisle, y in keys)]
    d = distance_matrix(layout, stops)
    stop_of = {key: k + 1 for k, key in enumerate(keys)}
    starts = [_nearest_neighbour(d)]
    for rule in (s_shape, largest_gap):
        seen: dict[int, None] = {}
        for index in rule(layout, points):
            seen.setdefault(stop_of[(points[index].aisle, points[index].y)], None)
        starts.append([0, *seen])
    best = optimize(starts, d, default_kicks(len(stops)) if kicks is None else kicks)
    at = best.index(0)
    cycle = best[at:] + best[:at]
    return [index for stop in cycle[1:] for index in positions[keys[stop - 1]]]
