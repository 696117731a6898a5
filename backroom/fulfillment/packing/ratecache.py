"""Rate-card shipping costs for a batch of orders, each parcel quoted once.

Cartonizing one order prices dozens of candidate parcel sets; a batch of orders prices
thousands, and most of them cost the same: a carrier bills a parcel on its measured size and
weight (whole inches, weight rounded up to the pound), and an order's route only matters
through the zone each carrier puts it in. ``RateCache.ship_cost`` gives one ``ShipCost`` per
route, all sharing the quotes, which are keyed by

- the route's *rating key*: per carrier card, the zone of origin → destination (or none) and
  whether the destination is a remote area; whether it is residential; the promised date;
- per parcel, per card, what quoting reads of it: the measured sides, the billed actual and
  dimensional weights, and on which side of each weight threshold of the card's services
  (limits, additional handling) its exact weight lies.

Parcels with equal keys are quoted alike, so a quote looked up is the quote a fresh one
would be. Only single parcels are quoted (``quote_shipment``); a set of parcels costs what the
rate cards charge for a shipment of them: per service that carries every parcel, the sum of
the parcels' charges before fuel, plus the fuel surcharge on that sum (rounded half-even);
the cheapest such service meeting the promise (or the cheapest of all when none does).
``tests/fulfillment/test_pack_batch_rates.py`` holds this to ``quote_shipment`` of the whole
set. Every quote of the batch uses one ``ready_at`` (the batch's start).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from backroom.core.errors import ValidationFailed
from backroom.core.money import round_minor
from backroom.fulfillment.packing.costs import cheapest_quote
from backroom.fulfillment.packing.model import Parcel, ShipCost

if TYPE_CHECKING:
    from backroom.shipping.rating.model import Address, RateCard

_UNRATEABLE = "unrateable"  # the rating key of a route the rate cards refuse outright
_HUNDRED = Decimal(100)
ServiceId = tuple[str, str]  # carrier, service


@dataclass(frozen=True, slots=True)
class _Charges:
    """One parcel's quotes: per service that carries it, its charges before fuel and
    whether it meets the promise; and the parcel's own price."""

    before_fuel: dict[ServiceId, int]
    meets: dict[ServiceId, bool]
    price: int


class RateCache:
    """``ShipCost`` functions over the rate cards of ``carriers`` that share their quotes."""

    def __init__(self, carriers: Sequence[str], *, ready_at: datetime) -> None:
        from backroom.shipping.rating.address import MAX_PACKAGES
        from backroom.shipping.rating.loader import load_rate_book

        self.carriers = tuple(carriers)
        self.ready_at = ready_at
        self._cards: tuple[RateCard, ...] = load_rate_book(None).select(self.carriers)
        self._fuel = {(card.code, s.code): s.surcharges.fuel_percent
                      for card in self._cards for s in card.services}
        self._thresholds = [_weight_thresholds(card) for card in self._cards]
        self._max_parcels = MAX_PACKAGES
        self._routes: dict[tuple[Address, Address, date | None], Hashable] = {}
        self._billed: dict[Parcel, tuple[Any, ...]] = {}
        self._sides: dict[tuple[int, int, int], tuple[Any, ...]] = {}
        self._weights: dict[int, tuple[Any, ...]] = {}
        self._keys: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # equal keys, one object
        self._singles: dict[tuple[Hashable, tuple[Any, ...]], _Charges | None] = {}
        self._prices: dict[tuple[Hashable, tuple[Any, ...]], int | None] = {}
        self.quotes = 0  # quotes actually made (for tests and profiles)

    def ship_cost(self, origin: Address, destination: Address,
                  promise: date | None) -> tuple[ShipCost, Hashable]:
        """The cost function of one route and its rating key: cost functions with equal keys
        price every parcel set the same."""
        route = self.rating_key(origin, destination, promise)

        def cost(parcels: list[Parcel]) -> int | None:
            if route == _UNRATEABLE:
                return None
            if len(parcels) > self._max_parcels:  # refused as a shipment
                return self._quote(origin, destination, promise, parcels)
            keys = [self._billed_key(p) for p in parcels]
            if len(keys) == 1:
                one = self._single(route, keys[0], origin, destination, promise, parcels[0])
                return None if one is None else one.price
            key = (route, tuple(sorted(keys)))
            if key not in self._prices:
                self._prices[key] = self._combined([
                    self._single(route, k, origin, destination, promise, p)
                    for k, p in zip(keys, parcels, strict=True)])
            return self._prices[key]

        return cost, route

    def rating_key(self, origin: Address, destination: Address,
                   promise: date | None) -> Hashable:
        found = self._routes.get((origin, destination, promise))
        if found is None:
            found = self._routes[(origin, destination, promise)] = self._route(
                origin, destination, promise)
        return found

    def _route(self, origin: Address, destination: Address, promise: date | None) -> Hashable:
        from backroom.shipping.rating.address import checked_shipment
        from backroom.shipping.rating.model import Package

        try:  # the addresses as quoting reads them (canonical postal codes)
            shipment = checked_shipment(origin, destination, [Package(1, 1, 1, 1)],
                                        self.ready_at, promise)
        except ValidationFailed:
            return _UNRATEABLE
        o, d = shipment.origin, shipment.destination
        zones = []
        for card in self._cards:
            zone = card.zones.zone_for(o, d)
            zones.append((zone if isinstance(zone, str) else None,
                          card.remote_areas.contains(d.country, d.postal_key)))
        return (tuple(zones), d.residential, promise)

    def _billed_key(self, parcel: Parcel) -> tuple[Any, ...]:
        found = self._billed.get(parcel)
        if found is None:
            length, width, height, weight = parcel
            sides = self._sides.get((length, width, height))
            if sides is None:
                sides = self._sides[(length, width, height)] = tuple(
                    (m.sides, m.dim) for m in self._measure(length, width, height, 1))
            grams = self._weights.get(weight)
            if grams is None:  # weights a pound apart mostly bill alike: one tuple for them
                grams = self._weights[weight] = self._shared(self._weighed(weight))
            found = self._billed[parcel] = self._shared((sides, grams))
        return found

    def _shared(self, key: tuple[Any, ...]) -> tuple[Any, ...]:
        return self._keys.setdefault(key, key)

    def _measure(self, length: int, width: int, height: int, weight: int) -> list[Any]:
        """The parcel as each card measures it (``dimweight.measure``): its sides and
        dimensional weight come from the sides alone."""
        from backroom.shipping.rating.dimweight import measure
        from backroom.shipping.rating.model import Package

        package = Package(length, width, height, max(1, weight))
        return [measure(package, card.units, card.dim) for card in self._cards]

    def _weighed(self, weight: int) -> tuple[Any, ...]:
        """Per card, the billed actual weight of ``weight`` grams and whether it is over each
        of the card's thresholds, as ``dimweight.measure`` finds them (``Measured.actual``,
        ``actual_over``) without measuring the sides."""
        from backroom.shipping.rating.dimweight import ceil_to
        from backroom.shipping.rating.model import MILLI

        out = []
        for card, thresholds in zip(self._cards, self._thresholds, strict=True):
            grams = card.units.grams_per_unit
            num, den = max(1, weight) * MILLI * grams.denominator, grams.numerator
            out.append((ceil_to(num, den, card.dim.increment),
                        tuple(num > t * den for t in thresholds)))
        return tuple(out)

    def _single(self, route: Hashable, key: tuple[Any, ...], origin: Address,
                destination: Address, promise: date | None, parcel: Parcel) -> _Charges | None:
        found = self._singles.get((route, key), _UNSEEN)
        if found is _UNSEEN:
            found = self._singles[(route, key)] = self._charges(origin, destination, promise,
                                                                parcel)
        return found

    def _charges(self, origin: Address, destination: Address, promise: date | None,
                 parcel: Parcel) -> _Charges | None:
        from backroom.shipping.rating.model import Package
        from backroom.shipping.rating.services import quote_shipment

        length, width, height, weight = parcel
        self.quotes += 1
        try:
            quotes = quote_shipment(origin, destination,
                                    [Package(length, width, height, max(1, weight))],
                                    promise=promise, ready_at=self.ready_at,
                                    carriers=self.carriers).quotes
        except ValidationFailed:  # no service carries it, or an address the cards cannot place
            return None
        before = {(q.carrier, q.service): q.total - sum(line.amount for line in q.lines
                                                        if line.code == "fuel")
                  for q in quotes}
        meeting = [q for q in quotes if q.meets(promise)]
        return _Charges(before, {(q.carrier, q.service): q.meets(promise) for q in quotes},
                        min(q.total for q in (meeting or quotes)))

    def _combined(self, parcels: list[_Charges | None]) -> int | None:
        """What a shipment of the parcels costs (see the module docstring)."""
        if any(p is None for p in parcels):
            return None
        charges = [p for p in parcels if p is not None]
        common = set(charges[0].before_fuel).intersection(*(p.before_fuel for p in charges))
        if not common:
            return None
        totals = {}
        for service in common:
            subtotal = sum(p.before_fuel[service] for p in charges)
            fuel = self._fuel[service]
            totals[service] = subtotal + (round_minor(Decimal(subtotal) * fuel / _HUNDRED)
                                          if fuel else 0)
        meeting = [s for s in common if charges[0].meets[s]]
        return min(totals[s] for s in (meeting or common))

    def _quote(self, origin: Address, destination: Address, promise: date | None,
               parcels: list[Parcel]) -> int | None:
        try:
            return cheapest_quote(origin, destination, parcels, promise=promise,
                                  ready_at=self.ready_at, carriers=self.carriers)
        except ValidationFailed:  # an address the rate cards cannot place
            return None


_UNSEEN: Any = object()


def _weight_thresholds(card: RateCard) -> tuple[int, ...]:
    """Every weight a service of ``card`` compares a parcel's exact weight with."""
    found = set()
    for service in card.services:
        if service.limits.max_weight is not None:
            found.add(service.limits.max_weight)
        handling = service.surcharges.handling
        if handling is not None and handling.weight is not None:
            found.add(handling.weight)
    return tuple(sorted(found))
