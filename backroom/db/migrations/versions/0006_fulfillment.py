"""fulfillment: sourcing decisions, fulfillment orders and lines, waves, pick batches and tasks,
boxes, cartons, count tasks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "boxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("inner_length_mm", sa.Integer(), nullable=False),
        sa.Column("inner_width_mm", sa.Integer(), nullable=False),
        sa.Column("inner_height_mm", sa.Integer(), nullable=False),
        sa.Column("max_weight_g", sa.Integer(), nullable=False),
        sa.Column("tare_g", sa.Integer(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "inner_length_mm > 0 AND inner_width_mm > 0 AND inner_height_mm > 0",
            name=op.f("ck_boxes_dimensions_positive"),
        ),
        sa.CheckConstraint(
            "max_weight_g > 0 AND tare_g >= 0 AND cost_minor >= 0", name=op.f("ck_boxes_limits_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boxes")),
        sa.UniqueConstraint("code", name=op.f("uq_boxes_code")),
    )
    op.create_table(
        "waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'picking', 'done', 'cancelled')", name=op.f("ck_waves_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_waves_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waves")),
    )
    with op.batch_alter_table("waves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waves_warehouse_id"), ["warehouse_id"], unique=False)

    op.create_table(
        "pick_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("totes", sa.Integer(), nullable=False),
        sa.Column("route_method", sa.String(length=32), nullable=False),
        sa.Column("route_length_m", sa.Float(), nullable=False),
        sa.Column("picker", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'picking', 'picked', 'cancelled')", name=op.f("ck_pick_batches_state_known")
        ),
        sa.CheckConstraint("totes > 0", name=op.f("ck_pick_batches_totes_positive")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_pick_batches_warehouse_id_warehouses")
        ),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], name=op.f("fk_pick_batches_wave_id_waves")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_batches")),
    )
    with op.batch_alter_table("pick_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pick_batches_wave_id"), ["wave_id"], unique=False)

    op.create_table(
        "sourcing_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=32), nullable=False),
        sa.Column("estimated_cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("packages", sa.Integer(), nullable=False),
        sa.Column("backordered_units", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("estimated_cost_minor >= 0", name=op.f("ck_sourcing_decisions_cost_not_negative")),
        sa.CheckConstraint("packages >= 0", name=op.f("ck_sourcing_decisions_packages_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_sourcing_decisions_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sourcing_decisions")),
    )
    with op.batch_alter_table("sourcing_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sourcing_decisions_order_id"), ["order_id"], unique=False)

    op.create_table(
        "fulfillment_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("estimated_cost_minor", sa.BigInteger(), nullable=True),
        sa.Column("hold_reason", sa.String(length=200), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wave_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("tote", sa.Integer(), nullable=True),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('waiting', 'released', 'picking', 'picked', 'packed', 'shipped', 'cancelled')",
            name=op.f("ck_fulfillment_orders_state_known"),
        ),
        sa.CheckConstraint(
            "(held_at IS NULL) = (hold_reason IS NULL)", name=op.f("ck_fulfillment_orders_hold_complete")
        ),
        sa.CheckConstraint("tote IS NULL OR tote > 0", name=op.f("ck_fulfillment_orders_tote_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["pick_batches.id"], name=op.f("fk_fulfillment_orders_batch_id_pick_batches")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_fulfillment_orders_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_fulfillment_orders_shipment_id_shipments")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_fulfillment_orders_warehouse_id_warehouses")
        ),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], name=op.f("fk_fulfillment_orders_wave_id_waves")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_orders")),
    )
    with op.batch_alter_table("fulfillment_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fulfillment_orders_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fulfillment_orders_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_fulfillment_orders_queue", ["warehouse_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_fulfillment_orders_wave_id"), ["wave_id"], unique=False)

    op.create_table(
        "cartons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fulfillment_order_id", sa.Integer(), nullable=False),
        sa.Column("carton_no", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("proposed", sa.Boolean(), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('open', 'sealed', 'shipped')", name=op.f("ck_cartons_state_known")),
        sa.CheckConstraint("carton_no > 0", name=op.f("ck_cartons_number_positive")),
        sa.ForeignKeyConstraint(["box_id"], ["boxes.id"], name=op.f("fk_cartons_box_id_boxes")),
        sa.ForeignKeyConstraint(
            ["fulfillment_order_id"],
            ["fulfillment_orders.id"],
            name=op.f("fk_cartons_fulfillment_order_id_fulfillment_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cartons")),
        sa.UniqueConstraint(
            "fulfillment_order_id", "carton_no", name=op.f("uq_cartons_fulfillment_order_id_carton_no")
        ),
    )
    with op.batch_alter_table("cartons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cartons_fulfillment_order_id"), ["fulfillment_order_id"], unique=False
        )

    op.create_table(
        "fulfillment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fulfillment_order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("qty_picked", sa.Integer(), nullable=False),
        sa.Column("qty_packed", sa.Integer(), nullable=False),
        sa.Column("qty_shipped", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty >= 0", name=op.f("ck_fulfillment_lines_qty_not_negative")),
        sa.CheckConstraint(
            "qty_shipped >= 0 AND qty_shipped <= qty_packed AND "
            "qty_packed <= qty_picked AND qty_picked <= qty",
            name=op.f("ck_fulfillment_lines_flow_within_qty"),
        ),
        sa.ForeignKeyConstraint(
            ["fulfillment_order_id"],
            ["fulfillment_orders.id"],
            name=op.f("fk_fulfillment_lines_fulfillment_order_id_fulfillment_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_fulfillment_lines_order_line_id_order_lines")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["products.id"], name=op.f("fk_fulfillment_lines_sku_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_lines")),
        sa.UniqueConstraint(
            "fulfillment_order_id",
            "order_line_id",
            name=op.f("uq_fulfillment_lines_fulfillment_order_id_order_line_id"),
        ),
    )
    with op.batch_alter_table("fulfillment_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fulfillment_lines_fulfillment_order_id"), ["fulfillment_order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fulfillment_lines_order_line_id"), ["order_line_id"], unique=False
        )

    op.create_table(
        "carton_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carton_id", sa.Integer(), nullable=False),
        sa.Column("fulfillment_line_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_carton_items_qty_positive")),
        sa.ForeignKeyConstraint(
            ["carton_id"], ["cartons.id"], name=op.f("fk_carton_items_carton_id_cartons")
        ),
        sa.ForeignKeyConstraint(
            ["fulfillment_line_id"],
            ["fulfillment_lines.id"],
            name=op.f("fk_carton_items_fulfillment_line_id_fulfillment_lines"),
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["products.id"], name=op.f("fk_carton_items_sku_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carton_items")),
        sa.UniqueConstraint(
            "carton_id",
            "fulfillment_line_id",
            "lot_id",
            name=op.f("uq_carton_items_carton_id_fulfillment_line_id_lot_id"),
        ),
    )
    with op.batch_alter_table("carton_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carton_items_carton_id"), ["carton_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_carton_items_fulfillment_line_id"), ["fulfillment_line_id"], unique=False
        )

    op.create_table(
        "pick_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("fulfillment_line_id", sa.Integer(), nullable=False),
        sa.Column("tote", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("qty_picked", sa.Integer(), nullable=False),
        sa.Column("qty_short", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'done', 'short', 'cancelled')", name=op.f("ck_pick_tasks_state_known")
        ),
        sa.CheckConstraint(
            "qty > 0 AND qty_picked >= 0 AND qty_short >= 0 AND qty_picked + qty_short <= qty",
            name=op.f("ck_pick_tasks_qty_within"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["pick_batches.id"], name=op.f("fk_pick_tasks_batch_id_pick_batches")
        ),
        sa.ForeignKeyConstraint(
            ["fulfillment_line_id"],
            ["fulfillment_lines.id"],
            name=op.f("fk_pick_tasks_fulfillment_line_id_fulfillment_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_pick_tasks_location_id_locations")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["products.id"], name=op.f("fk_pick_tasks_sku_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_tasks")),
    )
    with op.batch_alter_table("pick_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pick_tasks_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_pick_tasks_bin", ["location_id", "sku_id", "lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pick_tasks_fulfillment_line_id"), ["fulfillment_line_id"], unique=False
        )

    op.create_table(
        "count_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("pick_task_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('open', 'done', 'cancelled')", name=op.f("ck_count_tasks_state_known")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_count_tasks_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["pick_task_id"], ["pick_tasks.id"], name=op.f("fk_count_tasks_pick_task_id_pick_tasks")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["products.id"], name=op.f("fk_count_tasks_sku_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_tasks")),
    )
    with op.batch_alter_table("count_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_count_tasks_open", ["state", "location_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("count_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_count_tasks_open")

    op.drop_table("count_tasks")
    with op.batch_alter_table("pick_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pick_tasks_fulfillment_line_id"))
        batch_op.drop_index("ix_pick_tasks_bin")
        batch_op.drop_index(batch_op.f("ix_pick_tasks_batch_id"))

    op.drop_table("pick_tasks")
    with op.batch_alter_table("carton_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carton_items_fulfillment_line_id"))
        batch_op.drop_index(batch_op.f("ix_carton_items_carton_id"))

    op.drop_table("carton_items")
    with op.batch_alter_table("fulfillment_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fulfillment_lines_order_line_id"))
        batch_op.drop_index(batch_op.f("ix_fulfillment_lines_fulfillment_order_id"))

    op.drop_table("fulfillment_lines")
    with op.batch_alter_table("cartons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cartons_fulfillment_order_id"))

    op.drop_table("cartons")
    with op.batch_alter_table("fulfillment_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fulfillment_orders_wave_id"))
        batch_op.drop_index("ix_fulfillment_orders_queue")
        batch_op.drop_index(batch_op.f("ix_fulfillment_orders_order_id"))
        batch_op.drop_index(batch_op.f("ix_fulfillment_orders_batch_id"))

    op.drop_table("fulfillment_orders")
    with op.batch_alter_table("sourcing_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sourcing_decisions_order_id"))

    op.drop_table("sourcing_decisions")
    with op.batch_alter_table("pick_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pick_batches_wave_id"))

    op.drop_table("pick_batches")
    with op.batch_alter_table("waves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waves_warehouse_id"))

    op.drop_table("waves")
    op.drop_table("boxes")
