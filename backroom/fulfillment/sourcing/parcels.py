"""The parcels a warehouse's share of an order would make, estimated before anything is packed.

Sourcing prices shipments before cartonization, so it estimates the box: the goods' weight plus
a tare; a box of the goods' volume ÷ a fill rate, never shorter than the longest item (and its
second and third sides never shorter than any item's); never smaller than a minimum box. A share
heavier than ``max_parcel_g`` goes as several equal parcels. Lines without a size count as
``default_item_mm``. The estimate grows with the contents, which the cost search relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backroom.fulfillment.packing.model import Parcel
from backroom.fulfillment.sourcing.model import OrderLine


@dataclass(frozen=True, slots=True)
class UnitSpec:
    weight_g: int
    a: int  # sides, longest first (mm)
    b: int
    c: int
    volume: int  # mm³


@dataclass(frozen=True, slots=True)
class ParcelModel:
    tare_g: int = 200
    fill_percent: int = 75  # share of the box the goods fill
    max_parcel_g: int = 20_000  # goods and tare per parcel
    min_box_mm: tuple[int, int, int] = (150, 100, 50)
    default_item_mm: tuple[int, int, int] = (100, 100, 100)

    def units(self, lines: Sequence[OrderLine]) -> tuple[UnitSpec, ...]:
        """Each line's unit weight, sides (longest first) and volume, worked out once."""
        out = []
        for line in lines:
            a, b, c = _dims(line, self.default_item_mm)
            out.append(UnitSpec(max(0, line.weight_g), a, b, c, a * b * c))
        return tuple(out)

    def parcels(self, lines: Sequence[OrderLine], content: Sequence[int]) -> list[Parcel]:
        """``content[i]`` units of ``lines[i]``: the estimated parcels (none when empty)."""
        return self.parcels_for(self.units(lines), content)

    def parcels_for(self, units: Sequence[UnitSpec], content: Sequence[int]) -> list[Parcel]:
        weight = volume = side_a = side_b = side_c = 0
        for unit, qty in zip(units, content, strict=True):
            if qty > 0:
                weight += qty * unit.weight_g
                volume += qty * unit.volume
                side_a = max(side_a, unit.a)
                side_b = max(side_b, unit.b)
                side_c = max(side_c, unit.c)
        if not volume:
            return []
        sides = [side_a, side_b, side_c]
        count = max(1, -(-weight // max(1, self.max_parcel_g - self.tare_g)))
        box = self._box(-(-volume * 100 // (self.fill_percent * count)), sides)
        parcel = (*box, -(-weight // count) + self.tare_g)
        return [parcel] * count

    def _box(self, volume: int, sides: list[int]) -> tuple[int, int, int]:
        low = self.min_box_mm
        length = max(sides[0], low[0], _ceil(volume ** (1 / 3)))
        width = max(sides[1], low[1], _ceil((volume / length) ** 0.5))
        height = max(sides[2], low[2], _ceil(volume / (length * width)))
        return length, width, height


def _dims(line: OrderLine, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if line.length_mm > 0 and line.width_mm > 0 and line.height_mm > 0:
        a, b, c = sorted((line.length_mm, line.width_mm, line.height_mm), reverse=True)
        return a, b, c
    return default


def _ceil(value: float) -> int:
    whole = int(value)
    return whole if whole >= value else whole + 1


DEFAULT_PARCELS = ParcelModel()
