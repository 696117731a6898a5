"""Properties of rating over the shipped sample cards (Hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from backroom.shipping.rating.address import checked_shipment
from backroom.shipping.rating.errors import NoServiceAvailable
from backroom.shipping.rating.loader import BUNDLED_RATES, read_rate_dir
from backroom.shipping.rating.model import Address, Package, Quote
from backroom.shipping.rating.quote import quote_all

BOOK = read_rate_dir(BUNDLED_RATES)
CARDS = {c.code: c for c in BOOK.cards}
SF = Address("US", "94107", False, 37.7621, -122.3971)
BERLIN = Address("DE", "10115")
READY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

routes = st.sampled_from([
    (SF, Address("US", "94110", True)), (SF, Address("US", "10001")),
    (SF, Address("US", "99501", True)), (BERLIN, Address("DE", "25980")),
    (BERLIN, Address("FR", "75001")), (BERLIN, Address("CY", "1010")),
])
sides = st.integers(min_value=1, max_value=1_200)
weights = st.integers(min_value=1, max_value=70_000)


def quoted(origin: Address, dest: Address, package: Package,
           ready: datetime = READY) -> dict[str, Quote]:
    try:
        found = quote_all(BOOK.cards, checked_shipment(origin, dest, [package], ready))
    except NoServiceAvailable:
        return {}
    return {f"{q.carrier}/{q.service}": q for q in found.quotes}


@settings(max_examples=150, deadline=None)
@given(routes, sides, sides, sides, weights, weights)
def test_price_never_falls_when_only_weight_grows(route: tuple[Address, Address], a: int,
                                                  b: int, c: int, w1: int, w2: int) -> None:
    light, heavy = sorted((w1, w2))
    origin, dest = route
    cheap = quoted(origin, dest, Package(a, b, c, light))
    dear = quoted(origin, dest, Package(a, b, c, heavy))
    for key, quote in dear.items():
        if key in cheap:  # a heavier parcel may lose a service, never get a cheaper one
            assert cheap[key].zone == quote.zone
            assert cheap[key].total <= quote.total, key


@settings(max_examples=150, deadline=None)
@given(routes, sides, sides, sides, weights)
def test_billable_weight_is_never_below_actual_weight_when_quoted(
        route: tuple[Address, Address], a: int, b: int, c: int, grams: int) -> None:
    origin, dest = route
    for quote in quoted(origin, dest, Package(a, b, c, grams)).values():
        units = CARDS[quote.carrier].units
        billable_g = Fraction(quote.billable_weight, 1000) * units.grams_per_unit
        assert billable_g >= grams
        assert quote.packages[0].billable_weight >= quote.packages[0].actual_weight


@settings(max_examples=200, deadline=None)
@given(routes, st.integers(min_value=0, max_value=2 * 365 * 24 * 4))
def test_delivery_is_never_a_non_delivery_day_when_ready_at_any_time(
        route: tuple[Address, Address], quarter_hours: int) -> None:
    ready = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * quarter_hours)
    origin, dest = route
    for quote in quoted(origin, dest, Package(300, 200, 100, 1_000), ready).values():
        service = next(s for s in CARDS[quote.carrier].services if s.code == quote.service)
        calendar = service.calendar
        assert calendar.is_delivery_day(quote.delivery_date), quote
        assert calendar.is_pickup_day(quote.ship_date), quote
        assert quote.ship_date >= ready.astimezone(calendar.tz).date()
        assert quote.delivery_date >= quote.ship_date
