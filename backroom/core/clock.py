"""One injectable clock, so tests and simulations control time. Always timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


_clock: Clock = SystemClock()


def now() -> datetime:
    """The current time from the installed clock."""
    return _clock.now()


def set_clock(clock: Clock) -> Clock:
    """Install ``clock``; returns the previous one so callers can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous
