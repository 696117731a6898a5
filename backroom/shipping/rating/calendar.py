"""Pickup and delivery dates: cut-off in the carrier's time zone, business days, holidays.

- **Ship date**: the moment the parcel is ready, in the carrier's time zone. If that day is a
  pickup day (not a carrier holiday) and the time is before the cut-off, it ships that day;
  otherwise on the next pickup day.
- **Delivery date**: transit days are counted in the carrier's *business days* — its delivery
  days that are not carrier holidays. ``n`` transit days means the ``n``-th business day after
  the ship date; ``0`` (same day) means the ship date itself if it is a business day, else the
  next one. So a delivery date is never a non-delivery day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache

from backroom.shipping.rating.model import Calendar

_ONE_DAY = timedelta(days=1)
_HORIZON_DAYS = 400  # a card with no usable day in a year is rejected at load


class NoUsableDay(ValueError):
    """The calendar has no pickup or delivery day within the horizon."""


def ship_date(calendar: Calendar, ready_at: datetime) -> date:
    """The day the carrier picks up a parcel that is ready at ``ready_at`` (timezone-aware)."""
    return ship_date_local(calendar, ready_at.astimezone(calendar.tz))


def ship_date_local(calendar: Calendar, local: datetime) -> date:
    """``ship_date`` for a moment already converted to the calendar's time zone."""
    return _ship_date(calendar, local.date(), local.time() < calendar.cutoff)


@lru_cache(maxsize=65_536)
def _ship_date(calendar: Calendar, day: date, before_cutoff: bool) -> date:
    if before_cutoff and calendar.is_pickup_day(day):
        return day
    return next_day(day, calendar.is_pickup_day)


@lru_cache(maxsize=65_536)
def delivery_date(calendar: Calendar, shipped: date, transit_days: int) -> date:
    """The estimated delivery date ``transit_days`` business days after ``shipped``."""
    if transit_days <= 0:
        if calendar.is_delivery_day(shipped):
            return shipped
        return next_day(shipped, calendar.is_delivery_day)
    day = shipped
    for _ in range(transit_days):
        day = next_day(day, calendar.is_delivery_day)
    return day


def next_day(after: date, usable: Callable[[date], bool]) -> date:
    """The first day after ``after`` for which ``usable(day)`` is true."""
    day = after
    for _ in range(_HORIZON_DAYS):
        day += _ONE_DAY
        if usable(day):
            return day
    raise NoUsableDay(f"no usable day within {_HORIZON_DAYS} days after {after}")

