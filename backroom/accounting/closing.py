"""Year-end closing: move the year's income and expenses into retained earnings.

``close_year`` posts one **closing entry** dated the last day of the year: each income and
expense account's balance for the year is posted back to zero, and the difference (the year's
net income) goes to the account with the ``retained_earnings`` role. It needs every month of
the year closed first, and it is done once per year: the entry's ``source_event_id`` is
``year-close-YYYY`` (UNIQUE in the database), its ``source_ref`` ``year_close:YYYY``.

December is closed, and the database refuses entries in a closed month, so December is
marked open and closed again inside the same transaction: no other transaction ever sees it
open. A closed year is final: its months cannot be reopened and its closing entry cannot be
reversed (corrections go into an open month, as late operations do).

The P&L and the margin report leave closing entries out, so a closed year still reports its
revenue and costs; the trial balance and the balance sheet include them (retained earnings
instead of current earnings).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select, update

from backroom.accounting import balances, journal
from backroom.accounting.model import (
    YEAR_CLOSE_REF,
    AccountInfo,
    EntryDraft,
    LineDraft,
    base_line,
)
from backroom.accounting.tables import ENTRIES, LINES, PERIOD_LOG, PERIODS
from backroom.core import clock
from backroom.core.errors import Conflict, ValidationFailed
from backroom.core.money import from_minor
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork


class YearClosed(Conflict):
    code = "year_closed"


def closing_key(year: int) -> str:
    return f"year-close-{year:04d}"


def closing_ref(year: int) -> str:
    return f"{YEAR_CLOSE_REF}{year:04d}"


def months_of(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def closing_lines(totals: list[tuple[str, str, int, int]], retained: str,
                  currency: str) -> list[LineDraft]:
    """Lines bringing each income and expense account of ``totals`` ((code, type, debit,
    credit) for the year) to zero, the net to ``retained``. Empty if there is nothing."""
    lines = []
    for code, kind, debit, credit in totals:
        net = debit - credit
        if kind in ("income", "expense") and net:
            lines.append(base_line(code, "credit" if net > 0 else "debit", abs(net),
                                   currency=currency))
    debits = sum(ln.debit for ln in lines)
    credits = sum(ln.credit for ln in lines)
    if debits != credits:
        side = "credit" if debits > credits else "debit"
        lines.append(base_line(retained, side, abs(debits - credits), currency=currency))
    return lines


def closing_entry(conn: Connection, year: int) -> int | None:
    """The id of ``year``'s closing entry, if the year is closed."""
    found = conn.execute(select(ENTRIES.c.id)
                         .where(ENTRIES.c.source_event_id == closing_key(year))).scalar()
    return None if found is None else int(found)


def closing_entries(conn: Connection) -> dict[int, date]:
    """Every closing entry: id → date (a handful: one per closed year)."""
    e = ENTRIES.c
    low, high = conn.execute(select(func.min(e.entry_date), func.max(e.entry_date))).one()
    if low is None:
        return {}
    keys = [closing_key(y) for y in range(low.year, high.year + 1)]
    return {int(r.id): r.entry_date for r in conn.execute(
        select(e.id, e.entry_date).where(e.source_event_id.in_(keys)))}


def closing_totals(conn: Connection, *, start: date | None,
                   end: date | None) -> dict[int, tuple[int, int]]:
    """Debits and credits per account id of the closing entries dated in [start, end]."""
    ids = [i for i, day in closing_entries(conn).items()
           if (start is None or day >= start) and (end is None or day <= end)]
    if not ids:
        return {}
    ln = LINES.c
    return {int(r.account_id): (int(r.d), int(r.c)) for r in conn.execute(
        select(ln.account_id, func.sum(ln.debit).label("d"), func.sum(ln.credit).label("c"))
        .where(ln.entry_id.in_(ids)).group_by(ln.account_id))}


def _year(year: int) -> int:
    if not 1900 <= year <= 9998:
        raise ValidationFailed.single("year", year, "must be a year such as 2026")
    return year


def _check_closable(conn: Connection, year: int) -> None:
    p = PERIODS.c
    stmt = select(p.period).where(p.period.in_(months_of(year)), p.state == "closed")
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # a second close of the same year waits here
    shut = set(conn.execute(stmt).scalars())
    done = closing_entry(conn, year)
    if done is not None:
        raise YearClosed(f"year {year} is already closed (entry {done})",
                         data={"year": year, "entry_id": done})
    still_open = [m for m in months_of(year) if m not in shut]
    if still_open:
        raise Conflict(f"close every month of {year} first; still open: "
                       f"{', '.join(still_open)}", data={"year": year, "open": still_open})


def _retained(accounts: dict[str, AccountInfo]) -> str:
    code = next((a.code for a in accounts.values() if a.role == "retained_earnings"), None)
    if code is None:
        raise ValidationFailed.single("retained_earnings", None, "no account has the role "
                                      "retained_earnings (add one to the chart of accounts)")
    return code


def _draft(conn: Connection, year: int, accounts: dict[str, AccountInfo]) -> EntryDraft:
    first, last = date(year, 1, 1), date(year, 12, 31)
    totals = [(t.code, t.type, t.debit, t.credit)
              for t in balances.totals(conn, start=first, end=last)]
    lines = closing_lines(totals, _retained(accounts), get_settings().base_currency.upper())
    if not lines:
        raise Conflict(f"nothing to close: no income or expense in {year}",
                       data={"year": year})
    return EntryDraft(last, f"Year-end closing {year}: income and expenses to retained "
                            "earnings", tuple(lines), closing_key(year), closing_ref(year),
                      None, last)


def close_year(uow: UnitOfWork, year: int, *, by: str, note: str = "") -> dict[str, Any]:
    """Post ``year``'s closing entry (once; every month of the year must be closed)."""
    _year(year)
    december = f"{year:04d}-12"
    with uow.transaction() as conn:
        _check_closable(conn, year)
        accounts = journal.load_accounts(conn)
        draft = _draft(conn, year, accounts)
        # Inactive income or expense accounts are closed too.
        usable = {c: replace(a, active=True) for c, a in accounts.items()}
        conn.execute(update(PERIODS).where(PERIODS.c.period == december).values(state="open"))
        posted = journal.post_entries(conn, [draft], created_by=by, accounts=usable,
                                      closed=set())[0]
        conn.execute(update(PERIODS).where(PERIODS.c.period == december)
                     .values(state="closed"))
        conn.execute(PERIOD_LOG.insert().values(
            period=december, action="year", by=by[:100], at=clock.now(),
            note=(note or f"year {year} closed to retained earnings, entry {posted.id}")[:500]))
    retained = _retained(accounts)
    net = sum(ln.credit - ln.debit for ln in draft.lines if ln.account == retained)
    base = get_settings().base_currency.upper()
    return {"year": year, "entry_id": posted.id, "date": draft.entry_date,
            "lines": len(draft.lines), "net_income": str(from_minor(net, base)),
            "retained_earnings_account": retained}
