"""The posting worker: each event exactly once, through crashes, restarts and outbox gaps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from backroom.accounting import posting
from backroom.accounting.tables import CURSOR, ENTRIES, FAILURES
from backroom.core.events import DomainEvent, record
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from backroom.inventory.tables import MOVES
from tests.accounting.helpers import balances, post_all

ROOT = Path(__file__).resolve().parents[2]


def _operations(uow: UnitOfWork, n: int) -> None:
    for i in range(n):
        inv.receive(uow, "WH1", [ReceiptLine("PLAIN", 4, Decimal("1.25") + i)], reference="PO")
        inv.ship(uow, "PLAIN", 3, "WH1-INPUT", reference=f"SO-{i}")


def _postings_per_valued_move(uow: UnitOfWork) -> dict[int, int]:
    m, e = MOVES.c, ENTRIES.c
    with uow.read() as conn:
        moves = conn.execute(select(m.id).where(m.value_minor > 0)).scalars().all()
        counts = {r[0]: int(r[1]) for r in conn.execute(
            select(e.source_ref, func.count()).group_by(e.source_ref))}
    return {mid: counts.get(f"stock_move:{mid}", 0) for mid in moves}


def _expected(uow: UnitOfWork) -> dict[str, int]:
    with uow.read() as conn:
        received = conn.execute(text("SELECT sum(value_minor) FROM stock_moves WHERE "
                                     "reason = 'receipt'")).scalar_one()
        shipped = conn.execute(text("SELECT sum(value_minor) FROM stock_moves WHERE "
                                    "reason = 'shipment'")).scalar_one()
    return {"1200": received - shipped, "2010": -received, "5000": shipped}


def test_nothing_is_posted_when_batch_fails_before_cursor_moves(
        store: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    _operations(store, 3)

    def crash() -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(posting, "before_cursor_update", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        posting.post_pending(store, batch=4)
    assert balances(store) == {}
    monkeypatch.setattr(posting, "before_cursor_update", None)
    post_all(store)
    assert set(_postings_per_valued_move(store).values()) == {1}
    assert balances(store) == _expected(store)


def test_resume_posts_the_rest_once_when_a_later_batch_crashed(
        store: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    _operations(store, 4)
    calls = iter(range(100))

    def crash_on_third() -> None:
        if next(calls) == 2:
            raise RuntimeError("killed")

    monkeypatch.setattr(posting, "before_cursor_update", crash_on_third)
    with pytest.raises(RuntimeError):
        posting.post_pending(store, batch=2)
    assert sum(_postings_per_valued_move(store).values()) == 4  # two batches committed
    monkeypatch.setattr(posting, "before_cursor_update", None)
    post_all(store)
    assert set(_postings_per_valued_move(store).values()) == {1}
    assert balances(store) == _expected(store)


def test_killed_worker_process_loses_and_duplicates_nothing_when_restarted(
        store: UnitOfWork, db_url: str) -> None:
    _operations(store, 12)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.accounting.crash_worker", db_url],
                            cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(_postings_per_valued_move(store).values()) >= 6:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    partial = sum(_postings_per_valued_move(store).values())
    assert 0 < partial < 24, "the worker should have died mid-run"
    post_all(store)
    assert set(_postings_per_valued_move(store).values()) == {1}
    assert balances(store) == _expected(store)


def test_events_are_posted_once_when_cursor_is_rewound(store: UnitOfWork) -> None:
    _operations(store, 2)
    post_all(store)
    with store.transaction() as conn:
        conn.execute(CURSOR.update().values(low_water=0))
    run = post_all(store)
    assert run.entries == 0 and run.events > 0
    assert set(_postings_per_valued_move(store).values()) == {1}


def test_failed_event_is_recorded_and_skipped_when_no_rule_matches(store: UnitOfWork) -> None:
    with store.transaction() as conn:
        record(conn, [DomainEvent("order.paid", {"order_id": 7, "currency": "EUR",
                                                 "total": "10.00", "subtotal": "10.00"})])
    _operations(store, 1)
    run = posting.post_pending(store)
    assert run.failed == 1 and "exchange rate" in run.messages[0]
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(FAILURES)).scalar_one() == 1
    assert balances(store) == _expected(store)


def test_late_commit_of_lower_id_is_posted_when_ids_commit_out_of_order(
        store: UnitOfWork, db_url: str) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite serializes writers: ids always commit in order")
    slow = UnitOfWork(make_engine(db_url, pool_size=1))
    held = slow.transaction()
    held.__enter__()  # takes the lowest outbox id, commits last
    inv.receive(slow, "WH2", [ReceiptLine("OTHER", 1, Decimal(2))])
    _operations(store, 1)  # higher ids, committed first
    first = posting.post_pending(store)
    assert first.entries == 2
    held.__exit__(None, None, None)
    second = posting.post_pending(store)
    assert second.entries == 1
    slow.engine.dispose()
    assert set(_postings_per_valued_move(store).values()) == {1}


def test_rolled_back_id_stops_cursor_only_until_gap_times_out_when_postgres(
        store: UnitOfWork) -> None:
    if store.dialect != "postgresql":
        pytest.skip("only PostgreSQL sequences leave gaps")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        record(conn, [DomainEvent("test.rolled_back", {})])
        raise RuntimeError("rollback")
    _operations(store, 1)
    run = posting.post_pending(store)
    assert run.entries == 2
    with store.read() as conn:
        gaps = conn.execute(text("SELECT count(*) FROM posting_gaps")).scalar_one()
        top = conn.execute(text("SELECT max(id) FROM outbox_events")).scalar_one()
    assert gaps == 1 and run.low_water < top
    assert posting.post_pending(store, gap_timeout_s=0).low_water == top


def test_retry_posts_failed_event_when_its_account_is_reactivated(store: UnitOfWork) -> None:
    from backroom.accounting import services

    services.update_account(store, "5300", active=False)
    with store.transaction() as conn:
        record(conn, [DomainEvent("fulfillment.cost_incurred", {
            "reference": "W-1", "currency": "USD", "amount": "12.34"})])
    run = posting.post_pending(store)
    assert run.failed == 1 and "inactive" in run.messages[0]
    assert posting.retry_failures(store).failed == 1  # still inactive
    services.update_account(store, "5300", active=True)
    retried = posting.retry_failures(store)
    assert (retried.entries, retried.failed) == (1, 0)
    assert posting.failures(store) == []
    assert balances(store) == {"5300": 1234, "2000": -1234}
