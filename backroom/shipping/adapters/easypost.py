"""EasyPost (a multi-carrier label API) through its official SDK.

One EasyPost Shipment per Backroom shipment and one parcel per shipment (EasyPost puts more
parcels in an Order; split a multi-parcel shipment into several shipments instead). The API key
comes from settings (``BACKROOM_EASYPOST_API_KEY``) and is never logged or put in an error.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import easypost
from easypost.errors import EasyPostError

from backroom.core.errors import ValidationFailed
from backroom.core.money import to_minor
from backroom.core.settings import get_settings
from backroom.shipping.adapters.base import (
    CarrierError,
    CarrierRejected,
    LabelRef,
    Purchase,
    PurchaseRequest,
    RateQuote,
    RateRequest,
    TrackingUpdate,
    TrackResult,
)
from backroom.shipping.model import Address, Package, TrackingStatus, add_business_days

MM_PER_INCH = Decimal("25.4")
G_PER_OUNCE = Decimal("28.349523125")

# EasyPost tracker statuses -> ours. "unknown" carries no news and is skipped.
STATUS_MAP = {
    "pre_transit": TrackingStatus.PRE_TRANSIT,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "available_for_pickup": TrackingStatus.OUT_FOR_DELIVERY,
    "delivered": TrackingStatus.DELIVERED,
    "return_to_sender": TrackingStatus.RETURNED,
    "failure": TrackingStatus.EXCEPTION,
    "error": TrackingStatus.EXCEPTION,
    "cancelled": TrackingStatus.EXCEPTION,
}
REFUND_ACCEPTED = frozenset({"submitted", "refunded"})


def address_params(addr: Address) -> dict[str, Any]:
    return {"name": addr.name, "company": addr.company, "street1": addr.line1,
            "street2": addr.line2, "city": addr.city, "state": addr.region,
            "zip": addr.postal_code, "country": addr.country, "phone": addr.phone,
            "email": addr.email, "residential": addr.residential}


def parcel_params(pkg: Package) -> dict[str, Any]:
    """Inches and ounces, rounded up to a tenth (never under-declare a parcel)."""

    def up(value: Decimal) -> float:
        return math.ceil(value * 10) / 10

    return {"length": up(pkg.length_mm / MM_PER_INCH), "width": up(pkg.width_mm / MM_PER_INCH),
            "height": up(pkg.height_mm / MM_PER_INCH), "weight": up(pkg.weight_g / G_PER_OUNCE)}


def _iso_datetime(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _money(text: Any, currency: str) -> int:
    try:
        return to_minor(Decimal(str(text)), currency, field="rate")
    except (InvalidOperation, ValidationFailed):
        raise CarrierError(f"EasyPost returned a rate that is not an amount: {text!r}") from None


def quote_from_rate(rate: dict[str, Any], ship_date: date) -> RateQuote:
    """An EasyPost Rate object as a quote; delivery date from the rate, else its days."""
    currency = str(rate.get("currency") or "USD").upper()
    delivery = _iso_datetime(rate.get("delivery_date"))
    days = rate.get("delivery_days") or rate.get("est_delivery_days")
    estimate = (delivery.date() if delivery else
                add_business_days(ship_date, int(days)) if isinstance(days, int) else None)
    return RateQuote(carrier=str(rate["carrier"]), service=str(rate["service"]),
                     amount_minor=_money(rate.get("rate"), currency), currency=currency,
                     estimated_delivery=estimate, external_id=rate.get("shipment_id"),
                     rate_id=rate.get("id"))


def _location(loc: dict[str, Any] | None) -> str:
    if not loc:
        return ""
    parts = [loc.get("city"), loc.get("state"), loc.get("zip"), loc.get("country")]
    return ", ".join(str(p) for p in parts if p)


def update_from_detail(detail: dict[str, Any]) -> TrackingUpdate | None:
    """One EasyPost TrackingDetail as an update; None for statuses that say nothing."""
    status = STATUS_MAP.get(str(detail.get("status", "")))
    occurred = _iso_datetime(detail.get("datetime"))
    if status is None or occurred is None:
        return None
    message = str(detail.get("message") or detail.get("description") or "")
    location = _location(detail.get("tracking_location"))
    raw = "|".join([occurred.isoformat(), str(detail.get("status")),
                    str(detail.get("status_detail") or ""), message, location])
    key = "ep-" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    return TrackingUpdate(status=status, occurred_at=occurred, dedupe_key=key,
                          location=location[:200], description=message[:500])


def result_from_tracker(tracker: dict[str, Any]) -> TrackResult:
    """An EasyPost Tracker object (from the API or a ``tracker.updated`` webhook)."""
    code = tracker.get("tracking_code")
    if not isinstance(code, str) or not code:
        raise ValidationFailed.single("tracking_code", code, "is missing from the tracker")
    updates = [u for u in (update_from_detail(d) for d in tracker.get("tracking_details") or [])
               if u is not None]
    estimate = _iso_datetime(tracker.get("est_delivery_date"))
    return TrackResult(tracking_number=code, events=tuple(updates),
                       estimated_delivery=estimate.date() if estimate else None)


class EasyPostAdapter:
    name = "easypost"

    def __init__(self, client: easypost.EasyPostClient) -> None:
        self._client = client

    def __repr__(self) -> str:  # never show the client (it holds the API key)
        return "EasyPostAdapter()"

    @classmethod
    def from_settings(cls) -> EasyPostAdapter:
        key = get_settings().easypost_api_key.get_secret_value()
        if not key:
            raise ValidationFailed.single("provider", "easypost", "is not configured: set "
                                          "BACKROOM_EASYPOST_API_KEY")
        return cls(easypost.EasyPostClient(key))

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            result = fn(*args, **kwargs)
        except EasyPostError as exc:
            status = getattr(exc, "http_status", None)
            cls = CarrierRejected if status in (400, 402, 404, 422) else CarrierError
            raise cls(f"EasyPost {what} failed: {exc.message}",
                      data={"provider": self.name, "http_status": status}) from None
        data: dict[str, Any] = result.to_dict() if hasattr(result, "to_dict") else result
        return data

    def _create(self, request: RateRequest, reference: str = "") -> dict[str, Any]:
        if len(request.packages) != 1:
            raise ValidationFailed.single(
                "packages", len(request.packages),
                "EasyPost shipments carry one package: split the parcels into shipments")
        return self._call("shipment create", self._client.shipment.create,
                          from_address=address_params(request.origin),
                          to_address=address_params(request.destination),
                          parcel=parcel_params(request.packages[0]), reference=reference)

    def rate(self, request: RateRequest) -> list[RateQuote]:
        shipment = self._create(request)
        quotes = [quote_from_rate(r, request.ready_at.date()) for r in shipment.get("rates") or []]
        return [q for q in quotes
                if (request.carrier is None or q.carrier.lower() == request.carrier.lower())
                and (request.service is None or q.service.lower() == request.service.lower())]

    def buy(self, request: PurchaseRequest) -> Purchase:
        if request.external_id:
            shipment = self._call("shipment retrieve", self._client.shipment.retrieve,
                                  request.external_id)
        else:
            shipment = self._create(request.rate, request.reference)
        rate = _pick_rate(shipment, request.carrier, request.service)
        bought = self._call("label purchase", self._client.shipment.buy, shipment["id"],
                            rate={"id": rate["id"]})
        selected = bought.get("selected_rate") or rate
        code = bought.get("tracking_code")
        if not code:
            raise CarrierError("EasyPost bought the label but returned no tracking code",
                               data={"provider": self.name, "external_id": shipment["id"]})
        currency = str(selected.get("currency") or "USD").upper()
        quote = quote_from_rate(selected, request.rate.ready_at.date())
        return Purchase(tracking_number=code, package_tracking_numbers=(code,),
                        cost_minor=_money(selected.get("rate"), currency), currency=currency,
                        external_id=bought.get("id") or shipment["id"],
                        label_url=(bought.get("postage_label") or {}).get("label_url"),
                        estimated_delivery=quote.estimated_delivery)

    def void(self, label: LabelRef) -> None:
        if not label.external_id:
            raise CarrierRejected("this label has no EasyPost shipment id to refund")
        refunded = self._call("refund", self._client.shipment.refund, label.external_id)
        status = refunded.get("refund_status")
        if status not in REFUND_ACCEPTED:
            raise CarrierRejected(f"EasyPost refused the refund (refund_status={status!r})",
                                  data={"provider": self.name, "refund_status": status})

    def track(self, label: LabelRef) -> TrackResult:
        tracker = self._call("tracker create", self._client.tracker.create,
                             tracking_code=label.tracking_number, carrier=label.carrier)
        return result_from_tracker(tracker)


def _pick_rate(shipment: dict[str, Any], carrier: str, service: str) -> dict[str, Any]:
    rates = shipment.get("rates") or []
    for rate in rates:
        if (str(rate.get("carrier", "")).lower() == carrier.lower()
                and str(rate.get("service", "")).lower() == service.lower()):
            return dict(rate)
    offered = ", ".join(f"{r.get('carrier')} {r.get('service')}" for r in rates) or "none"
    raise CarrierRejected(f"EasyPost offers no {carrier} {service} rate for this shipment "
                          f"(offered: {offered})", data={"carrier": carrier, "service": service})
