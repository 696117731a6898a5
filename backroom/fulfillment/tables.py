"""Fulfillment storage: sourcing decisions, fulfillment orders and their lines, waves, pick
batches and tasks, the box catalog, cartons and count tasks.

One fulfillment order per (order × shipping warehouse). Its lines point at order lines and
count units along the flow: ``qty`` ≥ ``qty_picked`` ≥ ``qty_packed`` ≥ ``qty_shipped``.
Stock for a line is reserved at the warehouse under the order line's reference
(``order-line:{id}``) when it is sourced; when a wave releases it, pick tasks reserve the bins
(``stock_levels.reserved``) they will take from, so two pickers never head for the same unit.
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
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backroom.db.base import Base, UTCDateTime, table_of

FO_STATES = ("waiting", "released", "picking", "picked", "packed", "shipped", "cancelled")
_FO_STATES = ", ".join(f"'{s}'" for s in FO_STATES)


class SourcingDecision(Base):
    """Why an order's lines went where they went: kept on the order, newest last."""

    __tablename__ = "sourcing_decisions"
    __table_args__ = (
        CheckConstraint("estimated_cost_minor >= 0", name="cost_not_negative"),
        CheckConstraint("packages >= 0", name="packages_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    strategy: Mapped[str] = mapped_column(String(32))
    estimated_cost_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    packages: Mapped[int] = mapped_column(Integer)  # shipments (one per warehouse used)
    backordered_units: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)  # one sentence a person can read
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)  # assignment, alternatives, costs
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Wave(Base):
    """Fulfillment orders released together by a rule (cut-off, priority, zone, max lines)."""

    __tablename__ = "waves"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'picking', 'done', 'cancelled')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PickBatch(Base):
    """One cart's trip: up to N totes, one fulfillment order per tote, one walking route."""

    __tablename__ = "pick_batches"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'picking', 'picked', 'cancelled')",
                        name="state_known"),
        CheckConstraint("totes > 0", name="totes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    state: Mapped[str] = mapped_column(String(16))
    totes: Mapped[int] = mapped_column(Integer)
    route_method: Mapped[str] = mapped_column(String(32), default="")
    route_length_m: Mapped[float] = mapped_column(Float, default=0.0)
    picker: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class FulfillmentOrder(Base):
    """The part of an order one warehouse ships: waiting → released → picking → picked →
    packed → shipped (or cancelled). A hold stops it moving on without changing its state."""

    __tablename__ = "fulfillment_orders"
    __table_args__ = (
        CheckConstraint(f"state IN ({_FO_STATES})", name="state_known"),
        CheckConstraint("(held_at IS NULL) = (hold_reason IS NULL)", name="hold_complete"),
        CheckConstraint("tote IS NULL OR tote > 0", name="tote_positive"),
        Index("ix_fulfillment_orders_queue", "warehouse_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first
    promised_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    carrier: Mapped[str] = mapped_column(String(32), default="")  # planned at sourcing
    service: Mapped[str] = mapped_column(String(64), default="")
    estimated_cost_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hold_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id"), nullable=True,
                                                index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("pick_batches.id"), nullable=True,
                                                 index=True)
    tote: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FulfillmentLine(Base):
    """Units of one order line this fulfillment order ships, and how far they got."""

    __tablename__ = "fulfillment_lines"
    __table_args__ = (
        UniqueConstraint("fulfillment_order_id", "order_line_id"),
        # 0 once every unit was given back (a short pick sent them to another warehouse).
        CheckConstraint("qty >= 0", name="qty_not_negative"),
        CheckConstraint("qty_shipped >= 0 AND qty_shipped <= qty_packed AND "
                        "qty_packed <= qty_picked AND qty_picked <= qty",
                        name="flow_within_qty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfillment_order_id: Mapped[int] = mapped_column(ForeignKey("fulfillment_orders.id"),
                                                      index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty: Mapped[int] = mapped_column(Integer)
    qty_picked: Mapped[int] = mapped_column(Integer, default=0)
    qty_packed: Mapped[int] = mapped_column(Integer, default=0)
    qty_shipped: Mapped[int] = mapped_column(Integer, default=0)


class PickTask(Base):
    """Take ``qty`` of a SKU (and lot) from a bin into a tote; ``seq`` is the route order.

    While open, ``qty - qty_picked - qty_short`` units are reserved on the bin's level.
    """

    __tablename__ = "pick_tasks"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'done', 'short', 'cancelled')", name="state_known"),
        CheckConstraint("qty > 0 AND qty_picked >= 0 AND qty_short >= 0 AND "
                        "qty_picked + qty_short <= qty", name="qty_within"),
        Index("ix_pick_tasks_bin", "location_id", "sku_id", "lot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("pick_batches.id"), index=True)
    fulfillment_line_id: Mapped[int] = mapped_column(ForeignKey("fulfillment_lines.id"),
                                                     index=True)
    tote: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(Integer, default=0)
    qty: Mapped[int] = mapped_column(Integer)
    qty_picked: Mapped[int] = mapped_column(Integer, default=0)
    qty_short: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Box(Base):
    """A carton the merchant stocks: inner dimensions, limits and what it costs."""

    __tablename__ = "boxes"
    __table_args__ = (
        CheckConstraint("inner_length_mm > 0 AND inner_width_mm > 0 AND inner_height_mm > 0",
                        name="dimensions_positive"),
        CheckConstraint("max_weight_g > 0 AND tare_g >= 0 AND cost_minor >= 0",
                        name="limits_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    inner_length_mm: Mapped[int] = mapped_column(Integer)
    inner_width_mm: Mapped[int] = mapped_column(Integer)
    inner_height_mm: Mapped[int] = mapped_column(Integer)
    max_weight_g: Mapped[int] = mapped_column(Integer)
    tare_g: Mapped[int] = mapped_column(Integer, default=0)
    cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Carton(Base):
    """A box being packed for a fulfillment order; sealed cartons become shipment packages."""

    __tablename__ = "cartons"
    __table_args__ = (
        UniqueConstraint("fulfillment_order_id", "carton_no"),
        CheckConstraint("state IN ('open', 'sealed', 'shipped')", name="state_known"),
        CheckConstraint("carton_no > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfillment_order_id: Mapped[int] = mapped_column(ForeignKey("fulfillment_orders.id"),
                                                      index=True)
    carton_no: Mapped[int] = mapped_column(Integer)
    box_id: Mapped[int] = mapped_column(ForeignKey("boxes.id"))
    state: Mapped[str] = mapped_column(String(16))
    proposed: Mapped[bool] = mapped_column(Boolean, default=False)  # from cartonization
    weight_g: Mapped[int] = mapped_column(Integer, default=0)  # contents + tare
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CartonItem(Base):
    __tablename__ = "carton_items"
    __table_args__ = (
        UniqueConstraint("carton_id", "fulfillment_line_id", "lot_id"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carton_id: Mapped[int] = mapped_column(ForeignKey("cartons.id"), index=True)
    fulfillment_line_id: Mapped[int] = mapped_column(ForeignKey("fulfillment_lines.id"),
                                                     index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(Integer, default=0)
    qty: Mapped[int] = mapped_column(Integer)


class CountTask(Base):
    """Count a bin (raised by a short pick, or by hand)."""

    __tablename__ = "count_tasks"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'done', 'cancelled')", name="state_known"),
        Index("ix_count_tasks_open", "state", "location_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    sku_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    pick_task_id: Mapped[int | None] = mapped_column(ForeignKey("pick_tasks.id"),
                                                     nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


SOURCING_DECISIONS = table_of(SourcingDecision)
WAVES = table_of(Wave)
PICK_BATCHES = table_of(PickBatch)
FULFILLMENT_ORDERS = table_of(FulfillmentOrder)
FULFILLMENT_LINES = table_of(FulfillmentLine)
PICK_TASKS = table_of(PickTask)
BOXES = table_of(Box)
CARTONS = table_of(Carton)
CARTON_ITEMS = table_of(CartonItem)
COUNT_TASKS = table_of(CountTask)
