"""Rate quotes shared by a batch of orders: each rate card quoted once per price key.

Sourcing prices every warehouse's share of every order it considers, and over hundreds of
orders the same shipments come back again and again. ``QuoteCache`` gets each card's quotes
from the shipping area's ``quote_shipment`` (limited to that card) and remembers them under
the card's **price key**; the service is then picked from every card's quotes, as ``rated``
does for one order. A card's price key is:

- the warehouse, whether the ship-to is residential, the card's zone from the warehouse to
  the ship-to and whether the ship-to is in one of its remote areas;
- the parcels' billable weights when every parcel is an ordinary one for the card (no size-
  or weight-dependent surcharge or limit can apply: ``ratetable.plain_billables``), else the
  parcels themselves.

A card prices ordinary parcels by zone and billable weight, adds the residential and remote-
area surcharges per parcel and fuel on the sum, and dates them by its services' calendars
from ``ready_at`` — one instant for everything quoted here — so a key's quotes are exactly
the ones every shipment under it would get. When the addresses do not read or the cards do not
load, a shipment is quoted as it is and ``quote_shipment`` says what is wrong.

``ready_at`` is the cache's, not each order's: a cache is reused by the chunks of one run
for at most ``MAX_AGE``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from backroom.core.errors import BackroomError, ProblemCollector
from backroom.fulfillment.packing.model import Parcel
from backroom.fulfillment.sourcing.model import Estimate, Rate
from backroom.fulfillment.sourcing.rated import pick
from backroom.fulfillment.sourcing.ratetable import plain_billables, plain_limits
from backroom.shipping.rating.address import check_address
from backroom.shipping.rating.errors import NoServiceAvailable
from backroom.shipping.rating.loader import load_rate_book
from backroom.shipping.rating.model import Address, Exclusion, Package, Quote, RateCard
from backroom.shipping.rating.services import quote_shipment

MAX_AGE = timedelta(seconds=60)
_NONE = Estimate("", "", 0, None, False)  # remembered: no service for this shipment
Card = tuple[RateCard, tuple[int, int, int, int]]  # a card and its plain_limits
Leg = tuple[Hashable, bool] | None  # a card's (zone, remote area); None: it does not serve


@dataclass(frozen=True, slots=True)
class _Route:
    """From a warehouse to a ship-to: ``id`` is shared by routes every card prices alike."""

    id: int
    residential: bool
    legs: tuple[Leg, ...] | None  # None: the addresses or the cards do not read
    served: tuple[int, ...] = ()  # the cards (by index) with a leg


class QuoteCache:
    def __init__(self, origins: Mapping[int, Address], *, currency: str,
                 ready_at: datetime, carriers: Sequence[str] | None = None,
                 rates_dir: str | Path | None = None) -> None:
        self.origins = origins
        self.currency = currency
        self.ready_at = ready_at
        self.carriers = carriers
        self.rates_dir = rates_dir
        self.quotes: dict[Hashable, tuple[Quote, ...]] = {}  # by card price key
        self.picked: dict[tuple[int, int, date | None], Estimate] = {}
        self.routes: dict[tuple[int, Address], _Route] = {}
        self.shapes: dict[tuple[tuple[int, ...], tuple[Parcel, ...]],
                          tuple[int, tuple[Hashable, ...]]] = {}
        self._ids: dict[Hashable, int] = {}  # interned routes and shapes
        self._cards: tuple[Card, ...] | None = None
        self.calls = 0  # estimates asked for
        self.quoted = 0  # quote_shipment calls made

    def fits(self, origins: Mapping[int, Address], currency: str,
             carriers: Sequence[str] | None, rates_dir: str | Path | None,
             now: datetime) -> bool:
        """Whether this cache may serve another chunk (same setup, ``ready_at`` recent)."""
        return (dict(origins) == dict(self.origins) and currency == self.currency
                and carriers == self.carriers and rates_dir == self.rates_dir
                and self.ready_at <= now <= self.ready_at + MAX_AGE)

    def rate(self, destination: Address, promise: date | None) -> Rate:
        """The ``Rate`` of one order: its (checked) ship-to and promise."""

        def rate(warehouse_id: int, parcels: Sequence[Parcel]) -> Estimate | None:
            self.calls += 1
            if warehouse_id not in self.origins or not parcels:
                return None
            content = tuple([(a, b, c, max(1, g)) for a, b, c, g in parcels])
            route = self.routes.get((warehouse_id, destination))
            if route is None:
                route = self.routes[(warehouse_id, destination)] = self._route(
                    warehouse_id, destination)
            shape = self.shapes.get((route.served, content))
            if shape is None:
                shape = self.shapes[(route.served, content)] = self._shape(route, content)
            slot = (route.id, shape[0], promise)
            found = self.picked.get(slot)
            if found is None:
                quotes = self._all_quotes(warehouse_id, destination, route, content, shape[1])
                found = self.picked[slot] = pick(quotes, promise, len(content)) or _NONE
            return None if found is _NONE else found

        return rate

    def _id(self, value: Hashable) -> int:
        return self._ids.setdefault(value, len(self._ids))

    def _route(self, warehouse_id: int, destination: Address) -> _Route:
        """Per card, the zone and remote-area flag of the route (see ``_Route``)."""
        problems = ProblemCollector()
        origin = check_address(self.origins[warehouse_id], "origin", problems)
        dest = check_address(destination, "destination", problems)
        cards = self._book()
        if problems.problems or cards is None:
            return _Route(self._id(("exact", warehouse_id, destination)), False, None)
        legs: list[Leg] = []
        for card, _ in cards:
            zone = card.zones.zone_for(origin, dest)
            legs.append(None if isinstance(zone, Exclusion) else
                        (zone, card.remote_areas.contains(dest.country, dest.postal_key)))
        key = ("route", warehouse_id, dest.residential, tuple(legs))
        return _Route(self._id(key), dest.residential, tuple(legs),
                      tuple(n for n, leg in enumerate(legs) if leg is not None))

    def _shape(self, route: _Route, content: tuple[Parcel, ...]
               ) -> tuple[int, tuple[Hashable, ...]]:
        """Per card serving the route, what of the parcels its price depends on: their
        billable weights if they are all ordinary parcels for it, else the parcels; and an
        id for the lot (the parcels themselves when the route does not read)."""
        if route.legs is None or self._cards is None:
            return self._id(("exact", content)), ()
        shapes = tuple(_shape(*self._cards[n], content) for n in route.served)
        return self._id(("shape", route.served, shapes)), shapes

    def _all_quotes(self, warehouse_id: int, destination: Address, route: _Route,
                    content: tuple[Parcel, ...], shapes: tuple[Hashable, ...]) -> list[Quote]:
        if route.legs is None or self._cards is None:  # quote it as it is
            return list(self._quotes(("exact", warehouse_id, destination, content),
                                     self.carriers, warehouse_id, destination, content))
        quotes: list[Quote] = []
        for n, shape in zip(route.served, shapes, strict=True):
            quotes += self._quotes((n, warehouse_id, route.residential, route.legs[n], shape),
                                   [self._cards[n][0].code], warehouse_id, destination,
                                   content)
        return quotes

    def _book(self) -> tuple[Card, ...] | None:
        if self._cards is None:
            try:
                cards = load_rate_book(self.rates_dir).select(self.carriers)
            except BackroomError:
                return None  # quoting as it is will say why
            self._cards = tuple((card, plain_limits(card)) for card in cards)
        return self._cards

    def _quotes(self, key: Hashable, carriers: Sequence[str] | None, warehouse_id: int,
                destination: Address, content: tuple[Parcel, ...]) -> tuple[Quote, ...]:
        found = self.quotes.get(key)
        if found is None:
            self.quoted += 1
            try:
                quotes = quote_shipment(self.origins[warehouse_id], destination,
                                        [Package(*p) for p in content], ready_at=self.ready_at,
                                        carriers=carriers, rates_dir=self.rates_dir).quotes
            except NoServiceAvailable:
                quotes = ()
            found = self.quotes[key] = tuple(q for q in quotes if q.currency == self.currency)
        return found


def _shape(card: RateCard, limits: tuple[int, int, int, int],
           parcels: Sequence[Parcel]) -> Hashable:
    billable = plain_billables(card, limits, parcels)
    return billable if billable is not None else tuple(parcels)
