"""Orders storage: channels and their SKU mapping, orders, lines, holds, history and the
receipts of channel webhooks (so a repeated delivery is recognised).

Money is integer minor units in the order's currency; quantities are integers in the SKU's
base unit. CHECK constraints refuse what must never be stored: a line whose parts exceed its
quantity, totals that do not add up, negative amounts.
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

_KINDS = "'shopify', 'woocommerce', 'csv', 'api'"
_STATES = "'open', 'on_hold', 'processing', 'completed', 'cancelled'"
_PAYMENT = ("'pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', "
            "'refunded'")
_FULFILLMENT = "'unfulfilled', 'partially_fulfilled', 'fulfilled', 'backordered'"
_HOLDS = "'fraud_review', 'address_problem', 'payment_pending', 'unknown_sku', 'manual'"


class Channel(Base):
    """A sales channel. Webhook secrets are not stored: see ``backroom.orders.channels``."""

    __tablename__ = "channels"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="kind_known"),
        CheckConstraint("currency IS NULL OR length(currency) = 3", name="currency_iso"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelSku(Base):
    """The channel's name for a product: its SKU text or a key such as ``variant:4426``."""

    __tablename__ = "channel_skus"
    __table_args__ = (UniqueConstraint("channel_id", "external_sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    external_sku: Mapped[str] = mapped_column(String(128))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        CheckConstraint(f"state IN ({_STATES})", name="state_known"),
        CheckConstraint(f"payment_state IN ({_PAYMENT})", name="payment_state_known"),
        CheckConstraint(f"fulfillment_state IN ({_FULFILLMENT})", name="fulfillment_state_known"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        CheckConstraint("length(ship_country) IN (0, 2)", name="country_iso"),
        CheckConstraint("subtotal_minor >= 0 AND discount_minor >= 0 AND shipping_minor >= 0 "
                        "AND tax_minor >= 0 AND other_minor >= 0 AND total_minor >= 0",
                        name="amounts_not_negative"),
        CheckConstraint("discount_minor <= subtotal_minor", name="discount_within_subtotal"),
        CheckConstraint("total_minor = subtotal_minor - discount_minor + shipping_minor "
                        "+ other_minor + CASE WHEN taxes_included THEN 0 ELSE tax_minor END",
                        name="total_adds_up"),
        CheckConstraint("authorized_minor >= 0 AND paid_minor >= 0 AND payment_fee_minor >= 0 "
                        "AND refunded_minor >= 0 AND refunded_minor <= paid_minor",
                        name="payments_valid"),
        CheckConstraint("state <> 'cancelled' OR cancelled_at IS NOT NULL",
                        name="cancelled_has_time"),
        Index("ix_orders_state", "state", "id"),
        Index("ix_orders_placed", "placed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16))
    payment_state: Mapped[str] = mapped_column(String(20))
    fulfillment_state: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(200))
    customer_name: Mapped[str] = mapped_column(String(200))
    ship_name: Mapped[str] = mapped_column(String(100))
    ship_company: Mapped[str] = mapped_column(String(100))
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_line2: Mapped[str] = mapped_column(String(200))
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_region: Mapped[str] = mapped_column(String(100))
    ship_postal_code: Mapped[str] = mapped_column(String(20))
    ship_country: Mapped[str] = mapped_column(String(2))
    ship_phone: Mapped[str] = mapped_column(String(40))
    subtotal_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    shipping_minor: Mapped[int] = mapped_column(BigInteger)
    shipping_tax_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)
    other_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    taxes_included: Mapped[bool] = mapped_column(Boolean)
    authorized_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger)
    payment_fee_minor: Mapped[int] = mapped_column(BigInteger)
    fx_rate: Mapped[str | None] = mapped_column(String(32), nullable=True)
    promised_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrderLine(Base):
    """One line. ``qty`` = open + reserved + shipped + cancelled (returned is part of shipped;
    backordered part of open). Later areas reference lines by id (``order-line:{id}`` for
    inventory reservations)."""

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "external_id"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_cancelled >= 0 AND qty_reserved >= 0 AND qty_shipped >= 0 "
                        "AND qty_returned >= 0 AND qty_backordered >= 0",
                        name="parts_not_negative"),
        CheckConstraint("qty_cancelled + qty_reserved + qty_shipped + qty_backordered <= qty",
                        name="parts_within_qty"),
        CheckConstraint("qty_returned <= qty_shipped", name="returned_within_shipped"),
        CheckConstraint("unit_price_minor >= 0 AND gross_minor >= 0 AND tax_minor >= 0 "
                        "AND discount_minor >= 0 AND discount_minor <= gross_minor",
                        name="amounts_valid"),
        Index("ix_order_lines_unresolved", "product_id", "channel_sku"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    channel_sku: Mapped[str] = mapped_column(String(128))
    variant_ref: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    requires_shipping: Mapped[bool] = mapped_column(Boolean)
    qty: Mapped[int] = mapped_column(Integer)
    qty_cancelled: Mapped[int] = mapped_column(Integer, default=0)
    qty_reserved: Mapped[int] = mapped_column(Integer, default=0)
    qty_shipped: Mapped[int] = mapped_column(Integer, default=0)
    qty_returned: Mapped[int] = mapped_column(Integer, default=0)
    qty_backordered: Mapped[int] = mapped_column(Integer, default=0)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)


class OrderHold(Base):
    __tablename__ = "order_holds"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_HOLDS})", name="kind_known"),
        CheckConstraint("(released_at IS NULL) = (released_by IS NULL)",
                        name="release_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    placed_by: Mapped[str] = mapped_column(String(100))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    release_note: Mapped[str] = mapped_column(String(500), default="")


class OrderHistory(Base):
    """Every change of an order: what, who, when, and the values before and after."""

    __tablename__ = "order_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(500))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class WebhookReceipt(Base):
    """A channel webhook delivery already handled, by its delivery or event id."""

    __tablename__ = "channel_webhook_receipts"
    __table_args__ = (UniqueConstraint("channel_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


CHANNELS = table_of(Channel)
CHANNEL_SKUS = table_of(ChannelSku)
ORDERS = table_of(Order)
ORDER_LINES = table_of(OrderLine)
ORDER_HOLDS = table_of(OrderHold)
ORDER_HISTORY = table_of(OrderHistory)
WEBHOOK_RECEIPTS = table_of(WebhookReceipt)
