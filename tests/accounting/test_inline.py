"""Inline posting (BACKROOM_BOOKS_POST_INLINE): entries in the operation's own transaction, the
worker posting nothing twice, and operations never failing because of the books."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from backroom.accounting import inline, posting
from backroom.accounting.audit import run_all
from backroom.accounting.tables import ENTRIES, PERIODS
from backroom.core import clock, events
from backroom.core.clock import FixedClock
from backroom.core.events import DomainEvent, record
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.accounting.helpers import balances, post_all


@pytest.fixture
def inline_on(store: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    monkeypatch.setenv("BACKROOM_BOOKS_POST_INLINE", "true")
    get_settings.cache_clear()
    assert inline.sync_with_settings()
    try:
        yield store
    finally:
        monkeypatch.delenv("BACKROOM_BOOKS_POST_INLINE")
        get_settings.cache_clear()
        assert not inline.sync_with_settings()


def _entries_per_event(uow: UnitOfWork) -> dict[str, int]:
    e = ENTRIES.c
    with uow.read() as conn:
        return {r[0]: int(r[1]) for r in conn.execute(
            select(e.source_event_id, func.count()).group_by(e.source_event_id))}


def test_receipt_is_in_the_books_before_the_worker_runs_when_posting_inline(
        inline_on: UnitOfWork) -> None:
    inv.receive(inline_on, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))])
    assert balances(inline_on) == {"1200": 5000, "2010": -5000}
    inv.ship(inline_on, "PLAIN", 4, "WH1-INPUT", reference="SO-1")
    assert balances(inline_on) == {"1200": 3000, "2010": -5000, "5000": 2000}
    assert run_all(inline_on).ok  # nothing counted twice as "waiting" by the audit
    run = post_all(inline_on)
    assert (run.events, run.entries) == (2, 0)
    assert set(_entries_per_event(inline_on).values()) == {1}
    assert balances(inline_on) == {"1200": 3000, "2010": -5000, "5000": 2000}
    assert posting.status(inline_on)["entries"] == 2
    assert run_all(inline_on).ok


def test_event_types_without_rules_are_not_looked_at_when_posting_inline(
        inline_on: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    inv.receive(inline_on, "WH1", [ReceiptLine("PLAIN", 5, Decimal("1.00"))])
    seen: list[str] = []
    original = posting.draft_for

    def spy(event: Any, ctx: Any) -> Any:
        seen.append(event.type)
        return original(event, ctx)

    monkeypatch.setattr(posting, "draft_for", spy)
    inv.reserve(inline_on, "WH1", "PLAIN", 2, "SO-7")
    assert seen == []  # stock.reserved has no rule: skipped before any work
    with inline_on.transaction() as conn:
        record(conn, [DomainEvent("fulfillment.cost_incurred", {
            "reference": "W-1", "currency": "USD", "amount": "3.00"})])
    assert seen == ["fulfillment.cost_incurred"]
    assert balances(inline_on)["5300"] == 300


def test_operation_commits_and_worker_records_failure_when_event_cannot_post_inline(
        inline_on: UnitOfWork) -> None:
    with inline_on.transaction() as conn:  # no rate for EUR: cannot be posted
        record(conn, [DomainEvent("order.paid", {"order_id": 7, "currency": "EUR",
                                                 "total": "10.00", "subtotal": "10.00"})])
    inv.receive(inline_on, "WH1", [ReceiptLine("PLAIN", 2, Decimal("3.00"))])
    assert balances(inline_on) == {"1200": 600, "2010": -600}
    run = posting.post_pending(inline_on)
    assert (run.entries, run.failed) == (0, 1) and "exchange rate" in run.messages[0]


def test_worker_posts_late_when_month_closed_since_inline_cache_was_filled(
        inline_on: UnitOfWork) -> None:
    previous = clock.set_clock(FixedClock(datetime(2026, 3, 30, 12, tzinfo=UTC)))
    try:
        inv.receive(inline_on, "WH1", [ReceiptLine("PLAIN", 1, Decimal("2.00"))])
        with inline_on.transaction() as conn:  # closed behind the cache's back
            conn.execute(insert(PERIODS).values(period="2026-03", state="closed",
                                                changed_at=clock.now(), changed_by="test"))
        inv.receive(inline_on, "WH1", [ReceiptLine("PLAIN", 1, Decimal("4.00"))])
    finally:
        clock.set_clock(previous)
    assert balances(inline_on) == {"1200": 200, "2010": -200}  # the database refused it
    run = post_all(inline_on)
    assert (run.entries, run.late) == (1, 1)
    with inline_on.read() as conn:
        dates = sorted(conn.execute(select(ENTRIES.c.entry_date)).scalars())
    assert [d.isoformat() for d in dates] == ["2026-03-30", "2026-04-01"]
    assert balances(inline_on) == {"1200": 600, "2010": -600}
    assert run_all(inline_on).ok


def test_nothing_is_posted_inline_when_setting_is_off(store: UnitOfWork) -> None:
    assert not get_settings().books_post_inline
    assert inline.post_inline not in events._hooks
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))])
    assert balances(store) == {}
    assert post_all(store).entries == 1
