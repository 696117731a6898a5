"""Shipping storage: shipments, their packages, tracking events and end-of-day manifests.

Labels are not stored: they are rendered again, byte for byte the same, from the shipment row
(whose label fields never change after purchase). Money is integer minor units with a currency.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backroom.db.base import Base, BigId, UTCDateTime, table_of

_STATES = ("'draft', 'purchased', 'pre_transit', 'in_transit', 'out_for_delivery', "
           "'delivered', 'exception', 'returned', 'voided'")
_STATUSES = ("'pre_transit', 'in_transit', 'out_for_delivery', 'delivered', 'exception', "
             "'returned'")


class Manifest(Base):
    """An end-of-day hand-over list of one carrier's shipments from one warehouse."""

    __tablename__ = "shipping_manifests"
    __table_args__ = (
        CheckConstraint("shipment_count > 0 AND package_count >= shipment_count",
                        name="counts_positive"),
        CheckConstraint("total_weight_g > 0", name="weight_positive"),
        Index("ix_shipping_manifests_day", "carrier", "warehouse_id", "ship_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(String(32))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    ship_date: Mapped[date] = mapped_column(Date)
    shipment_count: Mapped[int] = mapped_column(Integer)
    package_count: Mapped[int] = mapped_column(Integer)
    total_weight_g: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("carrier", "tracking_number"),
        CheckConstraint(f"state IN ({_STATES})", name="state_known"),
        CheckConstraint("provider IN ('ratecard', 'easypost')", name="provider_known"),
        CheckConstraint("state <> 'draft' OR (tracking_number IS NULL AND cost_minor IS NULL "
                        "AND purchased_at IS NULL)", name="draft_has_no_label"),
        CheckConstraint("state IN ('draft', 'voided') OR (tracking_number IS NOT NULL AND "
                        "cost_minor IS NOT NULL AND purchased_at IS NOT NULL)",
                        name="labelled_has_tracking_and_cost"),
        CheckConstraint("state <> 'voided' OR voided_at IS NOT NULL", name="voided_has_time"),
        CheckConstraint("state <> 'delivered' OR delivered_at IS NOT NULL",
                        name="delivered_has_time"),
        CheckConstraint("cost_minor IS NULL OR cost_minor >= 0", name="cost_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        CheckConstraint("length(ship_to_country) = 2", name="country_iso"),
        CheckConstraint("(delayed_at IS NULL) = (delay_reason IS NULL)", name="delay_complete"),
        CheckConstraint("delay_reason IS NULL OR delay_reason IN ('estimate_after_promise', "
                        "'no_scan', 'delivered_late')", name="delay_reason_known"),
        Index("ix_shipments_state", "state"),
        Index("ix_shipments_manifest", "carrier", "warehouse_id", "manifest_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(128), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    provider: Mapped[str] = mapped_column(String(16))
    carrier: Mapped[str] = mapped_column(String(32))
    service: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    tracking_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ship_to_name: Mapped[str] = mapped_column(String(100))
    ship_to_company: Mapped[str] = mapped_column(String(100), default="")
    ship_to_line1: Mapped[str] = mapped_column(String(200))
    ship_to_line2: Mapped[str] = mapped_column(String(200), default="")
    ship_to_city: Mapped[str] = mapped_column(String(100))
    ship_to_region: Mapped[str] = mapped_column(String(100), default="")
    ship_to_postal_code: Mapped[str] = mapped_column(String(20))
    ship_to_country: Mapped[str] = mapped_column(String(2))
    ship_to_phone: Mapped[str] = mapped_column(String(40), default="")
    ship_to_email: Mapped[str] = mapped_column(String(200), default="")
    ship_to_residential: Mapped[bool] = mapped_column(Boolean, default=True)
    contents: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    promised_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    estimated_delivery: Mapped[date | None] = mapped_column(Date, nullable=True)
    cost_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    label_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    manifest_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_manifests.id"),
                                                    nullable=True)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delay_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purchased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ShipmentPackage(Base):
    __tablename__ = "shipment_packages"
    __table_args__ = (
        UniqueConstraint("shipment_id", "package_no"),
        CheckConstraint("package_no > 0", name="number_positive"),
        CheckConstraint("length_mm > 0 AND width_mm > 0 AND height_mm > 0",
                        name="dimensions_positive"),
        CheckConstraint("weight_g > 0", name="weight_positive"),
        CheckConstraint("billed_weight_g IS NULL OR billed_weight_g > 0",
                        name="billed_weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    package_no: Mapped[int] = mapped_column(Integer)
    length_mm: Mapped[int] = mapped_column(Integer)
    width_mm: Mapped[int] = mapped_column(Integer)
    height_mm: Mapped[int] = mapped_column(Integer)
    weight_g: Mapped[int] = mapped_column(Integer)
    billed_weight_g: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TrackingEvent(Base):
    """One carrier scan. ``dedupe_key`` makes a repeated delivery of the same scan a no-op."""

    __tablename__ = "tracking_events"
    __table_args__ = (
        UniqueConstraint("shipment_id", "dedupe_key"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        Index("ix_tracking_events_shipment_time", "shipment_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"))
    dedupe_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    estimated_delivery: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    applied: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


MANIFESTS = table_of(Manifest)
SHIPMENTS = table_of(Shipment)
PACKAGES = table_of(ShipmentPackage)
TRACKING_EVENTS = table_of(TrackingEvent)
