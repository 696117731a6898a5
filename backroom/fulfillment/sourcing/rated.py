"""Pricing a warehouse's shipment with the shipping area's rate cards (a sourcing ``Rate``).

Every service of every loaded carrier is quoted (``quote_shipment``, once per distinct shipment
through ``QuoteCache``) for the estimated parcels; quotes in another currency than the plan's
are left out. The pick is the cheapest service that delivers by the promise; when none does,
the fastest (then the cheapest of those) — the shipment then counts as late and the plan says
so. Without a promise, the cheapest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from backroom.core import clock
from backroom.core.errors import ProblemCollector
from backroom.fulfillment.sourcing.model import Estimate, Rate
from backroom.shipping.rating.address import check_address
from backroom.shipping.rating.model import Address, Quote


def pick(quotes: Sequence[Quote], promise: date | None, parcels: int = 1) -> Estimate | None:
    """The service sourcing plans with, as an ``Estimate`` (None when there is no quote)."""
    if not quotes:
        return None
    meeting = [q for q in quotes if q.meets(promise)]
    if meeting:
        q = min(meeting, key=lambda q: (q.total, q.delivery_date, q.carrier, q.service))
    else:
        q = min(quotes, key=lambda q: (q.delivery_date, q.total, q.carrier, q.service))
    return Estimate(q.carrier, q.service, q.total, q.delivery_date, q.meets(promise), parcels)


def checked_destination(destination: Address) -> Address:
    """The ship-to as rating reads it; ``ValidationFailed`` naming what is wrong."""
    problems = ProblemCollector()
    checked = check_address(destination, "ship_to", problems)
    problems.raise_if_any()
    return checked


def rate_card_rate(origins: Mapping[int, Address], destination: Address, *,
                   currency: str, promise: date | None = None,
                   ready_at: datetime | None = None, carriers: Sequence[str] | None = None,
                   rates_dir: str | Path | None = None) -> Rate:
    """A ``Rate`` quoting from each warehouse's address (``origins`` by warehouse id) to
    ``destination``. A warehouse missing from ``origins`` cannot ship (None)."""
    from backroom.fulfillment.sourcing.quotecache import QuoteCache

    cache = QuoteCache(origins, currency=currency, ready_at=ready_at or clock.now(),
                       carriers=carriers, rates_dir=rates_dir)
    return cache.rate(destination, promise)
