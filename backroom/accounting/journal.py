"""The one writer of the books: post entries (lines first, then the sealing header), keep the
per-period balances in the same transaction, reverse entries.

Every entry is checked in code first (so a user gets every problem at once), and again by the
database when its header is inserted (see migration 0003).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backroom.accounting.model import (
    YEAR_CLOSE_REF,
    AccountInfo,
    EntryDraft,
    LineDraft,
    entry_problems,
    reversal_of,
)
from backroom.accounting.tables import ACCOUNTS, BALANCES, ENTRIES, LINES, PERIODS
from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, Problem, ValidationFailed
from backroom.db.bulk import insert_rows, prepared


class PeriodClosed(Conflict):
    code = "period_closed"


def load_accounts(conn: Connection) -> dict[str, AccountInfo]:
    a = ACCOUNTS.c
    return {r.code: AccountInfo(r.id, r.code, r.name, r.type, r.active, r.role, r.section)
            for r in conn.execute(select(a.id, a.code, a.name, a.type, a.active, a.role,
                                         a.section).order_by(a.code))}


def closed_periods(conn: Connection) -> set[str]:
    p = PERIODS.c
    return set(conn.execute(select(p.period).where(p.state == "closed")).scalars())


def check_entries(drafts: Sequence[EntryDraft], accounts: dict[str, AccountInfo],
                  closed: set[str]) -> None:
    """Every problem of every draft at once, or nothing."""
    problems: list[Problem] = []
    for n, draft in enumerate(drafts, 1):
        for p in entry_problems(draft, accounts):
            problems.append(Problem(p.field if len(drafts) == 1 else f"entries[{n}].{p.field}",
                                    p.message, p.value))
    if problems:
        raise ValidationFailed.of(problems)
    shut = sorted({d.period for d in drafts if d.period in closed})
    if shut:
        raise PeriodClosed(f"period {', '.join(shut)} is closed: nothing can be posted into it "
                           "(reopen it, or date the entry in an open period)",
                           data={"periods": shut})


@dataclass(frozen=True, slots=True)
class Posted:
    id: int
    draft: EntryDraft


def post_entries(conn: Connection, drafts: Sequence[EntryDraft], *, created_by: str,
                 accounts: dict[str, AccountInfo] | None = None,
                 closed: set[str] | None = None, checked: bool = False) -> list[Posted]:
    """Check and write ``drafts`` in the caller's transaction; their ids in order.

    ``checked``: the caller already ran ``entry_problems`` on each draft and dated them in
    open periods (the worker does); the database checks again either way.
    """
    if not drafts:
        return []
    accounts = load_accounts(conn) if accounts is None else accounts
    if not checked:
        check_entries(drafts, accounts, closed_periods(conn) if closed is None else closed)
    ids = _new_ids(conn, len(drafts))
    now = clock.now()
    lines: list[dict[str, Any]] = []
    headers: list[dict[str, Any]] = []
    for entry_id, d in zip(ids, drafts, strict=True):
        for n, ln in enumerate(d.lines, 1):
            lines.append({"entry_id": entry_id, "line_no": n,
                          "account_id": accounts[ln.account].id, "entry_date": d.entry_date,
                          "debit": ln.debit, "credit": ln.credit, "currency": ln.currency,
                          "amount": ln.amount, "rate": _rate(ln.rate),
                          "reference": ln.reference[:128], "sku_id": ln.sku_id,
                          "channel": ln.channel[:32]})
        headers.append({"id": entry_id, "entry_date": d.entry_date, "period": d.period,
                        "operation_date": d.operation_date or d.entry_date,
                        "description": d.description[:500],
                        "source_event_id": d.source_event_id, "source_ref": d.source_ref[:64],
                        "reversal_of": d.reversal_of, "created_by": created_by[:100],
                        "created_at": now})
    insert_rows(conn, LINES, lines)
    insert_rows(conn, ENTRIES, headers)
    _add_balances(conn, lines, {h["id"]: h["period"] for h in headers})
    return [Posted(i, d) for i, d in zip(ids, drafts, strict=True)]


def _rate(rate: Decimal) -> str:
    if rate == 1:
        return "1"
    return format(rate.normalize(), "f") if rate != rate.to_integral_value() else str(int(rate))


def _new_ids(conn: Connection, n: int) -> list[int]:
    """Ids for ``n`` new entries, known before their lines are written.

    PostgreSQL: from the table's sequence. SQLite: writers hold the write lock for the whole
    transaction (BEGIN IMMEDIATE), so the ids after the current maximum are ours.
    """
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text("SELECT nextval(pg_get_serial_sequence('journal_entries', "
                                 "'id')) FROM generate_series(1, :n)"), {"n": n})
        return sorted(int(r[0]) for r in rows)
    start = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM journal_entries"))
                .scalar_one()) + 1
    return list(range(start, start + n))


def _add_balances(conn: Connection, lines: list[dict[str, Any]],
                  periods: dict[int, str]) -> None:
    totals: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for ln in lines:
        t = totals[(ln["account_id"], periods[ln["entry_id"]])]
        t[0] += ln["debit"]
        t[1] += ln["credit"]
    rows = [{"account_id": a, "period": p, "debit": d, "credit": c}
            for (a, p), (d, c) in sorted(totals.items())]
    dialect = conn.dialect.name
    stmt = prepared(("acct_balances", dialect), lambda: _balance_upsert(dialect))
    stmt.executemany(conn, rows)


def _balance_upsert(dialect: str) -> Any:
    ins = pg_insert(BALANCES) if dialect == "postgresql" else sqlite_insert(BALANCES)
    cols = ("account_id", "period", "debit", "credit")
    return ins.values({c: bindparam(c) for c in cols}).on_conflict_do_update(
        index_elements=["account_id", "period"],
        set_={"debit": BALANCES.c.debit + ins.excluded.debit,
              "credit": BALANCES.c.credit + ins.excluded.credit})


def load_entry(conn: Connection, entry_id: int) -> tuple[Any, EntryDraft]:
    """The stored entry as (header row, draft with account codes)."""
    e, ln, a = ENTRIES.c, LINES.c, ACCOUNTS.c
    head = conn.execute(select(ENTRIES).where(e.id == entry_id)).first()
    if head is None:
        raise NotFound(f"no journal entry {entry_id}")
    rows = conn.execute(select(a.code, ln.debit, ln.credit, ln.currency, ln.amount, ln.rate,
                               ln.reference, ln.sku_id, ln.channel)
                        .join(ACCOUNTS, a.id == ln.account_id)
                        .where(ln.entry_id == entry_id).order_by(ln.line_no)).all()
    lines = tuple(LineDraft(r.code, r.debit, r.credit, r.currency, r.amount, Decimal(r.rate),
                            r.reference, r.sku_id, r.channel) for r in rows)
    return head, EntryDraft(head.entry_date, head.description, lines, head.source_event_id,
                            head.source_ref, head.reversal_of, head.operation_date)


def reverse_entry(conn: Connection, entry_id: int, *, on: date | None, created_by: str,
                  description: str = "") -> Posted:
    """Post the mirror image of entry ``entry_id`` (once), dated ``on`` or the original date."""
    head, draft = load_entry(conn, entry_id)
    if head.source_ref.startswith(YEAR_CLOSE_REF):
        raise Conflict(f"entry {entry_id} closes a year to retained earnings and cannot be "
                       "reversed: a closed year is final", data={"entry_id": entry_id})
    if head.reversal_of is not None:
        raise Conflict(f"entry {entry_id} is itself a reversal (of entry {head.reversal_of}); "
                       "post a new entry instead", data={"entry_id": entry_id})
    e = ENTRIES.c
    done = conn.execute(select(e.id).where(e.reversal_of == entry_id)).scalar()
    if done is not None:
        raise Conflict(f"entry {entry_id} was already reversed by entry {done}",
                       data={"entry_id": entry_id, "reversed_by": done})
    day = on or head.entry_date
    text_ = description or f"Reversal of entry {entry_id}: {head.description}"
    mirror = reversal_of(draft, entry_id, day, text_[:500])
    return post_entries(conn, [mirror], created_by=created_by)[0]
