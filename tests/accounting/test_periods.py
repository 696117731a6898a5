"""Period close: nothing posts into a closed month; late operations go to the next open one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from backroom.accounting import periods, reports, services
from backroom.accounting.journal import PeriodClosed
from backroom.accounting.services import ManualLine
from backroom.core import clock
from backroom.core.clock import FixedClock
from backroom.core.errors import Conflict, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.accounting.helpers import post_all


@pytest.fixture
def march(store: UnitOfWork) -> Iterator[UnitOfWork]:
    previous = clock.set_clock(FixedClock(datetime(2026, 3, 30, 12, tzinfo=UTC)))
    yield store
    clock.set_clock(previous)


def _cash(uow: UnitOfWork, day: date, amount: str = "10.00") -> dict[str, object]:
    return services.post_manual_entry(uow, day, "owner pays in", [
        ManualLine("1000", debit=amount), ManualLine("3000", credit=amount)], by="test")


def test_entry_is_refused_when_its_period_is_closed(march: UnitOfWork) -> None:
    periods.close_period(march, "2026-03", by="test")
    with pytest.raises(PeriodClosed, match="2026-03 is closed"):
        _cash(march, date(2026, 3, 31))
    assert _cash(march, date(2026, 4, 1))["period"] == "2026-04"


def test_late_operation_posts_into_next_open_period_when_its_month_closed(
        march: UnitOfWork) -> None:
    inv.receive(march, "WH1", [ReceiptLine("PLAIN", 2, Decimal("1.50"))])
    periods.close_period(march, "2026-03", by="test")
    periods.close_period(march, "2026-04", by="test")
    run = post_all(march)
    assert run.late == 1
    with march.read() as conn:
        ledger = reports.general_ledger(conn, "1200")
    assert ledger["lines"][0]["date"] == "2026-05-01"
    assert "late: dated 2026-03-30, period 2026-03 closed" in ledger["lines"][0]["description"]


def test_reopen_allows_posting_again_when_period_was_closed(march: UnitOfWork) -> None:
    periods.close_period(march, "2026-03", by="boss", note="month end")
    periods.reopen_period(march, "2026-03", by="admin", note="missed invoice")
    _cash(march, date(2026, 3, 31))
    with march.read() as conn:
        (row,) = periods.list_periods(conn)
    assert row["state"] == "open"
    assert [(e["action"], e["by"], e["note"]) for e in row["log"]] == [
        ("close", "boss", "month end"), ("reopen", "admin", "missed invoice")]


def test_close_and_reopen_are_refused_when_state_does_not_allow(march: UnitOfWork) -> None:
    with pytest.raises(Conflict, match="not closed"):
        periods.reopen_period(march, "2026-03", by="test")
    periods.close_period(march, "2026-03", by="test")
    with pytest.raises(Conflict, match="already closed"):
        periods.close_period(march, "2026-03", by="test")
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        periods.close_period(march, "2026-13", by="test")
