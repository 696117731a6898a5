"""``backroom books …``: post pending events, accounts, manual entries, rules, periods."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import typer

# Importing inline registers its posting hook when BACKROOM_BOOKS_POST_INLINE is on.
from backroom.accounting import inline as _inline  # noqa: F401
from backroom.accounting import periods, posting, services
from backroom.cli.common import JsonOption, console, emit, get_uow, handle_errors, parse_date
from backroom.core.errors import ValidationFailed

app = typer.Typer(help="The books: post events, accounts, entries, rules, periods.",
                  no_args_is_help=True)
accounts_app = typer.Typer(help="Chart of accounts: list, add, rename, deactivate.",
                           no_args_is_help=True)
rules_app = typer.Typer(help="Posting rules: export to YAML, load from YAML.",
                        no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(rules_app, name="rules")


def who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _say(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        emit(data, True)
    else:
        console.print(text)


@app.command("post")
def post(batch: int = typer.Option(500, "--batch", min=1, max=10_000,
                                   help="Events per transaction."),
         limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after N events."),
         gap_timeout: float = typer.Option(posting.DEFAULT_GAP_TIMEOUT_S, "--gap-timeout",
                                           min=0, help="Seconds before a missing outbox id "
                                                       "is passed over."),
         as_json: bool = JsonOption) -> None:
    """Post every pending outbox event to the books (safe to kill and run again)."""
    with handle_errors(as_json):
        run = posting.post_pending(get_uow(), limit, batch=batch, gap_timeout_s=gap_timeout)
    if as_json:
        emit(run.as_dict(), True)
        return
    console.print(f"{run.events} events read, {run.entries} entries posted, {run.ignored} "
                  f"with nothing to post, {run.failed} failed, {run.late} posted late "
                  f"(closed period); cursor at {run.low_water}")
    for line in run.messages[:20]:
        console.print(f"  [red]failed[/] {line}", highlight=False)


@app.command("status")
def status(as_json: bool = JsonOption) -> None:
    """Where the posting worker stands."""
    with handle_errors(as_json):
        data = posting.status(get_uow())
    emit(data, as_json, title="Posting worker", columns=["what", "value"],
         rows=list(data.items()))


@app.command("failures")
def failures(as_json: bool = JsonOption) -> None:
    """Events that could not be posted, with the reason."""
    with handle_errors(as_json):
        rows = posting.failures(get_uow())
    emit(rows, as_json, title="Failed postings", columns=["outbox id", "type", "error"],
         rows=[(r["outbox_id"], r["event_type"], r["error"]) for r in rows])


@app.command("retry")
def retry(as_json: bool = JsonOption) -> None:
    """Post failed events again (after fixing the rules or the chart of accounts)."""
    with handle_errors(as_json):
        run = posting.retry_failures(get_uow())
    _say(run.as_dict(), as_json,
         f"{run.events} failed events retried: {run.entries} posted, {run.failed} still failing")


@app.command("entry")
def entry(on: str = typer.Option(..., "--date", help="Entry date YYYY-MM-DD."),
          description: str = typer.Option(..., "--description", "-m"),
          debit: list[str] = typer.Option([], "--debit", help="ACCOUNT=AMOUNT[:CUR@RATE]"),
          credit: list[str] = typer.Option([], "--credit", help="ACCOUNT=AMOUNT[:CUR@RATE]"),
          as_json: bool = JsonOption) -> None:
    """Post a manual journal entry, e.g. --debit 5300=120.00 --credit 1000=120.00."""
    with handle_errors(as_json):
        lines = ([_line(s, "debit") for s in debit] + [_line(s, "credit") for s in credit])
        day = parse_date("date", on)
        assert day is not None
        data = services.post_manual_entry(get_uow(), day, description, lines, by=who())
    _say(data, as_json,
         f"entry {data['id']} posted on {data['date']} (period {data['period']})")


def _line(spec: str, side: str) -> services.ManualLine:
    account, sep, rest = spec.partition("=")
    if not sep or not account:
        raise ValidationFailed.single(f"--{side}", spec, "must be ACCOUNT=AMOUNT, e.g. "
                                      "1000=120.00 or 1000=100.00:EUR@1.08")
    amount, _, money = rest.partition(":")
    currency, _, rate = money.partition("@")
    kwargs: dict[str, Any] = {side: amount}
    return services.ManualLine(account.strip(), currency=currency or None, rate=rate or None,
                               **kwargs)


@app.command("reverse")
def reverse(entry_id: int = typer.Argument(..., min=1),
            on: str | None = typer.Option(None, "--date", help="Reversal date (default: the "
                                                               "original's)."),
            as_json: bool = JsonOption) -> None:
    """Reverse a posted entry with its mirror image."""
    with handle_errors(as_json):
        data = services.reverse(get_uow(), entry_id, on=parse_date("date", on), by=who())
    _say(data, as_json,
         f"entry {data['id']} reverses entry {entry_id}")


@app.command("close")
def close(period: str = typer.Argument(..., help="Month YYYY-MM."),
          note: str = typer.Option("", "--note"), as_json: bool = JsonOption) -> None:
    """Close a month: nothing can be posted into it any more."""
    with handle_errors(as_json):
        data = periods.close_period(get_uow(), period, by=who(), note=note)
    _say(data, as_json, f"period {data['period']} closed")


@app.command("reopen")
def reopen(period: str = typer.Argument(..., help="Month YYYY-MM."),
           note: str = typer.Option(..., "--note", help="Why (kept in the log)."),
           as_json: bool = JsonOption) -> None:
    """Reopen a closed month (logged with who and why)."""
    with handle_errors(as_json):
        data = periods.reopen_period(get_uow(), period, by=who(), note=note)
    _say(data, as_json, f"period {data['period']} reopened")


@app.command("close-year")
def close_year(year: int = typer.Argument(..., help="Fiscal (calendar) year, e.g. 2025."),
               note: str = typer.Option("", "--note"), as_json: bool = JsonOption) -> None:
    """Close a year: post its income and expenses to retained earnings (once; admin)."""
    from backroom.accounting.closing import close_year as close

    with handle_errors(as_json):
        data = close(get_uow(), year, by=who(), note=note)
    _say(data, as_json, f"year {data['year']} closed: entry {data['entry_id']} on "
                        f"{data['date']} moves net income {data['net_income']} to account "
                        f"{data['retained_earnings_account']}")


@app.command("periods")
def list_periods(as_json: bool = JsonOption) -> None:
    """Months that were ever closed, their state and log."""
    with handle_errors(as_json), get_uow().read() as conn:
        rows = periods.list_periods(conn)
    emit(rows, as_json, title="Periods", columns=["period", "state", "changed by", "at"],
         rows=[(r["period"], r["state"], r["changed_by"], r["changed_at"]) for r in rows])


@accounts_app.command("list")
def accounts_list(as_json: bool = JsonOption) -> None:
    """The chart of accounts."""
    from backroom.accounting.journal import load_accounts

    with handle_errors(as_json), get_uow().read() as conn:
        rows = list(load_accounts(conn).values())
    emit([{"code": a.code, "name": a.name, "type": a.type, "section": a.section,
           "role": a.role, "active": a.active} for a in rows], as_json,
         title="Chart of accounts", columns=["code", "name", "type", "section", "role",
                                             "active"],
         rows=[(a.code, a.name, a.type, a.section, a.role, a.active) for a in rows])


@accounts_app.command("add")
def accounts_add(code: str, name: str,
                 type_: str = typer.Option(..., "--type", help="asset, liability, equity, "
                                                               "income or expense"),
                 section: str = typer.Option("", "--section"),
                 as_json: bool = JsonOption) -> None:
    """Add an account."""
    with handle_errors(as_json):
        emit(services.create_account(get_uow(), code, name, type_, section=section), as_json)


@accounts_app.command("update")
def accounts_update(code: str, name: str | None = typer.Option(None, "--name"),
                    section: str | None = typer.Option(None, "--section"),
                    active: bool | None = typer.Option(None, "--active/--inactive"),
                    as_json: bool = JsonOption) -> None:
    """Rename, regroup, deactivate or reactivate an account (codes never change)."""
    with handle_errors(as_json):
        emit(services.update_account(get_uow(), code, name=name, section=section,
                                     active=active), as_json)


@rules_app.command("export")
def rules_export(file: Path = typer.Argument(..., help="YAML file to write ('-': stdout).")
                 ) -> None:
    """Write every posting rule as YAML."""
    with handle_errors():
        text = services.export_rules(get_uow())
    if str(file) == "-":
        print(text, end="")
    else:
        file.write_text(text, encoding="utf-8")
        console.print(f"posting rules written to {file}")


@rules_app.command("load")
def rules_load(file: Path = typer.Argument(..., exists=True, dir_okay=False),
               as_json: bool = JsonOption) -> None:
    """Replace every posting rule with those in a YAML file (all or nothing)."""
    with handle_errors(as_json):
        data = services.load_rules(get_uow(), file.read_text(encoding="utf-8"))
    _say(data, as_json,
         f"{data['rules']} posting rules loaded for {', '.join(data['events'])}")


@app.command("valuation")
def valuation_method(method: str | None = typer.Argument(None, help="fifo or average (omit "
                                                                     "to show)"),
                     as_json: bool = JsonOption) -> None:
    """Show or choose the inventory valuation method (FIFO or moving average)."""
    from backroom.inventory import averaging

    with handle_errors(as_json):
        uow = get_uow()
        if method is None:
            with uow.read() as conn:
                data: dict[str, Any] = {"method": averaging.method(conn)}
        else:
            data = averaging.set_method(uow, method)
    _say(data, as_json, f"inventory valuation: {data['method']}")


@app.command("landed-cost")
def landed_cost(amount: str = typer.Argument(..., help="Amount in the base currency, e.g. "
                                                       "120.00"),
                reference: str = typer.Option("", "--reference", help="The receipt's "
                                                                      "reference."),
                move: list[int] = typer.Option([], "--move", help="Receipt move id "
                                                                  "(repeatable)."),
                kind: str = typer.Option("freight", "--kind", help="freight, duty, ..."),
                basis: str = typer.Option("value", "--basis", help="value, weight or qty"),
                as_json: bool = JsonOption) -> None:
    """Add freight, duty or other cost to received goods (split by value, weight or qty)."""
    from backroom.inventory.landed_cost import apply_landed_cost

    with handle_errors(as_json):
        data = apply_landed_cost(get_uow(), amount=amount, reference=reference,
                                 move_ids=move or None, kind=kind, basis=basis)
    _say(data, as_json, f"landed cost {data['landed_cost_id']}: {data['to_inventory']} to "
                        f"inventory, {data['to_cogs']} to COGS {data['note']}")
