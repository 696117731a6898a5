"""Measuring a package the way a carrier does: rounded dimensions, girth, billable weight.

All arithmetic is on integers: millimetres and grams in, whole carrier length units and weight
milli-units (1 lb = 1000, 1 kg = 1000) out, so no float ever decides a price.

- each side is rounded to a whole inch or centimetre (``nearest``: half up; ``up``: ceiling);
- dimensional weight = L × W × H ÷ divisor, rounded **up** to the billing increment, and only
  when the volume reaches the card's ``min_volume``;
- actual weight is converted exactly and rounded up to the increment;
- billable weight = the larger of the two (an oversize package: at least its minimum).
"""

from __future__ import annotations

from dataclasses import dataclass

from backroom.shipping.rating.model import MILLI, DimRule, Package, Rounding, UnitSystem


@dataclass(frozen=True, slots=True)
class Measured:
    """A package in a carrier's units: sides longest first (whole units), weights in milli-units."""

    sides: tuple[int, int, int]
    actual_exact_num: int  # actual weight in milli-units is actual_exact_num / actual_exact_den
    actual_exact_den: int
    actual: int  # actual weight rounded up to the increment
    dim: int  # dimensional weight rounded up to the increment (0 below min_volume)
    weight_g: int

    @property
    def billable(self) -> int:
        return max(self.actual, self.dim)

    @property
    def longest(self) -> int:
        return self.sides[0]

    @property
    def second(self) -> int:
        return self.sides[1]

    @property
    def length_plus_girth(self) -> int:
        a, b, c = self.sides
        return a + 2 * b + 2 * c

    def actual_over(self, limit_milli: int) -> bool:
        """Exact: is the unrounded actual weight above ``limit_milli``?"""
        return self.actual_exact_num > limit_milli * self.actual_exact_den


def round_side(mm: int, units: UnitSystem, rounding: Rounding) -> int:
    """One side in whole inches or centimetres, rounded as the carrier rounds."""
    per = units.mm_per_unit  # mm per unit = p / q
    p, q = per.numerator, per.denominator
    if rounding is Rounding.UP:
        return -(-mm * q // p)
    return (2 * mm * q + p) // (2 * p)


def ceil_to(value_num: int, value_den: int, increment: int) -> int:
    """``value_num / value_den`` rounded up to a multiple of ``increment`` (all milli-units)."""
    steps = -(-value_num // (value_den * increment))
    return steps * increment


def measure(package: Package, units: UnitSystem, rule: DimRule) -> Measured:
    sides = sorted((round_side(package.length_mm, units, rule.rounding),
                    round_side(package.width_mm, units, rule.rounding),
                    round_side(package.height_mm, units, rule.rounding)), reverse=True)
    grams = units.grams_per_unit
    num = package.weight_g * MILLI * grams.denominator
    den = grams.numerator
    actual = ceil_to(num, den, rule.increment)
    volume = sides[0] * sides[1] * sides[2]
    dim = 0
    if volume and volume >= rule.min_volume:
        dim = ceil_to(volume * MILLI, rule.divisor, rule.increment)
    return Measured((sides[0], sides[1], sides[2]), num, den, actual, dim, package.weight_g)


def format_weight(milli: int, unit: str) -> str:
    """``1500, "kg"`` → ``"1.5 kg"``."""
    return f"{format_milli(milli)} {unit}"


def format_milli(milli: int) -> str:
    whole, frac = divmod(milli, MILLI)
    if not frac:
        return str(whole)
    return f"{whole}.{frac:03d}".rstrip("0")
