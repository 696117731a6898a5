"""Exports of the books: a Beancount ledger (bean-check clean) and a CSV general ledger.

Beancount: one ``open`` per account, one transaction per entry with its lines in the base
currency (the original currency amount and rate ride along as posting metadata), and a
``balance`` assertion per account the day after the last entry, so ``bean-check`` itself proves
the file's balances equal Backroom's trial balance.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, TextIO

from sqlalchemy import Connection, select

from backroom.accounting.tables import ACCOUNTS, ENTRIES, LINES
from backroom.core.money import from_minor
from backroom.core.settings import get_settings

ROOTS = {"asset": "Assets", "liability": "Liabilities", "equity": "Equity",
         "income": "Income", "expense": "Expenses"}
OPEN_DATE = date(1970, 1, 1)
CSV_COLUMNS = ["entry_id", "date", "period", "account", "account_name", "debit", "credit",
               "currency", "amount", "rate", "reference", "description", "source"]


def beancount_account(type_: str, code: str, name: str) -> str:
    """``Assets:1200-Inventory``: the code keeps it unique, the name keeps it readable."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", name.replace("'", "")).strip("-")
    component = re.sub(r"[^A-Za-z0-9-]", "", f"{code}-{words}" if words else code)
    if not component[:1].isalnum():
        component = "X" + component
    return f"{ROOTS[type_]}:{component[:1].upper()}{component[1:]}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _lines(conn: Connection, end: date | None, start: date | None = None) -> Iterator[Any]:
    ln, e = LINES.c, ENTRIES.c
    stmt = (select(ln.entry_id, ln.account_id, ln.debit, ln.credit, ln.currency, ln.amount,
                   ln.rate, ln.reference, e.entry_date, e.period, e.description, e.source_ref)
            .join(ENTRIES, e.id == ln.entry_id)
            .order_by(e.entry_date, ln.entry_id, ln.line_no))
    if end:
        stmt = stmt.where(e.entry_date <= end)
    if start:
        stmt = stmt.where(e.entry_date >= start)
    yield from conn.execute(stmt.execution_options(yield_per=5000))


def write_beancount(conn: Connection, out: TextIO, *, end: date | None = None) -> dict[str, Any]:
    """Write the ledger up to ``end`` (all if None); a summary of what was written."""
    base = get_settings().base_currency.upper()
    a = ACCOUNTS.c
    accounts = {r.id: (beancount_account(r.type, r.code, r.name), r.code) for r in conn.execute(
        select(a.id, a.code, a.name, a.type).order_by(a.code))}
    out.write(f'option "title" "Backroom books"\noption "operating_currency" "{base}"\n\n')
    for name, _code in accounts.values():
        out.write(f"{OPEN_DATE.isoformat()} open {name} {base}\n")
    totals: dict[int, int] = defaultdict(int)
    entries, last, current = 0, OPEN_DATE, None
    for r in _lines(conn, end):
        if r.entry_id != current:
            current, entries, last = r.entry_id, entries + 1, max(last, r.entry_date)
            out.write(f"\n{r.entry_date.isoformat()} * {_quote(r.description)}\n"
                      f"  entry: {_quote(str(r.entry_id))}\n")
            if r.source_ref:
                out.write(f"  source: {_quote(r.source_ref)}\n")
        signed = r.debit - r.credit
        totals[r.account_id] += signed
        out.write(f"  {accounts[r.account_id][0]}  {from_minor(signed, base)} {base}\n")
        if r.currency != base:
            original = from_minor(r.amount if r.debit else -r.amount, r.currency)
            out.write(f"    original: {_quote(f'{original} {r.currency}')}\n"
                      f"    rate: {_quote(r.rate)}\n")
    check_day = (last + timedelta(days=1)).isoformat()
    out.write("\n")
    for acc_id, (name, _code) in accounts.items():
        out.write(f"{check_day} balance {name} {from_minor(totals.get(acc_id, 0), base)} "
                  f"{base}\n")
    return {"entries": entries, "accounts": len(accounts), "checked_on": check_day,
            "balances": {code: str(from_minor(totals.get(i, 0), base))
                         for i, (_n, code) in accounts.items()}}


def write_csv(conn: Connection, out: TextIO, *, start: date | None = None,
              end: date | None = None) -> int:
    """The general ledger as CSV, one row per line; the number of rows written."""
    base = get_settings().base_currency.upper()
    a = ACCOUNTS.c
    names = {r.id: (r.code, r.name) for r in conn.execute(select(a.id, a.code, a.name))}
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for r in _lines(conn, end, start):
        code, name = names[r.account_id]
        writer.writerow([r.entry_id, r.entry_date.isoformat(), r.period, code, name,
                         from_minor(r.debit, base), from_minor(r.credit, base), r.currency,
                         from_minor(r.amount, r.currency), r.rate, r.reference, r.description,
                         r.source_ref])
        n += 1
    return n
