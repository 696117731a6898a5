"""What shipping the cartons costs: the cost model cartonization minimises with the boxes.

Cartonization takes any ``ShipCost``: a function from the parcels (outer length, width, height
in mm and gross weight in g) to a price in minor units, or None when no service can carry them.

- ``DimWeightRate`` is the default: a carrier-like tariff billed on the larger of actual and
  dimensional weight, so air in a box costs money.
- ``rated_ship_cost`` prices the parcels with the shipping area's rate cards (the cheapest
  service, or the cheapest that meets a promised delivery date); fulfillment passes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from backroom.fulfillment.packing.model import Parcel, ShipCost

if TYPE_CHECKING:
    from backroom.shipping.rating.model import Address


@dataclass(frozen=True, slots=True)
class DimWeightRate:
    """Per parcel: ``base`` plus ``per_step`` for every started ``step_g`` of billable weight.

    Billable weight is the larger of the gross weight and the dimensional weight, outer
    length × width × height (mm³) ÷ ``divisor`` grams — ``divisor=5000`` is the common
    5000 cm³/kg. Integers throughout. A parcel over ``max_side_mm`` or ``max_weight_g`` cannot
    be sent (None)."""

    base: int = 600
    per_step: int = 95
    step_g: int = 500
    divisor: int = 5000
    max_side_mm: int = 1500
    max_weight_g: int = 31_500

    def billable_g(self, parcel: Parcel) -> int:
        length, width, height, weight = parcel
        dim = -(-length * width * height // self.divisor)
        return max(weight, dim)

    def price(self, parcel: Parcel) -> int | None:
        if max(parcel[:3]) > self.max_side_mm or parcel[3] > self.max_weight_g:
            return None
        steps = -(-self.billable_g(parcel) // self.step_g)
        return self.base + self.per_step * max(1, steps)

    def __call__(self, parcels: list[Parcel]) -> int | None:
        total = 0
        for parcel in parcels:
            price = self.price(parcel)
            if price is None:
                return None
            total += price
        return total


DEFAULT_RATE = DimWeightRate()


def rated_ship_cost(origin: Address, destination: Address, *, promise: date | None = None,
                    ready_at: datetime | None = None, carriers: Sequence[str] | None = None,
                    rates_dir: str | Path | None = None) -> ShipCost:
    """A ``ShipCost`` backed by the shipping area's rate cards: the total of the cheapest
    service that meets ``promise`` (the cheapest of all without a promise, or when none meets
    it). Returns None for parcels no service can carry. Prices are in the carriers'
    currency, which must be the currency of the box costs."""

    def cost(parcels: list[Parcel]) -> int | None:
        return cheapest_quote(origin, destination, parcels, promise=promise, ready_at=ready_at,
                              carriers=carriers, rates_dir=rates_dir)

    return cost


def cheapest_quote(origin: Address, destination: Address, parcels: Sequence[Parcel], *,
                   promise: date | None = None, ready_at: datetime | None = None,
                   carriers: Sequence[str] | None = None,
                   rates_dir: str | Path | None = None) -> int | None:
    """What ``rated_ship_cost`` charges for ``parcels``: one quote of the rate cards."""
    from backroom.shipping.rating.errors import NoServiceAvailable
    from backroom.shipping.rating.model import Package
    from backroom.shipping.rating.services import quote_shipment

    packages = [Package(length, width, height, max(1, weight))
                for length, width, height, weight in parcels]
    try:
        quotes = quote_shipment(origin, destination, packages, promise=promise,
                                ready_at=ready_at, carriers=carriers,
                                rates_dir=rates_dir).quotes
    except NoServiceAvailable:
        return None
    meeting = [q for q in quotes if q.meets(promise)]
    return min(q.total for q in (meeting or quotes))
