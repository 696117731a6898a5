"""Channel availability storage: what feeds each channel, how much it holds back, how Backroom
names map to Shopify's, the last level exported per channel/SKU/level, and the sync cursor.

A channel without ``channel_warehouses`` rows is fed by every active warehouse; a channel
without a ``channel_stock_settings`` row holds back nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backroom.db.base import Base, UTCDateTime, table_of


class ChannelStockSetting(Base):
    """The channel's default buffer: units of every SKU held back from the channel."""

    __tablename__ = "channel_stock_settings"
    __table_args__ = (CheckConstraint("default_buffer >= 0", name="buffer_not_negative"),)

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    default_buffer: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelWarehouse(Base):
    """A warehouse feeding the channel (no rows: every active warehouse does)."""

    __tablename__ = "channel_warehouses"

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)


class ChannelSkuBuffer(Base):
    """A per-SKU buffer that replaces the channel's default buffer for that SKU."""

    __tablename__ = "channel_sku_buffers"
    __table_args__ = (CheckConstraint("buffer >= 0", name="buffer_not_negative"),)

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    buffer: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelLocation(Base):
    """Shopify: the ``location_id`` a warehouse's stock is reported under (several warehouses
    may share one location; their stock is added up)."""

    __tablename__ = "channel_locations"
    __table_args__ = (CheckConstraint("location_id > 0", name="location_positive"),)

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelInventoryItem(Base):
    """Shopify: the ``inventory_item_id`` of a SKU's variant (one item per SKU and back)."""

    __tablename__ = "channel_inventory_items"
    __table_args__ = (
        UniqueConstraint("channel_id", "inventory_item_id"),
        CheckConstraint("inventory_item_id > 0", name="item_positive"),
    )

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    inventory_item_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelAvailabilityExport(Base):
    """The last level sent for (channel, SKU, level): ``level`` is ``all`` or
    ``location:<location_id>``; the Shopify ids it was sent with are kept so a level that
    disappears (a warehouse re-mapped) can be set to 0 where it was."""

    __tablename__ = "channel_availability_exports"
    __table_args__ = (CheckConstraint("available >= 0", name="available_not_negative"),)

    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(40), primary_key=True)
    available: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    inventory_item_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelSyncCursor(Base):
    """Every outbox id at or below ``last_id`` has been read, except the ids listed in
    ``channel_sync_gaps``. ``last_id`` NULL: never synced (the first sync recomputes all)."""

    __tablename__ = "channel_sync_cursor"

    consumer: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelSyncGap(Base):
    """An outbox id missing below the cursor: rolled back, or not committed yet (PostgreSQL).
    Read when it appears; forgotten once older than the gap timeout."""

    __tablename__ = "channel_sync_gaps"

    outbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


STOCK_SETTINGS = table_of(ChannelStockSetting)
CHANNEL_WAREHOUSES = table_of(ChannelWarehouse)
SKU_BUFFERS = table_of(ChannelSkuBuffer)
CHANNEL_LOCATIONS = table_of(ChannelLocation)
INVENTORY_ITEMS = table_of(ChannelInventoryItem)
EXPORTS = table_of(ChannelAvailabilityExport)
SYNC_CURSOR = table_of(ChannelSyncCursor)
SYNC_GAPS = table_of(ChannelSyncGap)
