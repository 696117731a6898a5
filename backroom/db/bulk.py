"""Bulk writes for batches (a 10,000-line receipt is a handful of statements).

Rows go through ``Prepared.executemany``: the statement is compiled once per dialect and each
row's values through their column types' bind processors, without Core's per-row bookkeeping
(~5 µs a row). Rows must all carry the same keys, as for any executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select
from sqlalchemy.sql.elements import ClauseElement

from backroom.db.prepared import Prepared

_PREPARED: dict[tuple[Any, ...], Prepared] = {}


def prepared(key: tuple[Any, ...], build: Callable[[], ClauseElement]) -> Prepared:
    """The ``Prepared`` statement cached under ``key``, built on first use."""
    found = _PREPARED.get(key)
    if found is None:
        found = _PREPARED[key] = Prepared(build())
    return found


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` into ``table`` with one executemany."""
    if not rows:
        return
    keys = tuple(rows[0])
    if any(c.default is not None and c.key not in keys for c in table.columns):
        conn.execute(insert(table), list(rows))  # Core fills in column defaults
        return
    stmt = prepared(("insert", table.fullname, keys),
                    lambda: insert(table).values({k: bindparam(k) for k in keys}))
    stmt.executemany(conn, rows)


def insert_ids(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``table`` (single integer primary key); their ids, in order.

    PostgreSQL: ``INSERT ... RETURNING`` in batches, sorted by parameter order. SQLite can not
    sort the RETURNING rows of a multi-row insert, so SQLAlchemy would send one INSERT per row
    (~50 µs each). Writers there hold the database write lock for the whole transaction (BEGIN
    IMMEDIATE), so no one else can insert meanwhile: the ids following the current maximum are
    ours, and the rows go in with those ids by one executemany. A connection that does not
    hold the lock fails on the primary key instead of mixing ids up.
    """
    if not rows:
        return []
    (pk,) = table.primary_key.columns
    if conn.dialect.name != "sqlite" or len(rows) == 1:
        stmt = insert(table).returning(pk, sort_by_parameter_order=True)
        return [int(i) for i in conn.execute(stmt, list(rows)).scalars().all()]
    start = int(conn.execute(select(func.coalesce(func.max(pk), 0))).scalar_one()) + 1
    ids = list(range(start, start + len(rows)))
    insert_rows(conn, table, [{**row, pk.key: i} for row, i in zip(rows, ids, strict=True)])
    return ids
