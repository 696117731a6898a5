"""orders: channels and SKU mapping, orders, lines, holds, history, webhook receipts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('shopify', 'woocommerce', 'csv', 'api')", name=op.f("ck_channels_kind_known")
        ),
        sa.CheckConstraint("currency IS NULL OR length(currency) = 3", name=op.f("ck_channels_currency_iso")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("code", name=op.f("uq_channels_code")),
    )

    op.create_table(
        "channel_skus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("external_sku", sa.String(length=128), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_skus_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_channel_skus_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_skus")),
        sa.UniqueConstraint(
            "channel_id", "external_sku", name=op.f("uq_channel_skus_channel_id_external_sku")
        ),
    )

    with op.batch_alter_table("channel_skus", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_skus_product_id"), ["product_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("payment_state", sa.String(length=20), nullable=False),
        sa.Column("fulfillment_state", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("ship_name", sa.String(length=100), nullable=False),
        sa.Column("ship_company", sa.String(length=100), nullable=False),
        sa.Column("ship_line1", sa.String(length=200), nullable=False),
        sa.Column("ship_line2", sa.String(length=200), nullable=False),
        sa.Column("ship_city", sa.String(length=100), nullable=False),
        sa.Column("ship_region", sa.String(length=100), nullable=False),
        sa.Column("ship_postal_code", sa.String(length=20), nullable=False),
        sa.Column("ship_country", sa.String(length=2), nullable=False),
        sa.Column("ship_phone", sa.String(length=40), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("other_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("taxes_included", sa.Boolean(), nullable=False),
        sa.Column("authorized_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("payment_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("fx_rate", sa.String(length=32), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "fulfillment_state IN ('unfulfilled', 'partially_fulfilled', 'fulfilled', 'backordered')",
            name=op.f("ck_orders_fulfillment_state_known"),
        ),
        sa.CheckConstraint(
            "payment_state IN ('pending', 'authorized', 'partially_paid',"
            " 'paid', 'partially_refunded', 'refunded')",
            name=op.f("ck_orders_payment_state_known"),
        ),
        sa.CheckConstraint(
            "state <> 'cancelled' OR cancelled_at IS NOT NULL", name=op.f("ck_orders_cancelled_has_time")
        ),
        sa.CheckConstraint(
            "state IN ('open', 'on_hold', 'processing', 'completed', 'cancelled')",
            name=op.f("ck_orders_state_known"),
        ),
        sa.CheckConstraint(
            "authorized_minor >= 0 AND paid_minor >= 0 AND payment_fee_minor >= 0"
            " AND refunded_minor >= 0 AND refunded_minor <= paid_minor",
            name=op.f("ck_orders_payments_valid"),
        ),
        sa.CheckConstraint(
            "discount_minor <= subtotal_minor", name=op.f("ck_orders_discount_within_subtotal")
        ),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_orders_currency_iso")),
        sa.CheckConstraint("length(ship_country) IN (0, 2)", name=op.f("ck_orders_country_iso")),
        sa.CheckConstraint(
            "subtotal_minor >= 0 AND discount_minor >= 0 AND shipping_minor >= 0"
            " AND tax_minor >= 0 AND other_minor >= 0 AND total_minor >= 0",
            name=op.f("ck_orders_amounts_not_negative"),
        ),
        sa.CheckConstraint(
            "total_minor = subtotal_minor - discount_minor + shipping_minor"
            " + other_minor + CASE WHEN taxes_included THEN 0 ELSE tax_minor END",
            name=op.f("ck_orders_total_adds_up"),
        ),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], name=op.f("fk_orders_channel_id_channels")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("channel_id", "external_id", name=op.f("uq_orders_channel_id_external_id")),
    )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_placed", ["placed_at"], unique=False)
        batch_op.create_index("ix_orders_state", ["state", "id"], unique=False)

    op.create_table(
        "channel_webhook_receipts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_webhook_receipts_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_channel_webhook_receipts_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_webhook_receipts")),
        sa.UniqueConstraint(
            "channel_id", "dedupe_key", name=op.f("uq_channel_webhook_receipts_channel_id_dedupe_key")
        ),
    )

    op.create_table(
        "order_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_history_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_history")),
    )

    with op.batch_alter_table("order_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_history_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("release_note", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "kind IN ('fraud_review', 'address_problem', 'payment_pending', 'unknown_sku', 'manual')",
            name=op.f("ck_order_holds_kind_known"),
        ),
        sa.CheckConstraint(
            "(released_at IS NULL) = (released_by IS NULL)", name=op.f("ck_order_holds_release_complete")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_holds_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_holds")),
    )

    with op.batch_alter_table("order_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_holds_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("channel_sku", sa.String(length=128), nullable=False),
        sa.Column("variant_ref", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("requires_shipping", sa.Boolean(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("qty_cancelled", sa.Integer(), nullable=False),
        sa.Column("qty_reserved", sa.Integer(), nullable=False),
        sa.Column("qty_shipped", sa.Integer(), nullable=False),
        sa.Column("qty_returned", sa.Integer(), nullable=False),
        sa.Column("qty_backordered", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_order_lines_qty_positive")),
        sa.CheckConstraint(
            "qty_cancelled + qty_reserved + qty_shipped + qty_backordered <= qty",
            name=op.f("ck_order_lines_parts_within_qty"),
        ),
        sa.CheckConstraint(
            "qty_cancelled >= 0 AND qty_reserved >= 0 AND qty_shipped >= 0"
            " AND qty_returned >= 0 AND qty_backordered >= 0",
            name=op.f("ck_order_lines_parts_not_negative"),
        ),
        sa.CheckConstraint(
            "qty_returned <= qty_shipped", name=op.f("ck_order_lines_returned_within_shipped")
        ),
        sa.CheckConstraint(
            "unit_price_minor >= 0 AND gross_minor >= 0 AND tax_minor >= 0"
            " AND discount_minor >= 0 AND discount_minor <= gross_minor",
            name=op.f("ck_order_lines_amounts_valid"),
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_lines_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
        sa.UniqueConstraint("order_id", "external_id", name=op.f("uq_order_lines_order_id_external_id")),
    )

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_lines_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_order_lines_unresolved", ["product_id", "channel_sku"], unique=False)

    # Orders created through the HTTP API land in this channel unless the caller names another.
    channels = sa.table(
        "channels",
        sa.column("code", sa.String),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("currency", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        channels,
        [
            {
                "code": "API",
                "kind": "api",
                "name": "Direct API",
                "currency": None,
                "active": True,
                "created_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_unresolved")
        batch_op.drop_index(batch_op.f("ix_order_lines_order_id"))

    op.drop_table("order_lines")

    with op.batch_alter_table("order_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_holds_order_id"))

    op.drop_table("order_holds")

    with op.batch_alter_table("order_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_history_order_id"))

    op.drop_table("order_history")

    op.drop_table("channel_webhook_receipts")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_state")
        batch_op.drop_index("ix_orders_placed")

    op.drop_table("orders")

    with op.batch_alter_table("channel_skus", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_skus_product_id"))

    op.drop_table("channel_skus")

    op.drop_table("channels")
