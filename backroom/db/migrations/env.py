"""Alembic environment: runs migrations on the connection handed in by ``backroom.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from backroom.db.registry import metadata

target_metadata = metadata()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    from backroom.db.engine import make_engine

    with make_engine().connect() as conn:
        _run(conn)
        conn.commit()
else:
    _run(connection)
