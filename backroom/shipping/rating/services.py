"""Rating use cases that fulfillment, the API and the CLI call.

Quoting changes nothing: it reads the cached rate cards (see ``loader``) and, when asked for a
warehouse, that warehouse's address. Prices are in the carrier's currency, in minor units.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from backroom.core import clock
from backroom.core.errors import NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.shipping.rating.address import checked_shipment
from backroom.shipping.rating.loader import load_rate_book
from backroom.shipping.rating.model import Address, Choice, Package, QuoteSet, RateCard
from backroom.shipping.rating.quote import choose, quote_all


def quote_shipment(origin: Address, destination: Address, packages: Sequence[Package], *,
                   promise: date | None = None, ready_at: datetime | None = None,
                   carriers: Sequence[str] | None = None,
                   rates_dir: str | Path | None = None) -> QuoteSet:
    """Every service's price (with its breakdown) and estimated delivery date.

    ``origin`` is the shipping warehouse's address (``warehouse_address``); ``ready_at`` is when
    the parcels are ready for pickup (default: now); ``carriers`` limits the carrier codes.
    Raises ``ValidationFailed`` naming each bad field, ``NoServiceAvailable`` when no service
    can carry the shipment (each service's reason in ``problems``), ``RateCardInvalid`` when the
    rate-card files do not load.
    """
    shipment = checked_shipment(origin, destination, packages,
                                ready_at if ready_at is not None else clock.now(), promise)
    cards = load_rate_book(rates_dir).select(carriers)
    return quote_all(cards, shipment)


def choose_service(origin: Address, destination: Address, packages: Sequence[Package], *,
                   promise: date | None = None, ready_at: datetime | None = None,
                   carriers: Sequence[str] | None = None,
                   rates_dir: str | Path | None = None) -> Choice:
    """Rate shopping: the cheapest service delivering by ``promise`` (the cheapest of all when
    there is no promise). ``Choice.chosen`` is None when none meets the promise, and
    ``Choice.fastest`` names the earliest delivery; ``Choice.message`` says so in words.
    (To show every quote as well, call ``quote_shipment`` and then ``choose`` on its result.)"""
    quotes = quote_shipment(origin, destination, packages, promise=promise, ready_at=ready_at,
                            carriers=carriers, rates_dir=rates_dir)
    return choose(quotes, promise)


def carriers(rates_dir: str | Path | None = None) -> tuple[RateCard, ...]:
    """The loaded carriers and their services."""
    return load_rate_book(rates_dir).cards


def warehouse_address(uow: UnitOfWork, code: str) -> Address:
    """The ship-from address of the warehouse with ``code`` (its postal code, country and
    coordinates)."""
    from backroom.inventory.tables import WAREHOUSES

    w = WAREHOUSES.c
    with uow.read() as conn:
        row = conn.execute(select(w.postal_code, w.country, w.latitude, w.longitude)
                           .where(w.code == code)).first()
    if row is None:
        raise NotFound(f"no warehouse {code!r}", data={"warehouse": code})
    if not row.postal_code or not row.country:
        raise ValidationFailed.single("origin_warehouse", code,
                                      "the warehouse has no postal code and country to ship from")
    return Address(row.country, row.postal_code, False, row.latitude, row.longitude)
