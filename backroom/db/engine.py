"""Engines for SQLite (WAL, BEGIN IMMEDIATE, busy timeout) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from backroom.core.settings import get_settings


def make_engine(url: str | None = None, *, pool_size: int | None = None,
                busy_timeout_ms: int | None = None, echo: bool = False) -> Engine:
    """Create the engine for ``url`` (default: settings) with the project's connection rules."""
    settings = get_settings()
    url = url or settings.database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms if busy_timeout_ms is not None
                              else settings.sqlite_busy_timeout_ms, echo)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        size = pool_size or settings.pool_size
        return create_engine(parsed, pool_size=size, max_overflow=size, pool_pre_ping=True,
                             echo=echo)
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}:"
                     " use sqlite:///FILE or postgresql+psycopg://...")


def _sqlite_engine(url: str, busy_timeout_ms: int, echo: bool) -> Engine:
    memory = make_url(url).database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"echo": echo}
    if not memory:
        # One connection per checkout keeps file locks short-lived; connecting is ~20 µs.
        kwargs["poolclass"] = NullPool
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000,
                                              "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy drive transactions; we emit BEGIN IMMEDIATE ourselves below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: no check-then-write race, no deadlock on
        # lock upgrade. Read-only connections begin deferred so readers never queue.
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
