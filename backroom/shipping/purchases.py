"""Shipments written and labels bought set-based: the one path behind ``create_shipment`` and
``buy_label`` (one shipment each) and behind shipping many fulfillment orders at once.

``insert_shipments`` stores rated drafts (their packages and ``shipment.created`` events) with
a few statements for any number of them. ``buy_drafts`` buys each draft's label from its
provider (one call each: a provider sells labels one by one) and stores every purchase with
a few statements; a purchase that cannot be stored (say its tracking number is already taken)
is retried alone, and if it still fails its label is voided at the provider again and that
draft gets the ``Conflict`` — the others keep their labels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, update
from sqlalchemy.exc import IntegrityError

from backroom.core import clock
from backroom.core.errors import BackroomError, Conflict
from backroom.core.events import DomainEvent, record
from backroom.core.money import from_minor
from backroom.core.settings import get_settings
from backroom.db.bulk import insert_ids, insert_rows
from backroom.db.prepared import Prepared
from backroom.shipping import queries
from backroom.shipping.adapters.base import (
    CarrierAdapter,
    LabelRef,
    Purchase,
    PurchaseRequest,
    RateQuote,
    RateRequest,
)
from backroom.shipping.model import (
    Address,
    DelayFacts,
    Package,
    ShipmentState,
    delay_reason,
    transition,
)
from backroom.shipping.queries import AnyRow
from backroom.shipping.tables import PACKAGES, SHIPMENTS
from backroom.shipping.tracking import flag_delay

log = logging.getLogger("backroom.shipping")
_S, _P = SHIPMENTS.c, PACKAGES.c
AdapterFor = Callable[[str], CarrierAdapter]


@dataclass(frozen=True, slots=True)
class Rated:
    """A validated shipment spec's parts with the quote chosen for it (not stored yet)."""

    reference: str
    warehouse: str  # its code
    warehouse_id: int
    origin: Address
    ship_to: Address
    packages: tuple[Package, ...]
    provider: str
    contents: tuple[dict[str, Any], ...]
    promised_date: date | None
    quote: RateQuote
    ready_at: datetime


@dataclass(frozen=True, slots=True)
class Draft:
    """A stored draft shipment: what buying its label needs, and what it shows."""

    id: int
    reference: str
    warehouse: str
    provider: str
    carrier: str
    service: str
    external_id: str | None
    rate: RateRequest  # ship_to is its destination, its packages the shipment's
    promised_date: date | None
    estimated_delivery: date | None
    contents: tuple[dict[str, Any], ...]
    created_at: datetime


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def address_values(addr: Address) -> dict[str, Any]:
    return {name: getattr(addr, name) for name in Address.__dataclass_fields__}


def insert_shipments(conn: Connection, rated: Sequence[Rated]) -> list[Draft]:
    """Store ``rated`` as draft shipments with their packages; the drafts, in order."""
    now = clock.now()
    ids = insert_ids(conn, SHIPMENTS, [{
        "reference": r.reference, "warehouse_id": r.warehouse_id, "provider": r.provider,
        "carrier": r.quote.carrier, "service": r.quote.service,
        "state": ShipmentState.DRAFT.value,
        **{f"ship_to_{k}": v for k, v in address_values(r.ship_to).items()},
        "contents": list(r.contents), "promised_date": r.promised_date,
        "estimated_delivery": r.quote.estimated_delivery, "currency": r.quote.currency,
        "external_id": r.quote.external_id, "created_at": now, "updated_at": now}
        for r in rated])
    insert_rows(conn, PACKAGES, [
        {"shipment_id": sid, "package_no": i, "length_mm": p.length_mm, "width_mm": p.width_mm,
         "height_mm": p.height_mm, "weight_g": p.weight_g}
        for sid, r in zip(ids, rated, strict=True) for i, p in enumerate(r.packages, start=1)])
    record(conn, [DomainEvent("shipment.created", {
        "shipment_id": sid, "reference": r.reference, "carrier": r.quote.carrier,
        "service": r.quote.service,
        "quoted_cost": str(from_minor(r.quote.amount_minor, r.quote.currency)),
        "currency": r.quote.currency, "estimated_delivery": iso(r.quote.estimated_delivery),
        "promised_date": iso(r.promised_date)}, f"shipment:{sid}")
        for sid, r in zip(ids, rated, strict=True)])
    return [Draft(sid, r.reference, r.warehouse, r.provider, r.quote.carrier, r.quote.service,
                  r.quote.external_id,
                  RateRequest(r.origin, r.ship_to, r.packages, r.ready_at,
                              carrier=r.quote.carrier, service=r.quote.service),
                  r.promised_date, r.quote.estimated_delivery, r.contents, now)
            for sid, r in zip(ids, rated, strict=True)]


def draft_of_row(conn: Connection, row: AnyRow, ready_at: datetime) -> Draft:
    code, origin = queries.load_origin_by_id(conn, row.warehouse_id)
    pkgs = tuple(Package(p["length_mm"], p["width_mm"], p["height_mm"], p["weight_g"])
                 for p in queries.packages(conn, row.id))
    rate = RateRequest(origin, queries.ship_to(row), pkgs, ready_at, carrier=row.carrier,
                       service=row.service)
    return Draft(row.id, row.reference, code, row.provider, row.carrier, row.service,
                 row.external_id, rate, row.promised_date, row.estimated_delivery,
                 tuple(row.contents or ()), row.created_at)


def buy_drafts(conn: Connection, drafts: Sequence[Draft],
               adapter_for: AdapterFor) -> list[dict[str, Any] | Exception]:
    """Buy and store the label of each draft (the rows are the caller's, locked or just
    inserted); per draft the shipment as ``get_shipment`` shows it, or the error (the draft
    is then unchanged). A provider's failure is that draft's error, never the others'."""
    transition(ShipmentState.DRAFT, ShipmentState.PURCHASED)
    purchases: dict[int, Purchase | Exception] = {}
    for d in drafts:
        try:
            purchases[d.id] = adapter_for(d.provider).buy(PurchaseRequest(
                shipment_id=d.id, reference=d.reference, carrier=d.carrier, service=d.service,
                rate=d.rate, external_id=d.external_id))
        except Exception as exc:  # one provider failure costs only its shipment
            purchases[d.id] = exc
    bought = [(d, p) for d in drafts if isinstance(p := purchases[d.id], Purchase)]
    now = clock.now()
    refused, flagged = _store_all(conn, bought, adapter_for, now)
    reread = queries.get_shipments(conn, sorted(flagged - set(refused)))
    out: list[dict[str, Any] | Exception] = []
    for d in drafts:
        got = purchases[d.id]
        out.append(got if isinstance(got, Exception)
                   else refused.get(d.id) or reread.get(d.id) or _shown(d, got, now))
    return out


def _shown(d: Draft, p: Purchase, now: datetime) -> dict[str, Any]:
    """The purchased shipment as ``get_shipment`` reads it (what ``_store`` wrote)."""
    row = {"id": d.id, "reference": d.reference, "warehouse": d.warehouse,
           "provider": d.provider, "carrier": d.carrier, "service": d.service,
           "state": ShipmentState.PURCHASED.value, "tracking_number": p.tracking_number,
           "promised_date": d.promised_date,
           "estimated_delivery": p.estimated_delivery or d.estimated_delivery,
           "cost_minor": p.cost_minor, "currency": p.currency,
           "external_id": p.external_id or d.external_id, "label_url": p.label_url,
           "manifest_id": None, "delay_reason": None, "delayed_at": None,
           "last_event_at": None, "created_at": d.created_at, "updated_at": now,
           "purchased_at": now, "voided_at": None, "delivered_at": None,
           "contents": list(d.contents),
           **{f"ship_to_{k}": v for k, v in address_values(d.rate.destination).items()}}
    numbers, billed = p.package_tracking_numbers, p.billed_weights_g
    boxes = [{"package_no": i, "length_mm": pkg.length_mm, "width_mm": pkg.width_mm,
              "height_mm": pkg.height_mm, "weight_g": pkg.weight_g,
              "billed_weight_g": billed[i - 1] if i <= len(numbers) and i <= len(billed)
              else None,
              "tracking_number": numbers[i - 1] if i <= len(numbers) else None}
             for i, pkg in enumerate(d.rate.packages, start=1)]
    return queries.detail(row, boxes, [])


def _store_all(conn: Connection, bought: list[tuple[Draft, Purchase]], adapter_for: AdapterFor,
               now: datetime) -> tuple[dict[int, Exception], set[int]]:
    """Store every purchase at once; if that fails, each alone. The refused ones (label voided
    at the provider again) by shipment id, and the ones checked for a delay."""
    if not bought:
        return {}, set()
    try:
        with conn.begin_nested():
            return {}, _store(conn, bought, now)
    except (IntegrityError, ValueError):
        if len(bought) == 1:
            return {bought[0][0].id: _refused(bought[0], adapter_for)}, set()
    refused: dict[int, Exception] = {}
    flagged: set[int] = set()
    for item in bought:
        try:
            with conn.begin_nested():
                flagged |= _store(conn, [item], now)
        except (IntegrityError, ValueError):
            refused[item[0].id] = _refused(item, adapter_for)
    return refused, flagged


def _refused(item: tuple[Draft, Purchase], adapter_for: AdapterFor) -> Exception:
    d, purchase = item
    label = LabelRef(d.carrier, purchase.tracking_number, purchase.external_id)
    try:
        adapter_for(d.provider).void(label)
    except BackroomError:
        log.warning("could not void label %s after a failed store", label.tracking_number)
    return Conflict(f"the label for shipment {d.id} could not be stored and was voided again",
                    data={"shipment_id": d.id})


_BOUGHT = Prepared(update(SHIPMENTS).where(_S.id == bindparam("b_id")).values(
    state=ShipmentState.PURCHASED.value, tracking_number=bindparam("b_tracking"),
    cost_minor=bindparam("b_cost"), currency=bindparam("b_currency"),
    external_id=bindparam("b_external"), label_url=bindparam("b_url"),
    estimated_delivery=bindparam("b_estimate"), purchased_at=bindparam("b_at"),
    updated_at=bindparam("b_at")))
_PACKAGE_BOUGHT = Prepared(update(PACKAGES).where(
    _P.shipment_id == bindparam("b_id"), _P.package_no == bindparam("b_no")).values(
    tracking_number=bindparam("b_tracking"), billed_weight_g=bindparam("b_billed")))


def _store(conn: Connection, bought: list[tuple[Draft, Purchase]], now: datetime) -> set[int]:
    """Write the purchases; the shipments whose delay flag was set or looked at."""
    _BOUGHT.executemany(conn, [{
        "b_id": d.id, "b_tracking": p.tracking_number, "b_cost": p.cost_minor,
        "b_currency": p.currency, "b_external": p.external_id or d.external_id,
        "b_url": p.label_url, "b_estimate": p.estimated_delivery or d.estimated_delivery,
        "b_at": now} for d, p in bought])
    packages = [{"b_id": d.id, "b_no": i, "b_tracking": number,
                 "b_billed": p.billed_weights_g[i - 1] if i <= len(p.billed_weights_g) else None}
                for d, p in bought for i, number in enumerate(p.package_tracking_numbers, 1)]
    if packages:
        _PACKAGE_BOUGHT.executemany(conn, packages)
    record(conn, [DomainEvent("shipment.label_purchased", {
        "shipment_id": d.id, "reference": d.reference, "carrier": d.carrier,
        "service": d.service, "tracking_number": p.tracking_number,
        "cost": str(from_minor(p.cost_minor, p.currency)), "cost_minor": p.cost_minor,
        "currency": p.currency}, f"shipment:{d.id}") for d, p in bought])
    stale_days = get_settings().stale_scan_business_days
    flagged = set()
    for d, p in bought:
        facts = DelayFacts(state=ShipmentState.PURCHASED, promised_date=d.promised_date,
                           estimated_delivery=p.estimated_delivery or d.estimated_delivery,
                           last_scan_at=None, delivered_on=None)
        if delay_reason(facts, now, stale_days) is not None:  # rare: flag it as ever
            flag_delay(conn, d.id, now, stale_days, include_stale=False)
            flagged.add(d.id)
    return flagged
