"""Gross margin by month, SKU or channel, aggregated in SQL from the journal lines.

Revenue is the net credit of income accounts; COGS is the net debit of the account with the
``cogs`` role. Lines carry the SKU (stock moves) and the channel (order events) when the event
gave them; the rest is grouped under "(none)".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, String, case, cast, func, select

from backroom.accounting.tables import ACCOUNTS, LINES
from backroom.core.errors import ValidationFailed

DIMENSIONS = ("month", "sku", "channel")


def margin_rows(conn: Connection, *, by: str, start: date | None,
                end: date | None) -> list[tuple[str, int, int]]:
    if by not in DIMENSIONS:
        raise ValidationFailed.single("by", by, f"must be one of {', '.join(DIMENSIONS)}")
    a, ln = ACCOUNTS.c, LINES.c
    key = _key(conn, by)
    revenue = case((a.type == "income", ln.credit - ln.debit), else_=0)
    cogs = case((a.role == "cogs", ln.debit - ln.credit), else_=0)
    stmt = (select(key.label("k"), func.sum(revenue).label("r"), func.sum(cogs).label("c"))
            .join(ACCOUNTS, a.id == ln.account_id)
            .where((a.type == "income") | (a.role == "cogs")).group_by(key))
    if start:
        stmt = stmt.where(ln.entry_date >= start)
    if end:
        stmt = stmt.where(ln.entry_date <= end)
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in conn.execute(stmt):
        name = str(row.k) if row.k not in (None, "") else "(none)"
        acc[name][0] += int(row.r or 0)
        acc[name][1] += int(row.c or 0)
    if by == "sku":
        acc = _sku_codes(conn, acc)
    return [(k, v[0], v[1]) for k, v in sorted(acc.items())]


def _key(conn: Connection, by: str) -> Any:
    ln = LINES.c
    if by == "sku":
        return ln.sku_id
    if by == "channel":
        return ln.channel
    if conn.dialect.name == "postgresql":
        return func.to_char(ln.entry_date, "YYYY-MM")
    return func.substr(cast(ln.entry_date, String), 1, 7)


def _sku_codes(conn: Connection, acc: dict[str, list[int]]) -> dict[str, list[int]]:
    from backroom.inventory.valuation import sku_codes

    ids = [int(k) for k in acc if k.isdigit()]
    codes = sku_codes(conn, ids) if ids else {}
    return {(codes.get(int(k), k) if k.isdigit() else k): v for k, v in acc.items()}
