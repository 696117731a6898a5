"""``QuoteCache``: the estimates of quoting every shipment afresh, with far fewer quotes."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

import pytest

from backroom.core.errors import ValidationFailed
from backroom.fulfillment.packing.model import Parcel
from backroom.fulfillment.sourcing.model import Estimate
from backroom.fulfillment.sourcing.quotecache import QuoteCache
from backroom.fulfillment.sourcing.rated import pick
from backroom.fulfillment.sourcing.samples import READY_AT, make_shop
from backroom.shipping.rating.errors import NoServiceAvailable
from backroom.shipping.rating.model import Address, Package
from backroom.shipping.rating.services import quote_shipment

SHOP = make_shop()
# Cities near and far, remote areas (Alaska, Hawaii), Manhattan for the local courier.
POSTAL = ("10001", "10013", "07302", "75201", "94103", "99501", "96813", "59101", "60601")


def _fresh(warehouse: int, destination: Address, parcels: Sequence[Parcel],
           promise: date | None) -> Estimate | None:
    """Every carrier quoted for exactly these parcels, the service picked as sourcing does."""
    try:
        quotes = quote_shipment(SHOP.origins[warehouse], destination,
                                [Package(*p) for p in parcels], ready_at=READY_AT).quotes
    except NoServiceAvailable:
        return None
    return pick([q for q in quotes if q.currency == "USD"], promise, len(parcels))


def test_cache_estimates_like_quoting_each_shipment_when_shipments_repeat_and_vary() -> None:
    cache = QuoteCache(SHOP.origins, currency="USD", ready_at=READY_AT)
    rng = random.Random(7)
    for n in range(300):
        destination = Address("US", rng.choice(POSTAL), rng.random() < 0.5)
        promise = rng.choice([None, date(2026, 11, 11), date(2026, 11, 13)])
        big = rng.random() < 0.2  # size or weight surcharges, or beyond a service's limits
        parcels = [(rng.randrange(100, 1400 if big else 450),
                    rng.randrange(80, 700 if big else 350), rng.randrange(30, 500 if big else 250),
                    rng.randrange(100, 40_000 if big else 9_000))] * rng.choice((1, 1, 2))
        warehouse = 1 + n % 3
        expected = _fresh(warehouse, destination, parcels, promise)
        assert cache.rate(destination, promise)(warehouse, parcels) == expected, (n, parcels)
    # Another box of the same billable weight to another address of the same zone: no quote.
    rate = cache.rate(Address("US", "10002", False), None)
    first = rate(1, [(300, 200, 150, 1_010)])
    quoted = cache.quoted
    assert rate(1, [(300, 200, 140, 1_020)]) == first and cache.quoted == quoted
    assert cache.rate(Address("US", "10003", False), None)(1, [(300, 200, 150, 1_000)]) == first
    assert cache.quoted == quoted


def test_unreadable_ship_to_is_refused_like_quoting_when_the_postal_code_is_wrong() -> None:
    cache = QuoteCache(SHOP.origins, currency="USD", ready_at=READY_AT)
    wrong = Address("US", "ABCDE", True)
    with pytest.raises(ValidationFailed, match="postal"):
        cache.rate(wrong, None)(1, [(200, 150, 100, 700)])
    assert cache.rate(Address("US", "10001", True), None)(99, [(200, 150, 100, 700)]) is None
