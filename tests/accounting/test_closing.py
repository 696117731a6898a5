"""Year-end closing: income and expenses to retained earnings, once, after every month closed;
the P&L still reports the year, the balance sheet shows retained earnings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from backroom.accounting import periods, reports, services
from backroom.accounting.audit import run_all
from backroom.accounting.closing import YearClosed, close_year, closing_lines, months_of
from backroom.accounting.services import ManualLine
from backroom.cli.app import app
from backroom.core import clock
from backroom.core.clock import FixedClock
from backroom.core.errors import Conflict, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.accounting.helpers import balances, post_all
from tests.api.helpers import assert_problem, client_for, headers


def _paid(uow: UnitOfWork, order_id: int, amount: str) -> None:
    with uow.transaction() as conn:
        record(conn, [DomainEvent("order.paid", {"order_id": order_id, "currency": "USD",
                                                 "rate": "1", "total": amount,
                                                 "subtotal": amount})])


@pytest.fixture
def year_2025(store: UnitOfWork) -> Iterator[UnitOfWork]:
    """2025: buy 10 @ 5.00, sell 4 (COGS 20.00) for 60.00, rent 10.00: net income 30.00."""
    previous = clock.set_clock(FixedClock(datetime(2025, 6, 15, 12, tzinfo=UTC)))
    try:
        inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))])
        inv.ship(store, "PLAIN", 4, "WH1-INPUT", reference="SO-1")
        _paid(store, 1, "60.00")
        services.post_manual_entry(store, date(2025, 11, 2), "rent", [
            ManualLine("5300", debit="10.00"), ManualLine("1000", credit="10.00")], by="test")
        post_all(store)
    finally:
        clock.set_clock(previous)
    yield store


def _close_months(uow: UnitOfWork, year: int) -> None:
    for month in months_of(year):
        periods.close_period(uow, month, by="test")


def test_closing_moves_net_income_to_retained_earnings_when_year_is_closed(
        year_2025: UnitOfWork) -> None:
    _close_months(year_2025, 2025)
    done = close_year(year_2025, 2025, by="admin")
    assert done["net_income"] == "30.00" and done["retained_earnings_account"] == "3900"
    assert done["date"] == date(2025, 12, 31) and done["lines"] == 4
    books = balances(year_2025)
    assert {k: books[k] for k in ("4000", "5000", "5300", "3900")} == {
        "4000": 0, "5000": 0, "5300": 0, "3900": -3000}
    with year_2025.read() as conn:
        sheet = reports.balance_sheet(conn, as_of=date(2025, 12, 31))
        pnl = reports.profit_and_loss(conn, start=date(2025, 1, 1), end=date(2025, 12, 31))
        month = reports.margin(conn, by="month")
    assert sheet["current_earnings"] == "0.00" and sheet["total_equity"] == "30.00"
    assert {"code": "3900", "name": "Retained earnings", "section": "Equity",
            "balance": "30.00"} in sheet["equity"]
    assert sheet["balanced"]
    assert (pnl["total_revenue"], pnl["total_cost_of_sales"], pnl["net_income"]) == (
        "60.00", "20.00", "30.00")
    assert [(r["month"], r["revenue"], r["cogs"]) for r in month["rows"]] == [
        ("2025-06", "60.00", "20.00")]
    assert run_all(year_2025).ok


def test_balance_sheet_shows_only_the_new_year_as_current_earnings_when_last_year_closed(
        year_2025: UnitOfWork) -> None:
    _close_months(year_2025, 2025)
    close_year(year_2025, 2025, by="admin")
    previous = clock.set_clock(FixedClock(datetime(2026, 2, 1, 12, tzinfo=UTC)))
    try:
        _paid(year_2025, 2, "7.50")
        post_all(year_2025)
    finally:
        clock.set_clock(previous)
    with year_2025.read() as conn:
        sheet = reports.balance_sheet(conn)
    assert (sheet["current_earnings"], sheet["total_equity"]) == ("7.50", "30.00")
    assert sheet["balanced"] and run_all(year_2025).ok


def test_closing_is_refused_when_a_month_is_open_or_year_already_closed(
        year_2025: UnitOfWork) -> None:
    for month in months_of(2025)[:-2]:
        periods.close_period(year_2025, month, by="test")
    with pytest.raises(Conflict, match="still open: 2025-11, 2025-12") as err:
        close_year(year_2025, 2025, by="admin")
    assert err.value.data["open"] == ["2025-11", "2025-12"]
    periods.close_period(year_2025, "2025-11", by="test")
    periods.close_period(year_2025, "2025-12", by="test")
    first = close_year(year_2025, 2025, by="admin")
    with pytest.raises(YearClosed, match=f"already closed \\(entry {first['entry_id']}\\)"):
        close_year(year_2025, 2025, by="admin")
    with pytest.raises(ValidationFailed, match="year"):
        close_year(year_2025, 20251, by="admin")
    assert balances(year_2025)["3900"] == -3000


def test_closed_year_stays_final_when_reopen_or_reversal_is_tried(
        year_2025: UnitOfWork) -> None:
    _close_months(year_2025, 2025)
    entry = close_year(year_2025, 2025, by="admin")["entry_id"]
    with pytest.raises(YearClosed, match="months stay closed"):
        periods.reopen_period(year_2025, "2025-03", by="admin", note="late invoice")
    with pytest.raises(Conflict, match="cannot be reversed"):
        services.reverse(year_2025, entry, on=date(2026, 1, 5), by="admin")
    with year_2025.read() as conn:
        (december,) = [p for p in periods.list_periods(conn) if p["period"] == "2025-12"]
    assert december["state"] == "closed"
    assert [e["action"] for e in december["log"]] == ["close", "year"]


def test_closing_lines_balance_through_retained_earnings_when_year_made_a_loss() -> None:
    lines = closing_lines([("4000", "income", 0, 1000), ("5000", "expense", 1500, 0),
                           ("4200", "income", 200, 0), ("1200", "asset", 900, 0)],
                          "3900", "USD")
    assert [(ln.account, ln.debit, ln.credit) for ln in lines] == [
        ("4000", 1000, 0), ("5000", 0, 1500), ("4200", 0, 200), ("3900", 700, 0)]
    assert closing_lines([("4000", "income", 50, 50)], "3900", "USD") == []


def test_only_admin_closes_a_year_when_asked_over_http(year_2025: UnitOfWork) -> None:
    _close_months(year_2025, 2025)
    client = client_for(year_2025.engine)
    url = "/api/v1/accounting/years/2025/close"
    acct, admin = (headers(year_2025.engine, r) for r in ("accounting", "admin"))
    assert_problem(client.post(url, headers=acct), 403, "forbidden")
    done = client.post(url, json={"note": "FY2025"}, headers=admin)
    assert done.status_code == 200 and done.json()["net_income"] == "30.00"
    assert_problem(client.post(url, headers=admin), 409, "year_closed")


def test_cli_closes_a_year_once_when_every_month_is_closed(
        year_2025: UnitOfWork, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKROOM_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner(env={"COLUMNS": "200"})
    try:
        early = runner.invoke(app, ["books", "close-year", "2025"])
        _close_months(year_2025, 2025)
        done = runner.invoke(app, ["books", "close-year", "2025", "--json"])
        again = runner.invoke(app, ["books", "close-year", "2025"])
    finally:
        get_settings.cache_clear()
    assert early.exit_code == 2 and "still open: 2025-01" in early.output
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["net_income"] == "30.00"
    assert again.exit_code == 2 and "already closed" in again.output
