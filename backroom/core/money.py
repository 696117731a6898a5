"""Money as integer minor units with a currency; exact proportional splits.

Never float: amounts are ``Decimal`` in code and ``int`` minor units in storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from backroom.core.errors import ValidationFailed

# ISO 4217 minor-unit exponents that differ from 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3,
              "JOD": 3, "OMR": 3, "TND": 3}


def exponent(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit."""
    return _EXPONENTS.get(currency.upper(), 2)


def to_minor(amount: Decimal | str | int, currency: str, *, field: str = "amount") -> int:
    """Convert a decimal amount to integer minor units, refusing sub-minor precision."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ValidationFailed.single(field, amount, "is not a decimal number") from None
    if not value.is_finite():
        raise ValidationFailed.single(field, amount, "is not a finite number")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValidationFailed.single(
            field, amount, f"has more decimals than {currency} allows ({exponent(currency)})"
        )
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units back to a ``Decimal`` with the currency's exponent."""
    exp = exponent(currency)
    return Decimal(minor).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def round_minor(value: Decimal) -> int:
    """Round a fractional minor-unit value half-to-even (banker's rounding)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` minor units in proportion to ``weights`` so the parts sum to ``total``.

    Largest-remainder method: every part is the floor of its exact share, and the units left
    over go to the parts with the largest remainders (earlier parts win ties).
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        parts = [0] * len(weights)
        parts[0] = total
        return parts
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    left = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * p for p in floors]


def take_share(value_remaining: int, qty_remaining: int, qty_taken: int) -> int:
    """Value of ``qty_taken`` units out of a pool of ``qty_remaining`` units worth ``value_remaining``.

    Taking everything takes the whole value, so repeated partial takes always add up exactly
    to the pool's value (the last take absorbs the rounding).
    """
    if not 0 < qty_taken <= qty_remaining:
        raise ValueError("qty_taken must be within (0, qty_remaining]")
    if qty_taken == qty_remaining:
        return value_remaining
    return round_minor(Decimal(value_remaining) * qty_taken / qty_remaining)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units with its currency."""

    minor: int
    currency: str

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str) -> Money:
        return cls(to_minor(amount, currency), currency.upper())

    @property
    def amount(self) -> Decimal:
        return from_minor(self.minor, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
