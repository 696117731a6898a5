"""The schema comes from the migrations and matches the models exactly."""

from __future__ import annotations

import time
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backroom.core.events import DomainEvent
from backroom.db.engine import make_engine
from backroom.db.migrate import current_revision, head_revision
from backroom.db.registry import metadata
from backroom.db.uow import UnitOfWork


def test_migrations_reach_head_when_database_is_new(uow: UnitOfWork) -> None:
    assert current_revision(uow.engine) == head_revision()


def test_models_match_migrations_when_compared(uow: UnitOfWork) -> None:
    with uow.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata())
    assert diff == []


def test_uow_rolls_back_everything_when_block_raises(uow: UnitOfWork) -> None:
    try:
        with uow.transaction() as conn:
            conn.execute(text("INSERT INTO app_settings (key, value) VALUES ('a', '1')"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with uow.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM app_settings")).scalar_one() == 0


def test_nested_transactions_commit_once_when_outer_block_ends(uow: UnitOfWork) -> None:
    with uow.transaction() as outer, uow.transaction() as inner:
        assert inner is outer
        inner.execute(text("INSERT INTO app_settings (key, value) VALUES ('b', '2')"))
    with uow.read() as conn:
        assert conn.execute(text("SELECT value FROM app_settings")).scalar_one() == "2"


def test_done_moves_cannot_be_deleted_when_ledger_is_append_only(uow: UnitOfWork) -> None:
    with uow.transaction() as conn:
        conn.execute(text("INSERT INTO products (sku, name, description, tracking, active, "
                          "created_at, updated_at) VALUES ('X', 'x', '', 'none', true, "
                          ":t, :t)"), {"t": "2026-01-01 00:00:00"})
        conn.execute(text("INSERT INTO locations (code, kind, physical, name, zone, active) "
                          "VALUES ('A', 'storage', false, '', '', true), "
                          "('B', 'storage', false, '', '', true)"))
        conn.execute(text("INSERT INTO stock_moves (sku_id, lot_id, qty, from_location_id, "
                          "to_location_id, state, reason, reference, note, created_at) VALUES "
                          "(1, 0, 1, 6, 7, 'done', 'test', '', '', :t)"),
                     {"t": "2026-01-01 00:00:00"})
    for stmt in ("DELETE FROM stock_moves", "UPDATE stock_moves SET qty = 5"):
        try:
            with uow.transaction() as conn:
                conn.execute(text(stmt))
            raise AssertionError(f"{stmt} should have been refused")
        except DBAPIError as exc:
            assert "immutable" in str(exc)


def test_sqlite_readers_wait_for_locks_while_writers_poll_when_beginning(tmp_path: Path) -> None:
    """Writers poll BEGIN IMMEDIATE themselves (busy timeout off); readers keep SQLite's wait."""
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}", busy_timeout_ms=1234)
    uow = UnitOfWork(engine)
    try:
        with uow.transaction() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 0
        with uow.read() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
        with uow.transaction() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 0
    finally:
        engine.dispose()


def test_event_ids_sort_by_creation_time_when_created_apart() -> None:
    first = DomainEvent("x", {}).event_id
    time.sleep(0.002)
    second = DomainEvent("x", {}).event_id
    assert len(first) == len(second) == 32 and first < second
    assert int(first, 16) and first != DomainEvent("x", {}).event_id
