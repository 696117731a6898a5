"""The batch's shared rate quotes (``packing.ratecache``) price every parcel set exactly as a
fresh quote of the rate cards does, and identical proposals are made once per batch."""

from __future__ import annotations

import random
from collections.abc import Hashable
from datetime import UTC, date, datetime

import pytest

from backroom.fulfillment.packing import Box, CartonizeMemo, Item, cartonize, rated_ship_cost
from backroom.fulfillment.packing.costs import cheapest_quote
from backroom.fulfillment.packing.ratecache import RateCache
from backroom.fulfillment.sourcing.samples import CITIES, WAREHOUSES
from backroom.shipping.rating.dimweight import measure
from backroom.shipping.rating.loader import load_rate_book
from backroom.shipping.rating.model import Address, Package

READY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
USD = [c.code for c in load_rate_book(None).cards if c.currency == "USD"]
ORIGINS = [Address("US", postal, False, lat, lon) for _, postal, lat, lon, _ in WAREHOUSES]
TO = [Address("US", postal, True) for _, postal, *_ in CITIES]
# outer sizes of the default boxes, a long one and one too big for some services
SIZES = [(256, 186, 36), (386, 306, 66), (166, 126, 106), (316, 236, 166), (506, 406, 306),
         (656, 166, 166), (906, 156, 156), (1300, 700, 700)]


GRAMS = [0, 1, 453, 454, 455, 1200, 2267, 2268, 15_875, 15_876, 22_679, 22_680, 40_000]


def parcels(rng: random.Random) -> list[tuple[int, int, int, int]]:
    """1-5 parcels, weights often on either side of a pound or a threshold."""
    return [(*rng.choice(SIZES), rng.choice([*GRAMS, rng.randint(1, 40_000)]))
            for _ in range(rng.choice([1, 1, 2, 2, 3, 5]))]


@pytest.mark.parametrize("promise", [None, date(2026, 11, 25), date(2026, 12, 10)])
def test_cached_costs_equal_fresh_quotes_when_parcels_vary(promise: date | None) -> None:
    rng = random.Random(7)
    cache = RateCache(USD, ready_at=READY)
    checked = seen = 0
    for _ in range(400):
        origin, destination = rng.choice(ORIGINS), rng.choice(TO[:8])
        cost, _ = cache.ship_cost(origin, destination, promise)
        batch = parcels(rng)
        fresh = cheapest_quote(origin, destination, batch, promise=promise, ready_at=READY,
                               carriers=USD)
        assert cost(batch) == fresh, (origin, destination, batch)
        checked += fresh is not None
        seen += len(batch)
    assert checked > 300 and cache.quotes < seen / 2  # each parcel's billing quoted once


def test_billed_key_is_what_each_card_measures_when_weights_vary() -> None:
    cache = RateCache(USD, ready_at=READY)
    cards = load_rate_book(None).select(USD)
    rng = random.Random(3)
    for _ in range(300):
        size, grams = rng.choice(SIZES), rng.randint(0, 80_000)
        sides, weighed = cache._billed_key((*size, grams))
        for card, part, weight in zip(cards, sides, weighed, strict=True):
            m = measure(Package(*size, max(1, grams)), card.units, card.dim)
            thresholds = sorted({s.limits.max_weight for s in card.services
                                 if s.limits.max_weight is not None}
                                | {s.surcharges.handling.weight for s in card.services
                                   if s.surcharges.handling and s.surcharges.handling.weight})
            assert part == (m.sides, m.dim)
            assert weight == (m.actual, tuple(m.actual_over(t) for t in thresholds))


def test_routes_share_prices_when_cards_put_them_in_the_same_zones() -> None:
    cache = RateCache(USD, ready_at=READY)
    keys = {cache.rating_key(ORIGINS[0], d, None) for d in TO}
    assert 1 < len(keys) < len(TO)  # several cities, fewer zones
    assert cache.rating_key(ORIGINS[0], TO[0], None) != cache.rating_key(
        ORIGINS[0], TO[0], date(2026, 12, 1))
    bad, _ = cache.ship_cost(ORIGINS[0], Address("US", "ABC", True), None)
    assert bad([(300, 200, 100, 500)]) is None  # a postal code the cards cannot place


def test_cartonize_proposes_the_same_when_prices_come_from_the_cache() -> None:
    boxes = [Box("S", 230, 170, 120, 10_000, 60, (236, 176, 126), 130),
             Box("M", 310, 230, 160, 15_000, 85, (316, 236, 166), 220),
             Box("L", 400, 300, 220, 20_000, 120, (406, 306, 226), 350)]
    rng = random.Random(11)
    cache = RateCache(USD, ready_at=READY)
    memos: dict[Hashable, CartonizeMemo] = {}  # carried over between orders priced alike
    for _ in range(40):
        skus = [Item(f"K{i}", rng.randint(40, 300), rng.randint(40, 220), rng.randint(20, 150),
                     rng.randint(50, 4000)) for i in range(3)]
        items = [rng.choice(skus) for _ in range(rng.randint(1, 5))]
        origin, destination = rng.choice(ORIGINS), rng.choice(TO)
        fresh = rated_ship_cost(origin, destination, ready_at=READY, carriers=USD)
        cached, key = cache.ship_cost(origin, destination, None)
        memo = memos.setdefault(key, CartonizeMemo())
        assert cartonize(items, boxes, ship_cost=cached, memo=memo) == cartonize(
            items, boxes, ship_cost=fresh)
    assert len(memos) < 40
