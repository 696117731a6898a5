"""Reports: trial balance, balance sheet, profit and loss, general ledger, inventory valuation
and gross margin. Amounts are decimal strings in the base currency (exact, never floats)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from backroom.accounting import balances
from backroom.accounting.closing import closing_totals
from backroom.accounting.model import DEBIT_NORMAL, natural_balance
from backroom.accounting.tables import ACCOUNTS, ENTRIES, LINES
from backroom.core.errors import NotFound
from backroom.core.money import from_minor
from backroom.core.settings import get_settings
from backroom.inventory import valuation


def money(minor: int) -> str:
    return str(from_minor(minor, get_settings().base_currency.upper()))


def _head(kind: str, **dates: date | None) -> dict[str, Any]:
    return {"report": kind, "currency": get_settings().base_currency.upper(),
            **{k: v.isoformat() if v else None for k, v in dates.items()}}


def trial_balance(conn: Connection, *, as_of: date | None = None,
                  start: date | None = None) -> dict[str, Any]:
    """Each account's net debit or credit over [start, as_of]; the two columns are equal."""
    rows, total_d, total_c = [], 0, 0
    for t in balances.totals(conn, start=start, end=as_of):
        if not (t.debit or t.credit):
            continue
        net = t.debit - t.credit
        total_d, total_c = total_d + max(net, 0), total_c + max(-net, 0)
        rows.append({"code": t.code, "name": t.name, "type": t.type,
                     "debit": money(max(net, 0)), "credit": money(max(-net, 0))})
    return {**_head("trial-balance", start=start, as_of=as_of), "accounts": rows,
            "total_debit": money(total_d), "total_credit": money(total_c),
            "balanced": total_d == total_c}


def balance_sheet(conn: Connection, *, as_of: date | None = None) -> dict[str, Any]:
    """Assets, liabilities and equity at ``as_of``, with earnings not yet closed to equity."""
    groups: dict[str, list[dict[str, Any]]] = {"asset": [], "liability": [], "equity": []}
    sums = {"asset": 0, "liability": 0, "equity": 0, "income": 0, "expense": 0}
    for t in balances.totals(conn, end=as_of):
        value = natural_balance(t.type, t.debit, t.credit)
        sums[t.type] += value
        if t.type in groups and (value or t.debit):
            groups[t.type].append({"code": t.code, "name": t.name, "section": t.section,
                                   "balance": money(value)})
    earnings = sums["income"] - sums["expense"]
    right = sums["liability"] + sums["equity"] + earnings
    return {**_head("balance-sheet", as_of=as_of),
            "assets": groups["asset"], "liabilities": groups["liability"],
            "equity": groups["equity"], "total_assets": money(sums["asset"]),
            "total_liabilities": money(sums["liability"]), "total_equity": money(sums["equity"]),
            "current_earnings": money(earnings), "total_liabilities_and_equity": money(right),
            "balanced": sums["asset"] == right}


def profit_and_loss(conn: Connection, *, start: date | None = None,
                    end: date | None = None) -> dict[str, Any]:
    """Income and expenses over [start, end]: revenue, cost of sales, gross profit, net.
    Year-end closing entries are left out: a closed year still shows its activity."""
    parts: dict[str, list[dict[str, Any]]] = {"revenue": [], "cost": [], "other": []}
    sums = {"revenue": 0, "cost": 0, "other": 0}
    closing = closing_totals(conn, start=start, end=end)
    for t in balances.totals(conn, start=start, end=end):
        less_d, less_c = closing.get(t.id, (0, 0))
        debit, credit = t.debit - less_d, t.credit - less_c
        if t.type not in ("income", "expense") or not (debit or credit):
            continue
        value = natural_balance(t.type, debit, credit)
        key = ("revenue" if t.type == "income"
               else "cost" if t.section.lower() == "cost of sales" else "other")
        sums[key] += value
        parts[key].append({"code": t.code, "name": t.name, "amount": money(value)})
    gross = sums["revenue"] - sums["cost"]
    return {**_head("pnl", start=start, end=end), "revenue": parts["revenue"],
            "total_revenue": money(sums["revenue"]), "cost_of_sales": parts["cost"],
            "total_cost_of_sales": money(sums["cost"]), "gross_profit": money(gross),
            "operating_expenses": parts["other"], "total_operating_expenses": money(sums["other"]),
            "net_income": money(gross - sums["other"])}


def general_ledger(conn: Connection, code: str, *, start: date | None = None,
                   end: date | None = None, limit: int = 1000) -> dict[str, Any]:
    """One account's lines over [start, end] with the running balance (normal side)."""
    a, ln, e = ACCOUNTS.c, LINES.c, ENTRIES.c
    acc = conn.execute(select(a.id, a.code, a.name, a.type).where(a.code == code)).first()
    if acc is None:
        raise NotFound(f"no account {code}")
    opening = 0
    if start is not None:
        before = balances.totals(conn, end=start - timedelta(days=1))
        opening = next((natural_balance(t.type, t.debit, t.credit) for t in before
                        if t.id == acc.id), 0)
    stmt = (select(ln.entry_id, ln.entry_date, ln.debit, ln.credit, ln.currency, ln.amount,
                   ln.rate, ln.reference, e.description)
            .join(ENTRIES, e.id == ln.entry_id).where(ln.account_id == acc.id)
            .order_by(ln.entry_date, ln.entry_id, ln.line_no).limit(limit + 1))
    if start:
        stmt = stmt.where(ln.entry_date >= start)
    if end:
        stmt = stmt.where(ln.entry_date <= end)
    rows = conn.execute(stmt).all()
    running, out = opening, []
    sign = 1 if acc.type in DEBIT_NORMAL else -1
    for r in rows[:limit]:
        running += sign * (r.debit - r.credit)
        out.append({"entry": r.entry_id, "date": r.entry_date.isoformat(),
                    "description": r.description, "debit": money(r.debit),
                    "credit": money(r.credit), "currency": r.currency,
                    "amount": str(from_minor(r.amount, r.currency)), "rate": r.rate,
                    "reference": r.reference, "balance": money(running)})
    return {**_head("general-ledger", start=start, end=end), "account": acc.code,
            "name": acc.name, "opening_balance": money(opening), "lines": out,
            "closing_balance": money(running), "truncated": len(rows) > limit}


def inventory_valuation(conn: Connection, *, as_of: date | None = None,
                        sku: str | None = None, warehouse: str | None = None) -> dict[str, Any]:
    """Units and value per SKU and warehouse from the cost layers, beside the books."""
    before = (datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
              if as_of else None)
    held = valuation.holdings(conn, before, sku=sku, warehouse=warehouse)
    books = {t.role: t.debit - t.credit for t in balances.totals(conn, end=as_of)
             if t.role in ("inventory", "inventory_transit")}
    rows = [{"sku": h.sku, "warehouse": h.warehouse or "TRANSIT", "qty": h.qty,
             "value": money(h.value),
             "unit_cost": str(round(from_minor(h.value, get_settings().base_currency)
                                    / h.qty, 4)) if h.qty else None} for h in held]
    return {**_head("inventory-valuation", as_of=as_of), "items": rows,
            "total_qty": sum(h.qty for h in held), "total_value": money(sum(h.value
                                                                           for h in held)),
            "books_inventory": money(books.get("inventory", 0)),
            "books_in_transit": money(books.get("inventory_transit", 0))}


def margin(conn: Connection, *, by: str = "month", start: date | None = None,
           end: date | None = None) -> dict[str, Any]:
    """Revenue, COGS and gross margin by month, SKU and/or channel (``"channel,month"``),
    from the journal lines; closing entries left out (see ``margin.py``)."""
    from backroom.accounting.margin import margin_rows, parse_by

    dims = parse_by(by)
    rows = margin_rows(conn, by=dims, start=start, end=end)
    out = [{**dict(zip(dims, key, strict=True)), "revenue": money(rev), "cogs": money(cogs),
            "gross_margin": money(rev - cogs),
            "margin_pct": str(round(100 * (rev - cogs) / rev, 1)) if rev else None}
           for key, rev, cogs in rows]
    total_rev, total_cogs = sum(r[1] for r in rows), sum(r[2] for r in rows)
    return {**_head("margin", start=start, end=end), "by": ",".join(dims), "rows": out,
            "total_revenue": money(total_rev), "total_cogs": money(total_cogs),
            "gross_margin": money(total_rev - total_cogs)}


def entry_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(ENTRIES)).scalar_one())
