"""Packing domain: items, the merchant's boxes, where each item goes, and what it all costs.

Coordinates are millimetres inside a box, from its inner back-bottom-left corner: ``x`` along
the box's length, ``y`` along its width and ``z`` up its height (the vertical axis, which is what
"this side up" keeps). Weights are grams, money integer minor units (see ``backroom.core.money``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import permutations

Dims = tuple[int, int, int]
Parcel = tuple[int, int, int, int]  # outer length, width, height (mm) and gross weight (g)
ShipCost = Callable[[list[Parcel]], int | None]  # None: no service can carry these parcels


@dataclass(frozen=True, slots=True)
class Item:
    """One unit to pack. ``can_rotate=False`` means "this side up": it may only turn about the
    vertical axis (length and width swap, the height stays vertical)."""

    sku: str
    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int = 0
    can_rotate: bool = True

    @property
    def dims(self) -> Dims:
        return (self.length_mm, self.width_mm, self.height_mm)

    @property
    def volume(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm

    def orientations(self, rotate: bool = True) -> tuple[Dims, ...]:
        """The distinct ways the item may lie, as (along x, along y, along z).

        ``rotate=False`` fixes every item exactly as given (the rule of the classic 3D bin
        packing benchmarks); otherwise ``can_rotate`` decides between all six permutations
        and the two upright ones."""
        return orientations_of(self.dims, rotate and self.can_rotate, rotate)

    def describe(self) -> str:
        return f"{self.sku} ({self.length_mm}×{self.width_mm}×{self.height_mm} mm, {self.weight_g} g)"


_ORIENTATIONS: dict[tuple[Dims, bool, bool], tuple[Dims, ...]] = {}


def orientations_of(dims: Dims, free: bool, upright: bool) -> tuple[Dims, ...]:
    """All permutations (``free``), the two about the vertical axis (``upright``), or as given."""
    key = (dims, free, upright)
    found = _ORIENTATIONS.get(key)
    if found is None:
        length, width, height = dims
        if free:
            options: list[Dims] = [(a, b, c) for a, b, c in permutations(dims)]
        elif upright:
            options = [(length, width, height), (width, length, height)]
        else:
            options = [dims]
        found = tuple(dict.fromkeys(options))
        _ORIENTATIONS[key] = found
    return found


@dataclass(frozen=True, slots=True)
class Box:
    """A box or mailer of the merchant's catalog.

    ``max_weight_g`` limits the contents; ``cost`` is what one box costs (minor units).
    The carrier measures the outside: ``outer_mm`` (default: the inner dimensions) and the
    gross weight, contents plus ``tare_g``."""

    code: str
    length_mm: int
    width_mm: int
    height_mm: int
    max_weight_g: int
    cost: int
    outer_mm: Dims | None = None
    tare_g: int = 0

    @property
    def inner(self) -> Dims:
        return (self.length_mm, self.width_mm, self.height_mm)

    @property
    def outer(self) -> Dims:
        return self.outer_mm if self.outer_mm is not None else self.inner

    @property
    def volume(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm

    def parcel(self, contents_g: int) -> Parcel:
        """What the carrier measures when this box holds ``contents_g`` grams."""
        length, width, height = self.outer
        return (length, width, height, contents_g + self.tare_g)

    def holds(self, item: Item, rotate: bool = True) -> bool:
        """Whether ``item`` alone fits (some allowed orientation, and its weight)."""
        return item.weight_g <= self.max_weight_g and fits_inside(
            item.orientations(rotate), self.inner)

    def describe(self) -> str:
        return (f"{self.code} ({self.length_mm}×{self.width_mm}×{self.height_mm} mm inside, "
                f"up to {self.max_weight_g} g)")


def fits_inside(options: Sequence[Dims], inner: Dims) -> bool:
    length, width, height = inner
    return any(a <= length and b <= width and c <= height for a, b, c in options)


@dataclass(frozen=True, slots=True)
class Placement:
    """``item`` in ``Packing.boxes[box]`` with its back-bottom-left corner at (x, y, z), lying
    ``length_mm`` along x, ``width_mm`` along y and ``height_mm`` up."""

    item: Item
    box: int
    x_mm: int
    y_mm: int
    z_mm: int
    length_mm: int
    width_mm: int
    height_mm: int

    @property
    def far(self) -> Dims:
        return (self.x_mm + self.length_mm, self.y_mm + self.width_mm, self.z_mm + self.height_mm)


@dataclass(frozen=True, slots=True)
class Packing:
    """Boxes used, where each item goes, and the cost: box cost plus billed shipping."""

    boxes: tuple[Box, ...]
    placements: tuple[Placement, ...]
    box_cost: int
    shipping_cost: int

    @property
    def total(self) -> int:
        return self.box_cost + self.shipping_cost

    def contents(self, index: int) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if p.box == index)

    def contents_weight(self, index: int) -> int:
        return sum(p.item.weight_g for p in self.placements if p.box == index)

    def parcels(self) -> list[Parcel]:
        """The parcels as a carrier measures them (outer dimensions, gross weight)."""
        return [box.parcel(self.contents_weight(i)) for i, box in enumerate(self.boxes)]

    def fill(self, index: int) -> float:
        """Share of box ``index``'s inner volume taken by its items (for reports only)."""
        used = sum(p.length_mm * p.width_mm * p.height_mm for p in self.contents(index))
        return used / self.boxes[index].volume
