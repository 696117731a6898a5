"""Delta upserts of the level projections, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backroom.db.bulk import prepared
from backroom.inventory.tables import LEVELS, POSITIONS

_LEVEL_KEYS = ("location_id", "sku_id", "lot_id")
_POSITION_KEYS = ("warehouse_id", "sku_id", "lot_id")
_POSITION_BUCKETS = ("on_hand", "reserved", "quarantined", "incoming")


def _upsert(conn: Connection, table: Table, keys: tuple[str, ...], buckets: tuple[str, ...],
            rows: list[dict[str, Any]], *, guarded: bool = True) -> None:
    """Add deltas. Rows that lower a guarded bucket already exist (the ledger checked and
    locked them), so they are plain UPDATEs: the CHECK constraints would reject a negative
    candidate row of an upsert before its conflict clause applies."""
    lowering: list[dict[str, Any]] = []
    raising: list[dict[str, Any]] = []
    for r in rows:
        (lowering if guarded and min(r[b] for b in buckets) < 0 else raising).append(r)
    if lowering:
        lower = prepared(("lower", table.name, keys, buckets), lambda: update(table).where(
            *(table.c[k] == bindparam(f"k_{k}") for k in keys)).values(
            {b: table.c[b] + bindparam(f"d_{b}") for b in buckets}))
        lower.executemany(conn, [{**{f"k_{k}": r[k] for k in keys},
                                  **{f"d_{b}": r[b] for b in buckets}} for r in lowering])
    if not raising:
        return
    dialect, columns = conn.dialect.name, tuple(raising[0])
    upsert = prepared(("upsert", dialect, table.name, keys, buckets, columns),
                      lambda: _upsert_statement(dialect, table, keys, buckets, columns))
    upsert.executemany(conn, raising)


def _upsert_statement(dialect: str, table: Table, keys: tuple[str, ...],
                      buckets: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    ins = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    return ins.values({c: bindparam(c) for c in columns}).on_conflict_do_update(
        index_elements=list(keys), set_={b: table.c[b] + ins.excluded[b] for b in buckets})


def apply_level_deltas(conn: Connection,
                       deltas: dict[tuple[int, int, int], tuple[int, bool]]) -> None:
    """Add ``on_hand`` deltas keyed by (location, sku, lot); value is (delta, physical)."""
    items = sorted((k, v) for k, v in deltas.items() if v[0])
    for physical in (True, False):
        rows = [{"location_id": loc, "sku_id": sku, "lot_id": lot, "physical": physical,
                 "on_hand": delta, "reserved": 0}
                for (loc, sku, lot), (delta, phys) in items if phys is physical]
        _upsert(conn, LEVELS, _LEVEL_KEYS, ("on_hand",), rows, guarded=physical)


def apply_position_deltas(conn: Connection,
                          deltas: Mapping[tuple[int, int, int], Mapping[str, int]]) -> None:
    """Add bucket deltas keyed by (warehouse, sku, lot)."""
    rows = []
    for (wh, sku, lot), d in sorted(deltas.items()):
        if not any(d.values()):
            continue
        rows.append({"warehouse_id": wh, "sku_id": sku, "lot_id": lot,
                     **{b: d.get(b, 0) for b in _POSITION_BUCKETS}})
    _upsert(conn, POSITIONS, _POSITION_KEYS, _POSITION_BUCKETS, rows)


def upsert_setting(conn: Connection, warehouse_id: int, sku_id: int, safety_stock: int) -> None:
    from backroom.inventory.tables import SETTINGS

    ins = (pg_insert(SETTINGS) if conn.dialect.name == "postgresql" else sqlite_insert(SETTINGS))
    conn.execute(ins.values(warehouse_id=warehouse_id, sku_id=sku_id, safety_stock=safety_stock)
                 .on_conflict_do_update(index_elements=["warehouse_id", "sku_id"],
                                        set_={"safety_stock": ins.excluded.safety_stock}))
