"""``backroom report …`` and ``backroom export …``: the books for people and for other tools.

Dates: ``--as-of D`` (balances at the end of day D), or ``--from D --to D`` (activity between,
both inclusive). Every report takes ``--json``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from backroom.accounting import reports
from backroom.cli.common import JsonOption, console, emit, get_uow, handle_errors, parse_date
from backroom.core.errors import ValidationFailed

report_app = typer.Typer(help="Reports: trial balance, balance sheet, P&L, ledger, "
                              "inventory valuation, margin.", no_args_is_help=True)
export_app = typer.Typer(help="Exports of the books: Beancount, CSV general ledger.",
                         no_args_is_help=True)

AsOf = typer.Option(None, "--as-of", help="End of this day, YYYY-MM-DD (default: today's "
                                          "books, everything posted).")
From = typer.Option(None, "--from", help="First day, YYYY-MM-DD.")
To = typer.Option(None, "--to", help="Last day, YYYY-MM-DD.")


def _range(as_of: str | None, start: str | None, end: str | None) -> tuple[date | None,
                                                                            date | None]:
    if as_of and (start or end):
        raise ValidationFailed.single("--as-of", as_of, "use either --as-of or --from/--to")
    first, last = parse_date("--from", start), parse_date("--to", end or as_of)
    if first and last and first > last:
        raise ValidationFailed.single("--from", start, "is after --to")
    return first, last


def _amount_rows(items: list[dict[str, Any]], key: str) -> list[tuple[Any, ...]]:
    return [(i["code"], i["name"], i[key]) for i in items]


@report_app.command("trial-balance")
def trial_balance(as_of: str | None = AsOf, start: str | None = From, end: str | None = To,
                  as_json: bool = JsonOption) -> None:
    """Every account's net debit or credit; the columns add up to the same total."""
    with handle_errors(as_json):
        first, last = _range(as_of, start, end)
        with get_uow().read() as conn:
            data = reports.trial_balance(conn, as_of=last, start=first)
    rows = [(r["code"], r["name"], r["debit"], r["credit"]) for r in data["accounts"]]
    rows.append(("", "total", data["total_debit"], data["total_credit"]))
    emit(data, as_json, title=f"Trial balance ({data['currency']})",
         columns=["code", "account", "debit", "credit"], rows=rows)


@report_app.command("balance-sheet")
def balance_sheet(as_of: str | None = AsOf, as_json: bool = JsonOption) -> None:
    """Assets = liabilities + equity (+ earnings not yet closed), at a date."""
    with handle_errors(as_json):
        _, last = _range(as_of, None, None)
        with get_uow().read() as conn:
            data = reports.balance_sheet(conn, as_of=last)
    rows: list[tuple[Any, ...]] = []
    for title, key, total in (("Assets", "assets", "total_assets"),
                              ("Liabilities", "liabilities", "total_liabilities"),
                              ("Equity", "equity", "total_equity")):
        rows += [("", title, ""), *_amount_rows(data[key], "balance")]
        rows.append(("", f"total {title.lower()}", data[total]))
    rows += [("", "current earnings", data["current_earnings"]),
             ("", "liabilities + equity + earnings", data["total_liabilities_and_equity"])]
    emit(data, as_json, title=f"Balance sheet ({data['currency']})",
         columns=["code", "account", "balance"], rows=rows)


@report_app.command("pnl")
def pnl(start: str | None = From, end: str | None = To, as_of: str | None = AsOf,
        as_json: bool = JsonOption) -> None:
    """Profit and loss: revenue, cost of sales, gross profit, expenses, net income."""
    with handle_errors(as_json):
        first, last = _range(as_of, start, end)
        with get_uow().read() as conn:
            data = reports.profit_and_loss(conn, start=first, end=last)
    rows = _amount_rows(data["revenue"], "amount")
    rows += [("", "total revenue", data["total_revenue"])]
    rows += _amount_rows(data["cost_of_sales"], "amount")
    rows += [("", "gross profit", data["gross_profit"])]
    rows += _amount_rows(data["operating_expenses"], "amount")
    rows += [("", "net income", data["net_income"])]
    emit(data, as_json, title=f"Profit and loss ({data['currency']})",
         columns=["code", "account", "amount"], rows=rows)


@report_app.command("gl")
def general_ledger(account: str = typer.Argument(..., help="Account code."),
                   start: str | None = From, end: str | None = To,
                   limit: int = typer.Option(1000, "--limit", min=1, max=100_000),
                   as_json: bool = JsonOption) -> None:
    """One account's lines with the running balance."""
    with handle_errors(as_json):
        first, last = _range(None, start, end)
        with get_uow().read() as conn:
            data = reports.general_ledger(conn, account, start=first, end=last, limit=limit)
    emit(data, as_json, title=f"{data['account']} {data['name']} (opening "
                              f"{data['opening_balance']})",
         columns=["date", "entry", "description", "debit", "credit", "balance"],
         rows=[(r["date"], r["entry"], r["description"], r["debit"], r["credit"],
                r["balance"]) for r in data["lines"]])


@report_app.command("inventory-valuation")
def inventory_valuation(as_of: str | None = AsOf,
                        sku: str | None = typer.Option(None, "--sku"),
                        warehouse: str | None = typer.Option(None, "--warehouse"),
                        as_json: bool = JsonOption) -> None:
    """Units and value per SKU and warehouse from the cost layers, beside the books."""
    with handle_errors(as_json):
        _, last = _range(as_of, None, None)
        with get_uow().read() as conn:
            data = reports.inventory_valuation(conn, as_of=last, sku=sku, warehouse=warehouse)
    rows = [(r["sku"], r["warehouse"], r["qty"], r["unit_cost"], r["value"])
            for r in data["items"]]
    rows.append(("total", "", data["total_qty"], "", data["total_value"]))
    emit(data, as_json, title=f"Inventory valuation (books: {data['books_inventory']} + "
                              f"{data['books_in_transit']} in transit)",
         columns=["sku", "warehouse", "qty", "unit cost", "value"], rows=rows)


@report_app.command("margin")
def margin(by: str = typer.Option("month", "--by", help="month, sku or channel, or several "
                                                     "joined by commas (channel,month)"),
           start: str | None = From, end: str | None = To, as_of: str | None = AsOf,
           as_json: bool = JsonOption) -> None:
    """Revenue, COGS and gross margin by month, SKU and/or channel."""
    with handle_errors(as_json):
        first, last = _range(as_of, start, end)
        with get_uow().read() as conn:
            data = reports.margin(conn, by=by, start=first, end=last)
    dims = data["by"].split(",")
    rows = [(*(r[d] for d in dims), r["revenue"], r["cogs"], r["gross_margin"],
             r["margin_pct"]) for r in data["rows"]]
    rows.append(("total", *[""] * (len(dims) - 1), data["total_revenue"],
                 data["total_cogs"], data["gross_margin"], ""))
    emit(data, as_json, title=f"Gross margin by {data['by']} ({data['currency']})",
         columns=[*dims, "revenue", "cogs", "gross margin", "margin %"], rows=rows)


@export_app.command("beancount")
def export_beancount(file: Path = typer.Argument(..., dir_okay=False),
                     as_of: str | None = AsOf, as_json: bool = JsonOption) -> None:
    """Write the books as a Beancount ledger (bean-check clean, balances asserted)."""
    from backroom.accounting.export import write_beancount

    with handle_errors(as_json):
        _, last = _range(as_of, None, None)
        with get_uow().read() as conn, file.open("w", encoding="utf-8") as out:
            summary = write_beancount(conn, out, end=last)
    if as_json:
        emit({"file": str(file), **summary}, True)
    else:
        console.print(f"{summary['entries']} entries and {summary['accounts']} accounts "
                      f"written to {file}")


@export_app.command("csv")
def export_csv(file: Path = typer.Argument(..., dir_okay=False),
               start: str | None = From, end: str | None = To,
               as_json: bool = JsonOption) -> None:
    """Write the general ledger as CSV, one row per journal line."""
    from backroom.accounting.export import write_csv

    with handle_errors(as_json):
        first, last = _range(None, start, end)
        with get_uow().read() as conn, file.open("w", encoding="utf-8", newline="") as out:
            n = write_csv(conn, out, start=first, end=last)
    if as_json:
        emit({"file": str(file), "lines": n}, True)
    else:
        console.print(f"{n} ledger lines written to {file}")
