"""Estimated delivery dates: cut-off in the carrier's time zone, weekends, carrier holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from backroom.shipping.rating.address import checked_shipment
from backroom.shipping.rating.calendar import delivery_date, ship_date
from backroom.shipping.rating.loader import RateBook
from backroom.shipping.rating.model import Address, Calendar, Quote
from backroom.shipping.rating.quote import quote_all
from tests.shipping.ratingkit import NYC, SMALL, load

NEW_YORK = ZoneInfo("America/New_York")
ZONE_1, ZONE_2 = Address("US", "10001"), Address("US", "20001")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RateBook:
    return load(tmp_path_factory.mktemp("rates"))


def quote(book: RateBook, dest: Address, ready_local: datetime, service: str) -> Quote:
    ready = ready_local.replace(tzinfo=NEW_YORK)
    found = quote_all(book.cards, checked_shipment(NYC, dest, [SMALL], ready))
    return next(q for q in found.quotes if q.service == service)


def test_ships_same_day_when_ready_before_cutoff_in_carrier_time_zone(book: RateBook) -> None:
    # 16:59 in New York is 21:59 UTC: already past 17:00 in UTC, still before the cut-off.
    q = quote(book, ZONE_1, datetime(2026, 12, 1, 16, 59), "GROUND")
    assert (q.ship_date, q.delivery_date) == (date(2026, 12, 1), date(2026, 12, 2))


def test_ships_next_day_when_ready_at_cutoff(book: RateBook) -> None:
    q = quote(book, ZONE_1, datetime(2026, 12, 1, 17, 0), "GROUND")
    assert (q.ship_date, q.delivery_date) == (date(2026, 12, 2), date(2026, 12, 3))


def test_skips_weekend_when_ready_friday_evening(book: RateBook) -> None:
    q = quote(book, ZONE_2, datetime(2026, 12, 4, 18, 0), "GROUND")
    assert (q.ship_date, q.delivery_date) == (date(2026, 12, 7), date(2026, 12, 9))


def test_skips_carrier_holiday_when_transit_spans_christmas(book: RateBook) -> None:
    q = quote(book, ZONE_2, datetime(2026, 12, 23, 10, 0), "GROUND")
    assert (q.ship_date, q.delivery_date) == (date(2026, 12, 23), date(2026, 12, 28))


def test_ships_after_holiday_when_ready_on_it(book: RateBook) -> None:
    q = quote(book, ZONE_1, datetime(2026, 12, 25, 9, 0), "GROUND")
    assert (q.ship_date, q.delivery_date) == (date(2026, 12, 28), date(2026, 12, 29))


def test_delivers_saturday_when_service_delivers_saturdays(book: RateBook) -> None:
    q = quote(book, ZONE_1, datetime(2026, 12, 4, 14, 0), "EXPRESS")
    assert (q.ship_date, q.delivery_date) == (date(2026, 12, 4), date(2026, 12, 5))


def test_uses_service_cutoff_when_it_overrides_carrier_cutoff(book: RateBook) -> None:
    q = quote(book, ZONE_1, datetime(2026, 12, 4, 15, 0), "EXPRESS")
    assert (q.ship_date, q.delivery_date) == (date(2026, 12, 7), date(2026, 12, 8))


def test_same_day_moves_to_next_business_day_when_shipped_on_non_delivery_day() -> None:
    cal = Calendar(ZoneInfo("UTC"), time(12, 0), frozenset(range(6)), frozenset(range(5)),
                   frozenset({date(2026, 12, 7)}))
    saturday = date(2026, 12, 5)
    assert delivery_date(cal, saturday, 0) == date(2026, 12, 8)  # Mon 7th is a holiday
    assert ship_date(cal, datetime(2026, 12, 5, 11, 0, tzinfo=UTC)) == saturday
    assert ship_date(cal, datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) == date(2026, 12, 8)
