"""The warehouse floor as routing sees it: parallel aisles, cross aisles and pick points.

The standard rectangular model (Ratliff & Rosenthal 1983; Roodbergen & de Koster 2001):

- ``aisles`` parallel pick aisles, numbered 0, 1, … from the left, ``aisle_spacing`` metres
  apart (centre to centre). Racks on both sides of an aisle are picked from its centre line.
- ``blocks`` blocks of racks separated by cross aisles: one at the front (where the depot is),
  one at the back and ``blocks − 1`` in the middle, each ``cross_aisle_width`` wide. A picker
  can change aisles only in a cross aisle and walks along the centre line of both.
- Each block is ``bays_per_block`` bays deep, each bay ``bay_depth`` metres. Bays are numbered
  from the front, 1, 2, … through every block, so bay ``bays_per_block + 1`` is the first bay
  of the second block.
- A position is ``(aisle, y)``: the aisle's index and the distance from the front cross aisle's
  centre line. Cross aisle ``c`` (0 = front) runs at ``cross_y(c)``.
- The depot (where a picker starts and ends: the pack station) is at the front cross aisle, at
  aisle ``depot_aisle``.

Distances are rectilinear walking distances in this graph: along an aisle, then along a cross
aisle, then along the other aisle (:func:`distance`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from backroom.core.errors import Problem, ValidationFailed
from backroom.inventory.layout import aisle_index, aisle_name

MAX_AISLES = 500
MAX_BLOCKS = 12

Point = tuple[float, float]  # (x, y) in metres, for drawing


@dataclass(frozen=True, slots=True)
class PickPoint:
    """Where a picker stands to pick: an aisle index and the distance from the front."""

    aisle: int
    y: float


@dataclass(frozen=True, slots=True)
class WarehouseLayout:
    aisles: int
    bays_per_block: int
    blocks: int = 1
    aisle_spacing: float = 3.0
    bay_depth: float = 1.0
    cross_aisle_width: float = 2.0
    depot_aisle: int = 0
    first_aisle: str = "A"

    def __post_init__(self) -> None:
        problems = _layout_problems(self)
        if problems:
            raise ValidationFailed.of(problems)

    @property
    def block_length(self) -> float:
        """Centre line of one cross aisle to the next: a block's racks plus one cross aisle."""
        return self.bays_per_block * self.bay_depth + self.cross_aisle_width

    @property
    def aisle_length(self) -> float:
        """Front cross aisle's centre line to the back one's."""
        return self.blocks * self.block_length

    @property
    def depot(self) -> PickPoint:
        return PickPoint(self.depot_aisle, 0.0)

    def cross_y(self, cross: int) -> float:
        return cross * self.block_length

    def x(self, aisle: int) -> float:
        return aisle * self.aisle_spacing

    @property
    def crosses(self) -> tuple[float, ...]:
        """Every cross aisle's position, front to back."""
        return tuple(self.cross_y(c) for c in range(self.blocks + 1))

    def block_of(self, y: float) -> int:
        """The block a position lies in (a point on a middle cross aisle counts as below it)."""
        return min(max(bisect_left(self.crosses, y) - 1, 0), self.blocks - 1)

    def bay_y(self, bay: int) -> float:
        """Where bay ``bay`` (1-based, from the front) is picked from."""
        block, within = divmod(bay - 1, self.bays_per_block)
        return (self.cross_y(block) + self.cross_aisle_width / 2
                + (within + 0.5) * self.bay_depth)

    def contains(self, point: PickPoint) -> bool:
        return 0 <= point.aisle < self.aisles and 0.0 <= point.y <= self.aisle_length


def _layout_problems(layout: WarehouseLayout) -> list[Problem]:
    checks = [
        ("aisles", 1 <= layout.aisles <= MAX_AISLES, f"must be 1-{MAX_AISLES}"),
        ("blocks", 1 <= layout.blocks <= MAX_BLOCKS, f"must be 1-{MAX_BLOCKS}"),
        ("bays_per_block", layout.bays_per_block >= 1, "must be at least 1"),
        ("aisle_spacing", layout.aisle_spacing > 0, "must be positive"),
        ("bay_depth", layout.bay_depth > 0, "must be positive"),
        ("cross_aisle_width", layout.cross_aisle_width >= 0, "must not be negative"),
        ("depot_aisle", 0 <= layout.depot_aisle < max(layout.aisles, 1),
         "must be one of the aisles (0 = leftmost)"),
        ("first_aisle", layout.first_aisle.isalpha() and layout.first_aisle.isupper()
         and len(layout.first_aisle) <= 3, "must be 1-3 capital letters"),
    ]
    return [Problem(name, message, getattr(layout, name)) for name, ok, message in checks
            if not ok]


def bin_point(layout: WarehouseLayout, aisle: str, bay: int) -> PickPoint:
    """The pick position of a bin from its coordinates (``"A"``, 3) → (0, y of bay 3)."""
    letters = aisle.strip().upper()
    index = aisle_index(letters) - aisle_index(layout.first_aisle) if letters.isalpha() else -1
    problems = []
    if not 0 <= index < layout.aisles:
        last = aisle_name(aisle_index(layout.first_aisle) + layout.aisles - 1)
        problems.append(Problem("aisle", f"is outside the layout ({layout.first_aisle}-{last})",
                                aisle))
    if not 1 <= bay <= layout.bays_per_block * layout.blocks:
        problems.append(Problem("bay", "is outside the layout (1-"
                                f"{layout.bays_per_block * layout.blocks})", bay))
    if problems:
        raise ValidationFailed.of(problems)
    return PickPoint(index, layout.bay_y(bay))


def layout_from_bins(bins: Iterable[tuple[str, int]], *, blocks: int = 1,
                     **dimensions: float) -> WarehouseLayout:
    """The smallest layout holding every ``(aisle, bay)``, with ``blocks`` equal blocks."""
    coords = list(bins)
    if not coords:
        raise ValidationFailed.single("bins", 0, "a layout needs at least one bin")
    indexes = [aisle_index(a.strip().upper()) for a, _ in coords]
    first, last = min(indexes), max(indexes)
    deepest = max(bay for _, bay in coords)
    per_block = -(-deepest // blocks)
    depot = int(dimensions.pop("depot_aisle", 0))
    return WarehouseLayout(aisles=last - first + 1, bays_per_block=per_block, blocks=blocks,
                           depot_aisle=depot, first_aisle=aisle_name(first), **dimensions)


def distance(layout: WarehouseLayout, a: PickPoint, b: PickPoint) -> float:
    """Shortest walking distance between two positions."""
    if a.aisle == b.aisle:
        return abs(a.y - b.y)
    return abs(a.aisle - b.aisle) * layout.aisle_spacing + _vertical(layout, a.y, b.y)


def distance_matrix(layout: WarehouseLayout, stops: list[PickPoint]) -> list[list[float]]:
    """:func:`distance` between every two stops (the same numbers, computed in one go)."""
    length, spacing = layout.block_length, layout.aisle_spacing
    info = [(p.aisle, p.y, (p.y // length) * length) for p in stops]
    rows = []
    for aisle, y, below in info:
        row = []
        for other, oy, obelow in info:
            if aisle == other:
                row.append(abs(y - oy))
                continue
            low, high, base = (y, oy, below) if y <= oy else (oy, y, obelow)
            if high - base <= length:  # one block: out by its front or its back
                vertical = min(low + high - 2 * base, 2 * (base + length) - low - high)
            else:
                vertical = high - low
            row.append(abs(aisle - other) * spacing + vertical)
        rows.append(row)
    return rows


def _vertical(layout: WarehouseLayout, ya: float, yb: float) -> float:
    """Walking up/down between two aisles that meet only at cross aisles."""
    low, high = (ya, yb) if ya <= yb else (yb, ya)
    length = layout.block_length
    below = (low // length) * length  # the cross aisle at or below ``low``
    if high - below <= length and low < below + length:
        # Both in one block (or on its cross aisles): out via its front or its back.
        above = below + length
        return min(low + high - 2 * below, 2 * above - low - high)
    return high - low


def leg(layout: WarehouseLayout, a: PickPoint, b: PickPoint) -> list[Point]:
    """The corner points of a shortest walk from ``a`` to ``b`` (for drawing)."""
    xa, xb = layout.x(a.aisle), layout.x(b.aisle)
    if a.aisle == b.aisle:
        return [(xa, a.y), (xb, b.y)]
    cross_y = _turning_y(layout, a.y, b.y)
    return [(xa, a.y), (xa, cross_y), (xb, cross_y), (xb, b.y)]


def _turning_y(layout: WarehouseLayout, ya: float, yb: float) -> float:
    """The cross aisle where a shortest walk between two aisles changes aisle."""
    length = layout.block_length
    low, high = min(ya, yb), max(ya, yb)
    below = (low // length) * length
    if high - below <= length and low < below + length:
        above = below + length
        return below if low + high - 2 * below <= 2 * above - low - high else above
    crossing = below + length  # any cross aisle between them; take the first one
    return min(crossing, layout.aisle_length)


def walk(layout: WarehouseLayout, stops: Iterable[PickPoint]) -> list[Point]:
    """The polyline of a tour: depot, each stop in order by shortest walks, depot."""
    points: list[Point] = []
    here = layout.depot
    for stop in [*stops, layout.depot]:
        for corner in leg(layout, here, stop):
            if not points or points[-1] != corner:
                points.append(corner)
        here = stop
    return points


def tour_length(layout: WarehouseLayout, stops: Iterable[PickPoint]) -> float:
    """Length of depot → each stop in order → depot, by shortest walks."""
    total = 0.0
    here = layout.depot
    for stop in [*stops, layout.depot]:
        total += distance(layout, here, stop)
        here = stop
    return total
