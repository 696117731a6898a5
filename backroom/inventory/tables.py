"""Inventory storage: warehouses, locations, lots, the move ledger and its projections.

``lot_id`` 0 means "no lot" in the stock tables (so it can take part in primary keys and upserts
on both SQLite and PostgreSQL); any other value is a ``lots.id``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backroom.db.base import Base, BigId, UTCDateTime, table_of


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    address_line1: Mapped[str] = mapped_column(String(255), default="")
    address_line2: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Location(Base):
    """A place stock can be: a warehouse's input/bin/pack/output/quarantine, or a virtual one."""

    __tablename__ = "locations"
    __table_args__ = (
        CheckConstraint("(physical AND warehouse_id IS NOT NULL) OR "
                        "(NOT physical AND warehouse_id IS NULL)", name="physical_in_warehouse"),
        Index("ix_locations_warehouse_kind", "warehouse_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    physical: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255), default="")
    zone: Mapped[str] = mapped_column(String(32), default="")
    aisle: Mapped[str | None] = mapped_column(String(8), nullable=True)
    bay: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Lot(Base):
    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("sku_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    code: Mapped[str] = mapped_column(String(64))
    expiry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StockMove(Base):
    """The ledger: every change of stock is a move of ``qty`` from one location to another."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("from_location_id <> to_location_id", name="distinct_locations"),
        CheckConstraint("state IN ('draft', 'reserved', 'done', 'cancelled')", name="state_known"),
        Index("ix_stock_moves_sku_state", "sku_id", "state"),
        Index("ix_stock_moves_done_at", "done_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(Integer, default=0)
    qty: Mapped[int] = mapped_column(Integer)
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    state: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(128), default="", index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    value_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reverses_move_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    transfer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StockLevel(Base):
    """Projection of done moves per (location, SKU, lot), kept in the move's transaction."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("NOT physical OR on_hand >= 0", name="physical_not_negative"),
        CheckConstraint("reserved >= 0 AND (NOT physical OR reserved <= on_hand)",
                        name="reserved_within_on_hand"),
        Index("ix_stock_levels_sku", "sku_id"),
    )

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    physical: Mapped[bool] = mapped_column(Boolean)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)


class StockPosition(Base):
    """Per warehouse, SKU and lot: the buckets sales and planning read.

    ``on_hand`` counts sellable physical locations (input, storage, pack, output);
    ``quarantined`` counts quarantine; ``reserved`` is the sum of open reservations;
    ``incoming`` is what is in transit to this warehouse.
    """

    __tablename__ = "stock_positions"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("quarantined >= 0", name="quarantined_not_negative"),
        CheckConstraint("incoming >= 0", name="incoming_not_negative"),
        Index("ix_stock_positions_sku", "sku_id"),
    )

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    incoming: Mapped[int] = mapped_column(Integer, default=0)


class StockSetting(Base):
    """Per warehouse and SKU: safety stock held back from sale, reorder point."""

    __tablename__ = "stock_settings"
    __table_args__ = (CheckConstraint("safety_stock >= 0", name="safety_not_negative"),)

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    safety_stock: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Reservation(Base):
    """Stock committed to a demand (e.g. an order line) in one warehouse and lot."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("open_qty >= 0 AND open_qty <= qty", name="open_within_qty"),
        CheckConstraint("state IN ('active', 'consumed', 'released')", name="state_known"),
        Index("ix_reservations_reference", "reference"),
        Index("ix_reservations_open", "warehouse_id", "sku_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(Integer, default=0)
    qty: Mapped[int] = mapped_column(Integer)
    open_qty: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CostLayer(Base):
    """FIFO cost layer: units that entered a warehouse (or transit) together at one cost."""

    __tablename__ = "cost_layers"
    __table_args__ = (
        CheckConstraint("qty_in > 0", name="qty_in_positive"),
        CheckConstraint("qty_remaining >= 0 AND qty_remaining <= qty_in", name="remaining_in_range"),
        CheckConstraint("value_remaining >= 0", name="value_not_negative"),
        CheckConstraint("qty_remaining > 0 OR value_remaining = 0", name="empty_has_no_value"),
        Index("ix_cost_layers_open", "sku_id", "warehouse_id", "qty_remaining"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"), nullable=True)
    transfer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    move_id: Mapped[int] = mapped_column(BigId)
    qty_in: Mapped[int] = mapped_column(Integer)
    value_in: Mapped[int] = mapped_column(BigInteger)
    qty_remaining: Mapped[int] = mapped_column(Integer)
    value_remaining: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LayerConsumption(Base):
    """How much of which layer a move out of stock took, and at what value."""

    __tablename__ = "layer_consumptions"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    layer_id: Mapped[int] = mapped_column(BigId, index=True)
    move_id: Mapped[int] = mapped_column(BigId, index=True)
    qty: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(BigInteger)


class Transfer(Base):
    """Stock on its way between two warehouses through ``transit``."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("state IN ('in_transit', 'received', 'cancelled')", name="state_known"),
        CheckConstraint("from_warehouse_id <> to_warehouse_id", name="distinct_warehouses"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(128), default="")
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TransferLine(Base):
    __tablename__ = "transfer_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("received_qty >= 0 AND received_qty <= qty", name="received_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(Integer, default=0)
    qty: Mapped[int] = mapped_column(Integer)
    received_qty: Mapped[int] = mapped_column(Integer, default=0)

WAREHOUSES = table_of(Warehouse)
LOCATIONS = table_of(Location)
LOTS = table_of(Lot)
MOVES = table_of(StockMove)
LEVELS = table_of(StockLevel)
POSITIONS = table_of(StockPosition)
SETTINGS = table_of(StockSetting)
RESERVATIONS = table_of(Reservation)
LAYERS = table_of(CostLayer)
CONSUMPTIONS = table_of(LayerConsumption)
TRANSFERS = table_of(Transfer)
TRANSFER_LINES = table_of(TransferLine)
