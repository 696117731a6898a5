"""Batch receipt (one 10,000-line receipt) and level reads (one SKU, all its locations), each
against a raw sqlite3 baseline doing the same rows or the same query."""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, select

from backroom.bench import seed
from backroom.bench.loops import raw_sqlite_connection
from backroom.bench.report import Figure, Goal
from backroom.bench.reserve import Outcome, audit_ok
from backroom.catalog.tables import PRODUCTS
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory import services
from backroom.inventory.tables import LEVELS, LOCATIONS

UNITS_PER_LINE = 10
LEVEL_LOCATIONS = 50
READ_BLOCK = 100


def receipt(folder: Path, quick: bool) -> Outcome:
    """``services.receive`` of one receipt with a line per SKU, vs raw executemany of the rows."""
    skus = 1_000 if quick else 10_000
    url = seed.sqlite_database(folder, "receipt")
    codes = seed.sku_codes(skus)
    store = seed.seed_catalog(url, [*codes, "WARMUP"])
    raw_url = seed.copy_sqlite(url, "receipt-raw")
    uow = UnitOfWork(make_engine(url))
    try:
        services.receive(uow, seed.WAREHOUSE, [services.ReceiptLine("WARMUP", 1, Decimal(1))])
        lines = [services.ReceiptLine(c, UNITS_PER_LINE, Decimal("1.25")) for c in codes]
        began = time.perf_counter()
        services.receive(uow, seed.WAREHOUSE, lines, reference="PO-BENCH")
        ours = time.perf_counter() - began
    finally:
        uow.engine.dispose()
    raw = raw_receipt(raw_url, [store.skus[c] for c in codes])
    units = skus * UNITS_PER_LINE
    figure = Figure("receive_100k_seconds",
                    f"receive {units:,} units, {skus:,} lines", "s", ours, raw,
                    "receive_100k_raw_seconds", "raw executemany", "receive_100k_ratio",
                    Goal("below", 2.0, "< 2 s"))
    return Outcome([figure], audit_ok(url), {"receive_units": units, "receive_skus": skus})


def raw_receipt(url: str, sku_ids: list[int]) -> float:
    """The same moves, levels and positions rows by hand: one transaction, executemany."""
    conn = raw_sqlite_connection(url)
    try:
        places = dict(conn.execute("SELECT code, id FROM locations").fetchall())
        supplier, dest = places["SUPPLIER"], places[f"{seed.WAREHOUSE}-INPUT"]
        wid = conn.execute("SELECT id FROM warehouses").fetchone()[0]
        began = time.perf_counter()
        now = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        value = round(Decimal("1.25") * 100 * UNITS_PER_LINE)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO stock_moves (sku_id, lot_id, qty, from_location_id, to_location_id, "
            "state, reason, reference, note, value_minor, created_at, done_at) "
            "VALUES (?, 0, ?, ?, ?, 'done', 'receipt', 'PO-RAW', '', ?, ?, ?)",
            [(s, UNITS_PER_LINE, supplier, dest, value, now, now) for s in sku_ids])
        conn.executemany(
            "INSERT INTO stock_levels (location_id, sku_id, lot_id, physical, on_hand, reserved) "
            "VALUES (?, ?, 0, ?, ?, 0) ON CONFLICT (location_id, sku_id, lot_id) "
            "DO UPDATE SET on_hand = on_hand + excluded.on_hand",
            [row for s in sku_ids for row in ((dest, s, 1, UNITS_PER_LINE),
                                               (supplier, s, 0, -UNITS_PER_LINE))])
        conn.executemany(
            "INSERT INTO stock_positions (warehouse_id, sku_id, lot_id, on_hand, reserved, "
            "quarantined, incoming) VALUES (?, ?, 0, ?, 0, 0, 0) "
            "ON CONFLICT (warehouse_id, sku_id, lot_id) DO UPDATE SET on_hand = on_hand + "
            "excluded.on_hand", [(wid, s, UNITS_PER_LINE) for s in sku_ids])
        conn.execute("COMMIT")
        return time.perf_counter() - began
    finally:
        conn.close()


# Raw twins of the two level reads below: the same joins, filters and order, by hand.
RAW_LEVELS_FOR_SKU = (
    "SELECT l.code, l.kind, w.code, lot.code, lot.expiry_date, lv.on_hand, lv.reserved "
    "FROM stock_levels lv JOIN locations l ON l.id = lv.location_id "
    "LEFT OUTER JOIN warehouses w ON w.id = l.warehouse_id "
    "LEFT OUTER JOIN lots lot ON lot.id = lv.lot_id "
    "WHERE lv.sku_id = (SELECT id FROM products WHERE sku = ?) AND lv.on_hand > 0 "
    "AND (lv.physical OR l.kind = 'transit') "
    "ORDER BY w.code IS NULL, w.code, l.code, lv.lot_id")
RAW_CORE_LEVELS = (
    "SELECT locations.code, stock_levels.lot_id, stock_levels.on_hand, stock_levels.reserved "
    "FROM stock_levels JOIN locations ON locations.id = stock_levels.location_id "
    "JOIN products ON products.id = stock_levels.sku_id "
    "WHERE products.sku = ? AND stock_levels.physical = 1 "
    "ORDER BY locations.code, stock_levels.lot_id")

_LEVELS = (select(LOCATIONS.c.code, LEVELS.c.lot_id, LEVELS.c.on_hand, LEVELS.c.reserved)
           .join(LOCATIONS, LOCATIONS.c.id == LEVELS.c.location_id)
           .join(PRODUCTS, PRODUCTS.c.id == LEVELS.c.sku_id)
           .where(PRODUCTS.c.sku == bindparam("sku"), LEVELS.c.physical.is_(True))
           .order_by(LOCATIONS.c.code, LEVELS.c.lot_id))


@dataclass(frozen=True, slots=True)
class LevelReader:
    read: Callable[[Connection, str], Any]
    raw_sql: str
    via: str


def core_levels_for_sku(conn: Connection, sku_code: str) -> list[Any]:
    """Fallback read: a Core select of every physical location's level of one SKU."""
    return list(conn.execute(_LEVELS, {"sku": sku_code}).all())


def level_reader() -> LevelReader:
    """``backroom.inventory.queries.levels_for_sku`` when it exists, else the Core select."""
    try:
        module = importlib.import_module("backroom.inventory.queries")
    except ImportError:
        module = None
    found = getattr(module, "levels_for_sku", None)
    if callable(found):
        return LevelReader(found, RAW_LEVELS_FOR_SKU, "backroom.inventory.queries.levels_for_sku")
    return LevelReader(core_levels_for_sku, RAW_CORE_LEVELS,
                       "Core select (no backroom.inventory.queries.levels_for_sku)")


def level_read(folder: Path, quick: bool) -> Outcome:
    skus, reads = (1_000, 1_000) if quick else (10_000, 5_000)
    url = seed.sqlite_database(folder, "levels")
    codes = seed.sku_codes(skus)
    store = seed.seed_catalog(url, codes, bins=LEVEL_LOCATIONS - 1)
    seed.receive(url, dict.fromkeys(codes, 100))
    per_bin = skus // len(store.bins)
    for n, bin_code in enumerate(store.bins):  # the hot SKU (codes[0]) ends up in 50 places
        others = codes[1 + n * per_bin:1 + (n + 1) * per_bin]
        seed.receive(url, dict.fromkeys([codes[0], *others], 5), location=bin_code)
    reader = level_reader()
    ours, raw, rows = _time_reads(url, codes[0], reader, reads)
    p50, p99 = _percentiles(ours)
    raw50, raw99 = _percentiles(raw)
    figures = [
        Figure("level_read_p99_ms", f"level read p99, {rows} locations", "ms", p99,
               raw99, "level_read_raw_p99_ms", "raw sqlite3", "level_read_p99_ratio",
               Goal("below", 2.0, "< 2 ms")),
        Figure("level_read_p50_ms", "  level read p50", "ms", p50, raw50,
               "level_read_raw_p50_ms", "raw sqlite3", "level_read_p50_ratio")]
    meta = {"level_read_via": reader.via, "level_read_locations": rows, "level_read_skus": skus,
            "level_reads": reads}
    return Outcome(figures, audit_ok(url), meta)


def _time_reads(url: str, sku: str, reader: LevelReader, reads: int) -> tuple[list[float], list[float], int]:
    """Alternate blocks of Backroom reads (``uow.read()`` + reader) and raw reads."""
    uow = UnitOfWork(make_engine(url))
    raw = raw_sqlite_connection(url)
    ours_ms: list[float] = []
    raw_ms: list[float] = []
    rows = 0
    try:
        for _ in range(READ_BLOCK):  # warm both up: connections, caches, compiled statements
            with uow.read() as conn:
                rows = len(reader.read(conn, sku))
            raw.execute(reader.raw_sql, (sku,)).fetchall()
        for _ in range(max(1, reads // READ_BLOCK)):
            for _ in range(READ_BLOCK):
                began = time.perf_counter()
                with uow.read() as conn:
                    reader.read(conn, sku)
                ours_ms.append((time.perf_counter() - began) * 1000)
            for _ in range(READ_BLOCK):
                began = time.perf_counter()
                raw.execute(reader.raw_sql, (sku,)).fetchall()
                raw_ms.append((time.perf_counter() - began) * 1000)
    finally:
        raw.close()
        uow.engine.dispose()
    return ours_ms, raw_ms, rows


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[98]
