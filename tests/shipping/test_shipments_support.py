"""Helpers for the shipment tests (no tests here): a warehouse, specs, a fixed clock, outbox
reads and an adapter that fails on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from backroom.core import clock
from backroom.core.clock import FixedClock
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.inventory.locations import WarehouseSpec, create_warehouse
from backroom.shipping import adapters
from backroom.shipping.adapters.base import (
    CarrierAdapter,
    CarrierError,
    LabelRef,
    Purchase,
    PurchaseRequest,
    RateQuote,
    RateRequest,
    TrackResult,
)
from backroom.shipping.model import Address, ContentLine, Package
from backroom.shipping.services import ShipmentSpec, create_shipment
from backroom.shipping.tables import SHIPMENTS, TRACKING_EVENTS

MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 09:00 in Chicago: before every cut-off


@contextmanager
def fixed_clock(start: datetime = MONDAY) -> Iterator[FixedClock]:
    fixed = FixedClock(start)
    previous = clock.set_clock(fixed)
    try:
        yield fixed
    finally:
        clock.set_clock(previous)


@contextmanager
def installed(provider: str, adapter: CarrierAdapter) -> Iterator[CarrierAdapter]:
    previous = adapters.install(provider, adapter)
    try:
        yield adapter
    finally:
        adapters.install(provider, previous)


def make_warehouse(uow: UnitOfWork, code: str = "WH1") -> None:
    create_warehouse(uow, WarehouseSpec(code=code, name="Main Warehouse", postal_code="07102",
                                        country="US", address_line1="1 Dock Rd", city="Newark",
                                        region="NJ"))


def jane() -> Address:
    return Address(name="Jane Doe", line1="5 Main St", line2="Apt 2", city="Chicago",
                   region="IL", postal_code="60601", country="US")


def spec(**changes: Any) -> ShipmentSpec:
    base = ShipmentSpec(reference="ORDER-1001", warehouse="WH1", ship_to=jane(),
                        packages=(Package(300, 200, 100, 1200),), carrier="PWY",
                        service="GROUND", promised_date=date(2026, 12, 4),
                        contents=(ContentLine("MUG-1", "Mug", 2),))
    return replace(base, **changes)


def new_shipment(uow: UnitOfWork, **changes: Any) -> int:
    return int(create_shipment(uow, spec(**changes))["id"])


def count(uow: UnitOfWork, table: Any = SHIPMENTS) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def scans(uow: UnitOfWork) -> int:
    return count(uow, TRACKING_EVENTS)


def events(uow: UnitOfWork, kind: str | None = None) -> list[dict[str, Any]]:
    with uow.read() as conn:
        stmt = select(OUTBOX.c.type, OUTBOX.c.payload).order_by(OUTBOX.c.id)
        if kind is not None:
            stmt = stmt.where(OUTBOX.c.type == kind)
        return [dict(r.payload, type=r.type) for r in conn.execute(stmt)]


@dataclass
class FlakyAdapter:
    """Wraps a real adapter: fails ``buy`` for some shipment ids, may hand out a fixed tracking
    number, and counts ``void`` calls."""

    inner: CarrierAdapter
    fail_ids: set[int] = field(default_factory=set)
    tracking_number: str | None = None
    voided: list[LabelRef] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.inner.name

    def rate(self, request: RateRequest) -> list[RateQuote]:
        return self.inner.rate(request)

    def buy(self, request: PurchaseRequest) -> Purchase:
        if request.shipment_id in self.fail_ids:
            raise CarrierError(f"carrier is down for shipment {request.shipment_id}")
        bought = self.inner.buy(request)
        if self.tracking_number is None:
            return bought
        return replace(bought, tracking_number=self.tracking_number,
                       package_tracking_numbers=(self.tracking_number,))

    def void(self, label: LabelRef) -> None:
        self.voided.append(label)
        self.inner.void(label)

    def track(self, label: LabelRef) -> TrackResult:
        return self.inner.track(label)
