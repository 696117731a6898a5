"""The carrier adapter interface: rate, buy a label, void it, track it.

An adapter speaks to one label provider (the built-in rate cards, EasyPost …) in plain values;
it never touches the database. Services call it and persist what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from backroom.core.errors import BackroomError
from backroom.shipping.model import Address, Package, TrackingStatus


class CarrierError(BackroomError):
    """The provider refused or failed a request (bad address, no such rate, API down …)."""

    code = "carrier_error"
    status = 502
    title = "Carrier request failed"


class CarrierRejected(CarrierError):
    """The provider understood the request and said no (e.g. a refund refused)."""

    code = "carrier_rejected"
    status = 409
    title = "Carrier refused"


@dataclass(frozen=True, slots=True)
class RateRequest:
    origin: Address
    destination: Address
    packages: tuple[Package, ...]
    ready_at: datetime  # when the parcels are ready for pickup (timezone-aware)
    carrier: str | None = None  # only this carrier's services
    service: str | None = None  # only this service


@dataclass(frozen=True, slots=True)
class RateQuote:
    carrier: str
    service: str
    amount_minor: int
    currency: str
    estimated_delivery: date | None
    billed_weights_g: tuple[int, ...] = ()
    external_id: str | None = None  # the provider's shipment id the rate belongs to
    rate_id: str | None = None  # the provider's id of this rate


@dataclass(frozen=True, slots=True)
class PurchaseRequest:
    shipment_id: int
    reference: str
    carrier: str
    service: str
    rate: RateRequest
    external_id: str | None = None  # set if rating already created it at the provider


@dataclass(frozen=True, slots=True)
class Purchase:
    tracking_number: str
    package_tracking_numbers: tuple[str, ...]
    cost_minor: int
    currency: str
    external_id: str | None = None
    label_url: str | None = None
    billed_weights_g: tuple[int, ...] = ()
    estimated_delivery: date | None = None


@dataclass(frozen=True, slots=True)
class LabelRef:
    """What a provider needs to void or track a bought label."""

    carrier: str
    tracking_number: str
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    status: TrackingStatus
    occurred_at: datetime
    dedupe_key: str
    location: str = ""
    description: str = ""
    estimated_delivery: date | None = None


@dataclass(frozen=True, slots=True)
class TrackResult:
    tracking_number: str
    events: tuple[TrackingUpdate, ...] = field(default_factory=tuple)
    estimated_delivery: date | None = None


class CarrierAdapter(Protocol):
    """One label provider. ``name`` is stored on the shipment as its ``provider``."""

    name: str

    def rate(self, request: RateRequest) -> list[RateQuote]: ...

    def buy(self, request: PurchaseRequest) -> Purchase: ...

    def void(self, label: LabelRef) -> None: ...

    def track(self, label: LabelRef) -> TrackResult: ...
