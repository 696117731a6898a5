"""Debits and credits per account over a date range, aggregated in SQL.

Whole months come from ``account_period_balances`` (one row per account and month); only the
months at the edges of the range read their journal lines, through the (account, date)
index. So a trial balance over millions of lines reads a few thousand rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, func, select

from backroom.accounting.model import next_period, period_of, period_start
from backroom.accounting.tables import ACCOUNTS, BALANCES, LINES


@dataclass(frozen=True, slots=True)
class AccountTotal:
    id: int
    code: str
    name: str
    type: str
    section: str
    role: str | None
    active: bool
    debit: int
    credit: int


def _month_end(period: str) -> date:
    return period_start(next_period(period)) - timedelta(days=1)


def totals(conn: Connection, *, start: date | None = None,
           end: date | None = None) -> list[AccountTotal]:
    """Every account with its debits and credits dated in [start, end] (open ends: all)."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    b, ln = BALANCES.c, LINES.c
    first = period_of(start) if start else None
    last = period_of(end) if end else None
    edge_months = [m for m in (first, last) if m]
    whole = select(b.account_id, func.sum(b.debit), func.sum(b.credit)).group_by(b.account_id)
    if edge_months:
        whole = whole.where(b.period.not_in(edge_months))
    if first:
        whole = whole.where(b.period > first)
    if last:
        whole = whole.where(b.period < last)
    for acc, d, c in conn.execute(whole):
        sums[acc][0] += int(d)
        sums[acc][1] += int(c)
    for month in sorted(set(edge_months)):
        lo = max(start, period_start(month)) if start else period_start(month)
        hi = min(end, _month_end(month)) if end else _month_end(month)
        for acc, d, c in conn.execute(
                select(ln.account_id, func.sum(ln.debit), func.sum(ln.credit))
                .where(ln.entry_date >= lo, ln.entry_date <= hi).group_by(ln.account_id)):
            sums[acc][0] += int(d)
            sums[acc][1] += int(c)
    a = ACCOUNTS.c
    return [AccountTotal(r.id, r.code, r.name, r.type, r.section, r.role, r.active,
                         *sums.get(r.id, (0, 0)))
            for r in conn.execute(select(a.id, a.code, a.name, a.type, a.section, a.role,
                                         a.active).order_by(a.code))]
