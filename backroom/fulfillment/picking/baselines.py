"""The simple routing rules warehouses and other systems use, as pick orders.

Each rule returns the order of the picks (indexes into the list it was given); the walking
length of an order is measured by shortest walks between consecutive picks
(``layout.tour_length``), which is never longer than the rule's own walk. So the comparison in
the benchmark flatters these rules, if anything.

- **Sort by location name**: what most systems do (the bin code, ``WH1-A-03-2``): aisle by aisle
  in alphabetical order, each aisle front to back.
- **S-shape (traversal)**: every aisle with picks is walked end to end, alternately up and down
  (Hall 1993). With several blocks, the blocks are done farthest first, each in an S, the sweep
  turning back at the end of each block (Roodbergen & de Koster 2001, "multiple cross aisles").
- **Largest gap**: in each aisle, the picks below its largest gap are fetched from the front and
  those above from the back; the first and last aisle are walked through (Hall 1993). With
  several blocks, each block is done this way, farthest first: the farthest is reached up its
  first aisle, each nearer one is entered from its back and left by its front.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from backroom.fulfillment.picking.layout import PickPoint, WarehouseLayout

Cells = dict[int, dict[int, list[int]]]  # block → aisle → pick indexes sorted from the front


def name_order(names: Sequence[str]) -> list[int]:
    """Indexes sorted by location name, as a list sorted on the bin code walks."""
    return sorted(range(len(names)), key=lambda i: names[i])


def _cells(layout: WarehouseLayout, points: Sequence[PickPoint]) -> Cells:
    cells: Cells = defaultdict(lambda: defaultdict(list))
    for index in sorted(range(len(points)), key=lambda i: points[i].y):
        point = points[index]
        cells[layout.block_of(point.y)][point.aisle].append(index)
    return cells


def _start_left(layout: WarehouseLayout, points: Sequence[PickPoint]) -> bool:
    """Start with the leftmost aisle if the depot is nearer to it than to the rightmost."""
    aisles = [p.aisle for p in points]
    return layout.depot_aisle - min(aisles) <= max(aisles) - layout.depot_aisle


def s_shape(layout: WarehouseLayout, points: Sequence[PickPoint]) -> list[int]:
    """Pick order of the S-shape (traversal) rule."""
    if not points:
        return []
    cells = _cells(layout, points)
    order: list[int] = []
    rightward = _start_left(layout, points)
    going_up = True  # the first block is reached from its front
    for block in sorted(cells, reverse=True):
        aisles = sorted(cells[block], reverse=not rightward)
        for aisle in aisles:
            picks = cells[block][aisle]
            order += picks if going_up else picks[::-1]
            going_up = not going_up
        rightward = not rightward
    return order


def _split_at_gap(layout: WarehouseLayout, block: int, picks: list[int],
                  points: Sequence[PickPoint]) -> tuple[list[int], list[int]]:
    """The picks below and above the largest gap of one aisle segment (ends included)."""
    ys = [layout.cross_y(block), *(points[i].y for i in picks), layout.cross_y(block + 1)]
    gaps = [ys[k + 1] - ys[k] for k in range(len(ys) - 1)]
    cut = gaps.index(max(gaps))
    return picks[:cut], picks[cut:]


def largest_gap(layout: WarehouseLayout, points: Sequence[PickPoint]) -> list[int]:
    """Pick order of the largest-gap rule."""
    if not points:
        return []
    cells = _cells(layout, points)
    order: list[int] = []
    for rank, block in enumerate(sorted(cells, reverse=True)):
        aisles = sorted(cells[block], reverse=not _start_left(layout, points))
        *middle, last = aisles
        if rank == 0 and middle:  # the farthest block is reached up its first aisle
            order += cells[block][middle.pop(0)]
        below: list[list[int]] = []
        for aisle in middle:
            low, high = _split_at_gap(layout, block, cells[block][aisle], points)
            order += high[::-1]  # fetched from the back
            below.append(low)
        picks = cells[block][last]  # walked through, back to front (alone: up and back)
        order += picks if rank == 0 and len(aisles) == 1 else picks[::-1]
        for low in reversed(below):
            order += low  # fetched from the front on the way back
    return order
