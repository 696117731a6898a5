"""outbox: drop the unused index on event type

Every reader walks the outbox by id; the type index only cost one more page per commit on
the hottest write path (reserving stock).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_events_type"))


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_events_type"), ["type"], unique=False)
