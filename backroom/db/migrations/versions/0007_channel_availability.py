"""channel availability: channel warehouses, buffers, Shopify location and inventory item
mappings, exported levels, and the availability sync cursor and gaps

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_sync_cursor",
        sa.Column("consumer", sa.String(length=32), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_channel_sync_cursor")),
    )
    op.create_table(
        "channel_sync_gaps",
        sa.Column("outbox_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_channel_sync_gaps")),
    )
    op.create_table(
        "channel_availability_exports",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=True),
        sa.Column("inventory_item_id", sa.BigInteger(), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "available >= 0", name=op.f("ck_channel_availability_exports_available_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_availability_exports_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_channel_availability_exports_product_id_products")
        ),
        sa.PrimaryKeyConstraint(
            "channel_id", "product_id", "level", name=op.f("pk_channel_availability_exports")
        ),
    )
    op.create_table(
        "channel_inventory_items",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("inventory_item_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("inventory_item_id > 0", name=op.f("ck_channel_inventory_items_item_positive")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_inventory_items_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_channel_inventory_items_product_id_products")
        ),
        sa.PrimaryKeyConstraint("channel_id", "product_id", name=op.f("pk_channel_inventory_items")),
        sa.UniqueConstraint(
            "channel_id",
            "inventory_item_id",
            name=op.f("uq_channel_inventory_items_channel_id_inventory_item_id"),
        ),
    )
    op.create_table(
        "channel_locations",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("location_id > 0", name=op.f("ck_channel_locations_location_positive")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_locations_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_channel_locations_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("channel_id", "warehouse_id", name=op.f("pk_channel_locations")),
    )
    op.create_table(
        "channel_sku_buffers",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("buffer", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("buffer >= 0", name=op.f("ck_channel_sku_buffers_buffer_not_negative")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_sku_buffers_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_channel_sku_buffers_product_id_products")
        ),
        sa.PrimaryKeyConstraint("channel_id", "product_id", name=op.f("pk_channel_sku_buffers")),
    )
    op.create_table(
        "channel_stock_settings",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("default_buffer", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("default_buffer >= 0", name=op.f("ck_channel_stock_settings_buffer_not_negative")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_stock_settings_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_stock_settings")),
    )
    op.create_table(
        "channel_warehouses",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_warehouses_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_channel_warehouses_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("channel_id", "warehouse_id", name=op.f("pk_channel_warehouses")),
    )


def downgrade() -> None:
    op.drop_table("channel_warehouses")
    op.drop_table("channel_stock_settings")
    op.drop_table("channel_sku_buffers")
    op.drop_table("channel_locations")
    op.drop_table("channel_inventory_items")
    op.drop_table("channel_availability_exports")
    op.drop_table("channel_sync_gaps")
    op.drop_table("channel_sync_cursor")
