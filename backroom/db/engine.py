"""Engines for SQLite (WAL, BEGIN IMMEDIATE, busy timeout) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from backroom.core.settings import get_settings

READONLY = "backroom.readonly"
BUSY_TIMEOUT = "backroom.busy_timeout_ms"  # the busy timeout the connection has now
IDLE_SINCE = "backroom.idle_since"
PING_AFTER_IDLE_S = 1.0


def make_engine(url: str | None = None, *, pool_size: int | None = None,
                busy_timeout_ms: int | None = None, echo: bool = False) -> Engine:
    """Create the engine for ``url`` (default: settings) with the project's connection rules."""
    settings = get_settings()
    url = url or settings.database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms if busy_timeout_ms is not None
                              else settings.sqlite_busy_timeout_ms, echo,
                              pool_size or settings.pool_size)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        size = pool_size or settings.pool_size
        engine = create_engine(parsed, pool_size=size, max_overflow=size, echo=echo)
        _ping_when_idle(engine)
        return engine
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}:"
                     " use sqlite:///FILE or postgresql+psycopg://...")


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection on checkout only if it sat idle for ``PING_AFTER_IDLE_S``.

    ``pool_pre_ping`` pings on every checkout: a round trip per transaction (~8% of the
    reservation rate with 16 connections). A connection in steady use is known to be alive;
    one that sat idle may have been cut (server restart, proxy timeout), so it is pinged and,
    if dead, replaced (the pool retries the checkout on DisconnectionError).
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as err:
            raise exc.DisconnectionError(f"stale pooled connection: {err}") from err


def _sqlite_engine(url: str, busy_timeout_ms: int, echo: bool, pool_size: int) -> Engine:
    memory = make_url(url).database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"echo": echo}
    if not memory:
        # Pooled: an idle connection holds no lock (it is rolled back on checkin). With one
        # connection per transaction (NullPool) each open ran 4 PRAGMAs and each close of the
        # last connection checkpointed the WAL with an fsync: ~40 reservations/s instead of
        # thousands (see docs/bench.md).
        kwargs.update(poolclass=QueuePool, pool_size=pool_size, max_overflow=pool_size)
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
        _record.info[BUSY_TIMEOUT] = int(busy_timeout_ms)

    # Writers take the write lock up front: no check-then-write race, no deadlock on lock
    # upgrade. Read-only units of work (see ``mark_readonly``) begin deferred so readers never
    # queue. Done in the dialect's do_begin rather than a "begin" engine event: any engine-level
    # ConnectionEvents listener makes every connection dispatch begin/execute/commit events,
    # which cost ~25 µs per transaction.
    def do_begin(dbapi_conn: Any) -> None:
        info, driver = dbapi_conn.info, dbapi_conn.driver_connection
        if info.get(READONLY):
            _set_busy_timeout(driver, info, int(busy_timeout_ms))
            driver.execute("BEGIN")
        else:
            _set_busy_timeout(driver, info, 0)
            begin_immediate(driver, busy_timeout_ms)

    setattr(engine.dialect, "do_begin", do_begin)  # noqa: B010 - per-engine override
    return engine


def _set_busy_timeout(driver: sqlite3.Connection, info: dict[str, Any], ms: int) -> None:
    if info.get(BUSY_TIMEOUT) != ms:
        driver.execute(f"PRAGMA busy_timeout={ms}")
        info[BUSY_TIMEOUT] = ms


def begin_immediate(dbapi_conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE, retrying in short sleeps while another connection holds the write lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries, while a
    reservation holds the lock for ~0.1 ms, so contending writers would mostly sleep. So the
    caller turns the connection's busy timeout off (and leaves it off while it keeps writing:
    once BEGIN IMMEDIATE holds the write lock, WAL mode has nothing left to wait for) and we
    poll from 20 µs doubling up to 1 ms, until the busy timeout is used up.
    """
    delay, deadline = 20e-6, 0.0
    while True:
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as err:
            if err.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # incl. extended codes
                raise
            now = time.monotonic()
            deadline = deadline or now + busy_timeout_ms / 1000
            if now >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1e-3)


def mark_readonly(conn: Connection, readonly: bool) -> None:
    """Flag ``conn``'s DBAPI connection so its next transaction begins deferred (SQLite)."""
    info = conn.connection.info
    if readonly:
        info[READONLY] = True
    else:
        info.pop(READONLY, None)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
