"""Exact pick tours: Ratliff & Rosenthal's dynamic program, for one block or several.

An optimal tour is a connected multigraph of aisle and cross-aisle pieces in which every vertex
has an even degree (so it can be walked as one round trip) and every pick lies on it. There is
always an optimal one in which (Ratliff & Rosenthal 1983, extended to two blocks by Roodbergen &
de Koster 2001):

- each piece of cross aisle between two neighbouring aisles is walked 0, 1 or 2 times, and
- each aisle segment inside a block is covered in one of six ways (``states.OPTIONS``): not at
  all (no picks in it), walked through once, walked through twice, entered from the front and
  left the same way (up to its last pick), entered from the back likewise, or entered from
  both ends leaving the largest gap between two picks unwalked.

The program goes aisle by aisle, then block by block within an aisle, keeping for each state
of the partial tour (``states.py``) the shortest way to reach it, and finally walks the
chosen pieces as an Euler tour from the depot to get the order of the picks. The depot is
treated as one more pick, at the front end of its aisle.

The work is linear in the number of aisles and picks; the number of states grows quickly with
the number of blocks (6 reachable states for one block, 24 for two, 112 for three, 568 for
four), so ``router.py`` uses this by default for one and two blocks (well under a millisecond
for 30 picks) and on request up to four (a few and a few tens of milliseconds).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from backroom.fulfillment.picking.layout import PickPoint, WarehouseLayout
from backroom.fulfillment.picking.states import (
    GAP,
    HIGH,
    LOW,
    NONE,
    ONCE,
    TWICE,
    StateSpace,
    state_space,
)

INF = float("inf")

Segment = tuple[int, int]  # (aisle, block)
# One step of the program: (aisle, block or -1 for the walk to the next aisle, back pointers
# from each state reached to the state it came from and the choice made).
Back = dict[int, tuple[int, int]] | dict[int, tuple[int, tuple[int, ...]]]
Step = tuple[int, int, Back]


@dataclass(frozen=True, slots=True)
class Grid:
    """What the program needs of a layout: cross aisles' positions, aisle spacing, depot.

    Cross aisles need not be evenly spaced. A point on a middle cross aisle counts as the top
    of the block below it.
    """

    crosses: tuple[float, ...]
    spacing: float
    depot: PickPoint

    @classmethod
    def of(cls, layout: WarehouseLayout) -> Grid:
        return cls(layout.crosses, layout.aisle_spacing, layout.depot)

    @property
    def blocks(self) -> int:
        return len(self.crosses) - 1

    def block_of(self, y: float) -> int:
        return min(max(bisect_left(self.crosses, y) - 1, 0), self.blocks - 1)


@dataclass(frozen=True, slots=True)
class Tour:
    """The exact program's answer: the length and the pieces walked."""

    grid: Grid
    length: float
    segments: dict[Segment, int]  # option chosen for each aisle segment walked
    crossings: dict[tuple[int, int], int]  # (left aisle, cross aisle) → times walked


def grouped(grid: Grid, points: list[PickPoint]) -> dict[Segment, list[float]]:
    """Distinct pick positions (and the depot) per aisle segment, sorted from the front."""
    ys: dict[Segment, set[float]] = defaultdict(set)
    for point in [*points, grid.depot]:
        ys[(point.aisle, grid.block_of(point.y))].add(point.y)
    return {key: sorted(values) for key, values in ys.items()}


def largest_gap(ys: list[float]) -> int:
    """Index ``g``: the largest gap lies between ``ys[g]`` and ``ys[g + 1]`` (needs 2 picks)."""
    best, where = -1.0, 0
    for index in range(len(ys) - 1):
        gap = ys[index + 1] - ys[index]
        if gap > best:
            best, where = gap, index
    return where


def segment_options(low: float, high: float, ys: list[float] | None) -> list[tuple[int, float]]:
    """Each way to cover one aisle segment, with the distance it walks."""
    span = high - low
    if not ys:
        return [(NONE, 0.0), (ONCE, span), (TWICE, 2 * span)]
    options = [(ONCE, span), (TWICE, 2 * span), (LOW, 2 * (ys[-1] - low)),
               (HIGH, 2 * (high - ys[0]))]
    if len(ys) > 1:
        g = largest_gap(ys)
        options.append((GAP, 2 * (span - (ys[g + 1] - ys[g]))))
    return options


def solve(layout: WarehouseLayout | Grid, points: list[PickPoint]) -> Tour:
    """The shortest tour from the depot through every point and back."""
    grid = layout if isinstance(layout, Grid) else Grid.of(layout)
    groups = grouped(grid, points)
    aisles = [aisle for aisle, _ in groups]
    first, last = min(aisles), max(aisles)
    space = state_space(grid.blocks + 1)
    costs: dict[int, float] = {space.start: 0.0}
    trail: list[Step] = []
    crosses = grid.crosses
    for aisle in range(first, last + 1):
        if aisle > first:
            costs, back = _horizontal(space, costs, grid.spacing)
            trail.append((aisle - 1, -1, back))
        for block in range(grid.blocks):
            options = segment_options(crosses[block], crosses[block + 1],
                                      groups.get((aisle, block)))
            costs, vback = _vertical(space, costs, block, options)
            trail.append((aisle, block, vback))
    return _trace(grid, space, costs, trail)


def _horizontal(space: StateSpace, costs: dict[int, float], spacing: float,
                ) -> tuple[dict[int, float], dict[int, tuple[int, tuple[int, ...]]]]:
    best: dict[int, float] = {}
    back: dict[int, tuple[int, tuple[int, ...]]] = {}
    for sid, cost in costs.items():
        for total, walks, following in space.horizontal(sid):
            value = cost + total * spacing
            if value < best.get(following, INF):
                best[following] = value
                back[following] = (sid, walks)
    return best, back


def _vertical(space: StateSpace, costs: dict[int, float], block: int,
              options: list[tuple[int, float]],
              ) -> tuple[dict[int, float], dict[int, tuple[int, int]]]:
    best: dict[int, float] = {}
    back: dict[int, tuple[int, int]] = {}
    for sid, cost in costs.items():
        row = space.segment(sid, block)
        for option, length in options:
            following = row[option]
            value = cost + length
            if value < best.get(following, INF):
                best[following] = value
                back[following] = (sid, option)
    return best, back


def _trace(grid: Grid, space: StateSpace, costs: dict[int, float], trail: list[Step]) -> Tour:
    """Follow the back pointers from the best finished state to the pieces walked."""
    length, sid = min((cost, sid) for sid, cost in costs.items() if space.finished(sid))
    segments: dict[Segment, int] = {}
    crossings: dict[tuple[int, int], int] = {}
    for aisle, block, back in reversed(trail):
        sid, choice = back[sid]
        if isinstance(choice, tuple):
            crossings.update({(aisle, cross): times for cross, times in enumerate(choice)
                              if times})
        elif choice != NONE:
            segments[(aisle, block)] = choice
    return Tour(grid, length, segments, crossings)
