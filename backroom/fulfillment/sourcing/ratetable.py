"""Rate-card prices cached by billable weight: a fast ``Rate`` for large runs (the benchmark).

A carrier prices an ordinary parcel by its billable weight alone (base rate of the weight
break, per-package residential and remote-area surcharges, fuel on the sum), so the quotes of
every service for (warehouse, destination, residential, billable weight of each parcel) are
computed once with ``quote_shipment`` — from probe parcels of exactly that billable weight —
and reused. Parcels that could draw a size- or weight-dependent charge or limit (additional
handling, oversize, max weight or length) are never looked up: they are quoted as they are.
One rate card (by default the national carrier ``PWY``) keeps the billable-weight rule single.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path

from backroom.fulfillment.packing.model import Parcel
from backroom.fulfillment.sourcing.model import Estimate, Rate
from backroom.fulfillment.sourcing.rated import pick
from backroom.shipping.rating.dimweight import measure
from backroom.shipping.rating.errors import NoServiceAvailable
from backroom.shipping.rating.loader import load_rate_book
from backroom.shipping.rating.model import MILLI, Address, Package, Quote, RateCard
from backroom.shipping.rating.services import quote_shipment

_PROBE_MM = 100  # a probe parcel's sides: its dimensional weight stays at the minimum
_NONE = 1 << 62
_NO_SERVICE = Estimate("", "", 0, None, False)  # remembered: no quote for these parcels


class RateTable:
    def __init__(self, origins: dict[int, Address], ready_at: datetime, *, carrier: str = "PWY",
                 rates_dir: str | Path | None = None) -> None:
        self.origins = origins
        self.ready_at = ready_at
        self.rates_dir = rates_dir
        self.carriers = (carrier,)
        self.card: RateCard = load_rate_book(rates_dir).select(self.carriers)[0]
        self.quotes: dict[tuple[int, Address, tuple[int, ...]], tuple[Quote, ...]] = {}
        self.picked: dict[tuple[tuple[int, Address, tuple[int, ...]], date | None],
                          Estimate] = {}
        self.direct = 0  # parcels quoted as they are
        self.limits = plain_limits(self.card)

    def rate(self, destination: Address, promise: date | None) -> Rate:
        """The ``Rate`` for one order's destination and promise."""

        def rate(warehouse_id: int, parcels: Sequence[Parcel]) -> Estimate | None:
            if warehouse_id not in self.origins or not parcels:
                return None
            weights = self._billable(parcels)
            if weights is None:
                self.direct += 1
                return pick(self._quote(warehouse_id, destination,
                                        [Package(*p) for p in parcels]), promise, len(parcels))
            key = (warehouse_id, destination, weights)
            picked = self.picked.get((key, promise))
            if picked is None:
                if key not in self.quotes:
                    self.quotes[key] = self._quote(warehouse_id, destination,
                                                   [_probe(self.card, w) for w in weights])
                picked = pick(self.quotes[key], promise, len(parcels)) or _NO_SERVICE
                self.picked[(key, promise)] = picked
            return None if picked is _NO_SERVICE else picked

        return rate

    def _billable(self, parcels: Sequence[Parcel]) -> tuple[int, ...] | None:
        return plain_billables(self.card, self.limits, parcels)

    def _quote(self, warehouse_id: int, destination: Address,
               packages: list[Package]) -> tuple[Quote, ...]:
        try:
            return quote_shipment(self.origins[warehouse_id], destination, packages,
                                  ready_at=self.ready_at, carriers=self.carriers,
                                  rates_dir=self.rates_dir).quotes
        except NoServiceAvailable:
            return ()


def _probe(card: RateCard, billable: int) -> Package:
    """A small parcel whose actual weight rounds up to exactly ``billable`` milli-units."""
    grams = Fraction(billable, MILLI) * card.units.grams_per_unit
    whole = int(grams)
    weight = whole if whole < grams else whole - 1
    return Package(_PROBE_MM, _PROBE_MM, _PROBE_MM, max(1, weight))


def plain_billables(card: RateCard, limits: tuple[int, int, int, int],
                    parcels: Sequence[Parcel]) -> tuple[int, ...] | None:
    """The parcels' billable weights on ``card`` (sorted), or None if one is not an ordinary
    parcel there (``limits``: the card's ``plain_limits``). Ordinary parcels with the same
    billable weights are priced alike by every service of the card."""
    measured = [measure(Package(*p), card.units, card.dim) for p in parcels]
    longest, second, girth, weight = limits
    if all(m.longest * MILLI <= longest and m.second * MILLI <= second
           and m.length_plus_girth * MILLI <= girth and 0 < m.billable <= weight
           for m in measured):
        return tuple(sorted(m.billable for m in measured))
    return None


def plain_limits(card: RateCard) -> tuple[int, int, int, int]:
    """The smallest (longest side, second side, length + girth, billable weight), in
    milli-units, at which any service of ``card`` adds a size- or weight-dependent surcharge or
    refuses the parcel."""
    longest = second = girth = weight = _NONE
    for service in card.services:
        rules, limits = service.surcharges, service.limits
        if rules.handling is not None:
            longest = _least(longest, rules.handling.longest_side)
            second = _least(second, rules.handling.second_side)
            weight = _least(weight, rules.handling.weight)
        if rules.oversize is not None:
            longest = _least(longest, rules.oversize.longest_side)
            girth = _least(girth, rules.oversize.length_plus_girth)
        longest = _least(longest, limits.max_length)
        girth = _least(girth, limits.max_girth)
        weight = _least(weight, limits.max_weight)
    return longest, second, girth, weight


def _least(current: int, limit: int | None) -> int:
    return current if limit is None else min(current, limit)


