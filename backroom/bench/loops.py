"""The reservation workloads the benchmark compares, one committed transaction per call.

- ``ours``: Backroom's service path, ``reservations.reserve`` inside ``uow.transaction()``
  (guarded UPDATE, reservation row, ``stock.reserved`` outbox event, one commit).
- ``raw``: the same logical work by hand on the DBAPI driver: BEGIN (IMMEDIATE on SQLite);
  the same guarded UPDATE of ``stock_positions``; INSERT into ``reservations``; COMMIT. SQLite
  connections get the same PRAGMAs Backroom's engine sets (WAL, synchronous=NORMAL, foreign
  keys, busy timeout).
- ``orm``: a naive SQLAlchemy ORM load-modify-save unit of work, for context.
"""

from __future__ import annotations

import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from backroom.core import clock
from backroom.core.settings import get_settings
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory import reservations
from backroom.inventory.tables import Reservation, StockPosition, StockSetting

GUARD = ("UPDATE stock_positions SET reserved = reserved + {q} "
         "WHERE warehouse_id = {w} AND sku_id = {s} AND lot_id = 0 "
         "AND on_hand - reserved - (SELECT coalesce(max(safety_stock), 0) FROM stock_settings "
         "WHERE warehouse_id = {w} AND sku_id = {s}) >= {q}")
INSERT = ("INSERT INTO reservations (warehouse_id, sku_id, lot_id, qty, open_qty, state, "
          "reference, created_at) VALUES ({w}, {s}, 0, {q}, {q}, 'active', {r}, {t})")
SQLITE_GUARD = GUARD.format(q="?1", w="?2", s="?3")
SQLITE_INSERT = INSERT.format(w="?1", s="?2", q="?3", r="?4", t="?5")
PG_GUARD = GUARD.format(q="%(q)s", w="%(w)s", s="%(s)s")
PG_INSERT = INSERT.format(w="%(w)s", s="%(s)s", q="%(q)s", r="%(r)s", t="%(t)s")


class OutOfStock(Exception):
    """The benchmark seeded too little stock: a reservation was refused."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a workload reserves: a database, a warehouse and the SKUs to pick from."""

    url: str
    warehouse_id: int
    sku_ids: tuple[int, ...]


class Loop(Protocol):
    def reserve(self, n: int, sku_id: int) -> None: ...

    def close(self) -> None: ...


class Ours:
    def __init__(self, target: Target, tag: str) -> None:
        self.uow = UnitOfWork(make_engine(target.url, pool_size=1))
        self.warehouse_id, self.tag = target.warehouse_id, tag

    def reserve(self, n: int, sku_id: int) -> None:
        with self.uow.transaction() as conn:
            reservations.reserve(conn, warehouse_id=self.warehouse_id, sku_id=sku_id, qty=1,
                                 reference=f"{self.tag}-{n}", tracking="none")

    def close(self) -> None:
        self.uow.engine.dispose()


class RawSqlite:
    def __init__(self, target: Target, tag: str) -> None:
        self.conn = raw_sqlite_connection(target.url)
        self.warehouse_id, self.tag = target.warehouse_id, tag

    def reserve(self, n: int, sku_id: int) -> None:
        c, w = self.conn, self.warehouse_id
        c.execute("BEGIN IMMEDIATE")
        try:
            if c.execute(SQLITE_GUARD, (1, w, sku_id)).rowcount != 1:
                raise OutOfStock(sku_id)
            now = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            c.execute(SQLITE_INSERT, (w, sku_id, 1, f"{self.tag}-{n}", now))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()


class RawPostgres:
    def __init__(self, target: Target, tag: str) -> None:
        import psycopg

        url = make_url(target.url)
        self.conn = psycopg.connect(host=url.host, port=url.port, user=url.username,
                                    password=url.password, dbname=url.database)
        self.warehouse_id, self.tag = target.warehouse_id, tag

    def reserve(self, n: int, sku_id: int) -> None:
        params = {"q": 1, "w": self.warehouse_id, "s": sku_id, "r": f"{self.tag}-{n}",
                  "t": datetime.now(UTC)}
        try:
            if self.conn.execute(PG_GUARD, params).rowcount != 1:
                raise OutOfStock(sku_id)
            self.conn.execute(PG_INSERT, params)
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def close(self) -> None:
        self.conn.close()


class NaiveOrm:
    """Load the position, check it in Python, modify it, add the row, flush and commit."""

    def __init__(self, target: Target, tag: str) -> None:
        from backroom.db.registry import metadata

        metadata()  # every mapped table, so the ORM can resolve foreign keys
        self.engine = make_engine(target.url, pool_size=1)
        self.warehouse_id, self.tag = target.warehouse_id, tag

    def reserve(self, n: int, sku_id: int) -> None:
        with Session(self.engine) as session, session.begin():
            pos = session.get(StockPosition, (self.warehouse_id, sku_id, 0))
            setting = session.get(StockSetting, (self.warehouse_id, sku_id))
            safety = setting.safety_stock if setting else 0
            if pos is None or pos.on_hand - pos.reserved - safety < 1:
                raise OutOfStock(sku_id)
            pos.reserved += 1
            session.add(Reservation(warehouse_id=self.warehouse_id, sku_id=sku_id, lot_id=0,
                                    qty=1, open_qty=1, state="active",
                                    reference=f"{self.tag}-{n}", created_at=clock.now()))

    def close(self) -> None:
        self.engine.dispose()


def raw_sqlite_connection(url: str) -> sqlite3.Connection:
    """A driver connection with the PRAGMAs Backroom's engine sets, in autocommit mode."""
    busy_ms = get_settings().sqlite_busy_timeout_ms
    conn = sqlite3.connect(str(make_url(url).database), timeout=busy_ms / 1000,
                           isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                   f"busy_timeout={busy_ms}"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def make_loop(mode: str, target: Target, tag: str) -> Loop:
    postgres = make_url(target.url).get_backend_name() == "postgresql"
    if mode == "ours":
        return Ours(target, tag)
    if mode == "raw":
        return RawPostgres(target, tag) if postgres else RawSqlite(target, tag)
    if mode == "orm":
        return NaiveOrm(target, tag)
    raise ValueError(f"unknown workload {mode!r}")


def run_for(loop: Loop, seconds: float, sku_ids: tuple[int, ...], rng: random.Random,
            start: int = 0) -> tuple[int, float]:
    """Reserve as fast as possible for ``seconds``; returns (transactions, elapsed)."""
    n = start
    began = time.perf_counter()
    deadline = began + seconds
    pick: Any = (lambda: sku_ids[0]) if len(sku_ids) == 1 else (lambda: rng.choice(sku_ids))
    while time.perf_counter() < deadline:
        loop.reserve(n, pick())
        n += 1
    return n - start, time.perf_counter() - began
