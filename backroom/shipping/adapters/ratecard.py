"""The built-in carrier: prices from the merchant's rate cards, tracking numbers made here.

Rating is the rating package's ``quote_all``; buying re-quotes the chosen service so the cost is
what the card says today. A tracking number is the carrier's two-letter prefix, 16 digits
(shipment id and package number) and a mod-10 check digit: deterministic and unique. There is
no carrier API behind it, so voiding always succeeds and scans arrive by webhook or CSV.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import lru_cache

from backroom.shipping.adapters.base import (
    CarrierRejected,
    LabelRef,
    Purchase,
    PurchaseRequest,
    RateQuote,
    RateRequest,
    TrackResult,
)
from backroom.shipping.model import Address, tracking_number
from backroom.shipping.rating import model as rating
from backroom.shipping.rating.quote import Shipment as RatingShipment
from backroom.shipping.rating.quote import quote_all

CardSource = Callable[[], Sequence[rating.RateCard]]
_GRAMS_PER = {"lb": Fraction(45_359_237, 100_000), "kg": Fraction(1000)}


def tracking_prefix(carrier: str) -> str:
    """Two upper-case letters/digits from the carrier code ('parcelway' -> 'PA')."""
    letters = re.sub(r"[^A-Z0-9]", "", carrier.upper())
    return (letters + "XX")[:2]


@lru_cache(maxsize=4096)
def _grams(milli: int, unit: str) -> int:
    return math.ceil(Fraction(milli, rating.MILLI) * _GRAMS_PER[unit])


def _address(a: Address) -> rating.Address:
    return rating.Address(country=a.country, postal_code=a.postal_code, residential=a.residential)


def _to_rating(request: RateRequest) -> RatingShipment:
    packages = tuple(rating.Package(p.length_mm, p.width_mm, p.height_mm, p.weight_g)
                     for p in request.packages)
    return RatingShipment(origin=_address(request.origin), destination=_address(request.destination),
                          packages=packages, ready_at=request.ready_at)


def quote_of(q: rating.Quote) -> RateQuote:
    return RateQuote(carrier=q.carrier, service=q.service, amount_minor=q.total,
                     currency=q.currency, estimated_delivery=q.delivery_date,
                     billed_weights_g=tuple(_grams(p.billable_weight, q.weight_unit)
                                            for p in q.packages))


class RateCardAdapter:
    name = "ratecard"

    def __init__(self, cards: CardSource, *, remember: bool = False) -> None:
        self._cards = cards
        # (shipment as rated, carrier or None) -> its quotes; see ``memoized``
        self._memo: dict[tuple[RatingShipment, str | None], tuple[RateQuote, ...]] | None = (
            {} if remember else None)

    def memoized(self) -> RateCardAdapter:
        """A copy that quotes each distinct (shipment as the cards see it, carrier) once: for
        one batch, where many shipments share a destination's postal code, parcels and ready
        time, and buying a label re-quotes the service rating chose. The quotes are exactly
        the ones the plain adapter would give (the cards are pure functions of the input)."""
        cards = tuple(self._cards())
        return RateCardAdapter(lambda: cards, remember=True)

    def _quotes(self, carrier: str | None, shipment: RatingShipment) -> tuple[RateQuote, ...]:
        """Every service's quote (of ``carrier``'s cards only, if given), cheapest first."""
        if self._memo is None:
            return tuple(quote_of(q) for q in quote_all(self._select(carrier), shipment).quotes)
        key = (shipment, carrier.lower() if carrier is not None else None)
        found = self._memo.get(key)
        if found is None and carrier is not None:
            # A card is quoted on its own, so its quotes are its share of every card's.
            every = self._memo.get((shipment, None), ())
            found = tuple(q for q in every if q.carrier.lower() == key[1]) or None
        if found is None:
            found = tuple(quote_of(q)
                          for q in quote_all(self._select(carrier), shipment).quotes)
        self._memo[key] = found
        return found

    def _select(self, carrier: str | None) -> list[rating.RateCard]:
        cards = list(self._cards())
        if carrier is None:
            return cards
        chosen = [c for c in cards if c.code.lower() == carrier.lower()]
        if not chosen:
            known = ", ".join(sorted(c.code for c in cards)) or "none loaded"
            raise CarrierRejected(f"no rate card for carrier {carrier!r} (known: {known})",
                                  data={"carrier": carrier})
        return chosen

    def rate(self, request: RateRequest) -> list[RateQuote]:
        """Every service's quote (raises ``NoServiceAvailable`` when none can carry it)."""
        quotes = self._quotes(request.carrier, _to_rating(request))
        return [q for q in quotes
                if request.service is None or q.service.lower() == request.service.lower()]

    def buy(self, request: PurchaseRequest) -> Purchase:
        rate_request = request.rate
        quotes = self.rate(RateRequest(rate_request.origin, rate_request.destination,
                                       rate_request.packages, rate_request.ready_at,
                                       carrier=request.carrier, service=request.service))
        if not quotes:
            raise CarrierRejected(f"{request.carrier} {request.service} cannot carry this "
                                  "shipment (the service is unknown or excluded for it)",
                                  data={"carrier": request.carrier, "service": request.service})
        quote = quotes[0]
        prefix = tracking_prefix(request.carrier)
        numbers = tuple(tracking_number(prefix, request.shipment_id, i)
                        for i in range(1, len(rate_request.packages) + 1))
        return Purchase(tracking_number=numbers[0], package_tracking_numbers=numbers,
                        cost_minor=quote.amount_minor, currency=quote.currency,
                        billed_weights_g=quote.billed_weights_g,
                        estimated_delivery=quote.estimated_delivery)

    def void(self, label: LabelRef) -> None:
        return None  # nothing was charged anywhere but here

    def track(self, label: LabelRef) -> TrackResult:
        return TrackResult(tracking_number=label.tracking_number)
