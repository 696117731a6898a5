"""No oversell under real concurrency: OS processes on one SQLite file, many connections on
PostgreSQL, all reserving the same SKU at once; the ledger and the audit must stay exact."""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from backroom.bench.procs import without_main
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.audit import run_audit
from backroom.inventory.tables import POSITIONS, RESERVATIONS
from tests.concurrency import workers
from tests.inventory.store import build_store

AVAILABLE = 100
ATTEMPTS = 1_000
SQLITE_PROCESSES = 8
POSTGRES_CONNECTIONS = 32
TIMEOUT_S = 120


def _seeded(url: str, units: int) -> None:
    uow = UnitOfWork(make_engine(url))
    try:
        build_store(uow)
        inv.receive(uow, workers.WAREHOUSE, [inv.ReceiptLine(workers.SKU, units)])
    finally:
        uow.engine.dispose()


def _run(url: str, target: Callable[..., None], per_worker: list[int]) -> list[tuple[Any, ...]]:
    """Run ``target`` in OS processes (spawn) on SQLite, in threads on PostgreSQL: one
    connection each either way; all start together at a barrier."""
    n = len(per_worker)
    if url.startswith("sqlite"):
        ctx = mp.get_context("spawn")
        barrier: Any = ctx.Barrier(n, timeout=TIMEOUT_S)
        results: Any = ctx.Queue()
        runners: list[Any] = [ctx.Process(target=target, args=(url, i, k, barrier, results))
                              for i, k in enumerate(per_worker)]
    else:
        barrier, results = threading.Barrier(n, timeout=TIMEOUT_S), queue.Queue()
        runners = [threading.Thread(target=target, args=(url, i, k, barrier, results))
                   for i, k in enumerate(per_worker)]
    with without_main():  # children need only tests.concurrency.workers, not pytest's main
        for r in runners:
            r.start()
    out = [results.get(timeout=TIMEOUT_S) for _ in runners]
    for r in runners:
        r.join(timeout=TIMEOUT_S)
    return out


def _split(total: int, workers_count: int) -> list[int]:
    return [total // workers_count + (1 if i < total % workers_count else 0)
            for i in range(workers_count)]


def _workers_for(url: str) -> int:
    return SQLITE_PROCESSES if url.startswith("sqlite") else POSTGRES_CONNECTIONS


def _totals(url: str) -> tuple[int, int, int]:
    """(open reservation units, reservation rows, positions.reserved) for WH1."""
    uow = UnitOfWork(make_engine(url))
    try:
        with uow.read() as conn:
            r = RESERVATIONS.c
            units, rows = conn.execute(select(func.coalesce(func.sum(r.open_qty), 0),
                                              func.count()).where(r.state == "active")).one()
            reserved = conn.execute(select(func.sum(POSITIONS.c.reserved))
                                    .where(POSITIONS.c.warehouse_id == 1)).scalar_one()
        assert run_audit(uow).ok, [c for c in run_audit(uow).checks if not c.ok]
    finally:
        uow.engine.dispose()
    return int(units), int(rows), int(reserved or 0)


@pytest.mark.slow
def test_exactly_the_available_stock_is_reserved_when_many_writers_race(db_url: str) -> None:
    _seeded(db_url, AVAILABLE)
    reports = _run(db_url, workers.reserve_one_each, _split(ATTEMPTS, _workers_for(db_url)))
    assert [e for *_, errors in reports for e in errors] == []
    assert sum(r[1] for r in reports) == AVAILABLE
    assert sum(r[2] for r in reports) == ATTEMPTS - AVAILABLE
    samples = [s for r in reports for s in r[3]]
    assert samples, "no refusal was reported"
    for code, message, requested, available in samples:
        assert code == "insufficient_stock"
        assert "not enough stock" in message and workers.SKU in message
        assert (requested, available) == (1, 0)
    assert _totals(db_url) == (AVAILABLE, AVAILABLE, AVAILABLE)


@pytest.mark.slow
def test_audit_stays_clean_when_shipments_and_reservations_interleave(db_url: str) -> None:
    stock = 300
    _seeded(db_url, stock)
    reports = _run(db_url, workers.mixed_traffic, [40] * _workers_for(db_url) if
                   db_url.startswith("sqlite") else [12] * _workers_for(db_url))
    assert [e for *_, errors in reports for e in errors] == []
    shipped, held = sum(r[1] for r in reports), sum(r[2] for r in reports)
    assert shipped > 0 and sum(r[3] for r in reports) >= 0
    units, _rows, reserved = _totals(db_url)
    assert units == reserved == held
    uow = UnitOfWork(make_engine(db_url))
    try:
        with uow.read() as conn:
            on_hand = conn.execute(select(func.sum(POSITIONS.c.on_hand))
                                   .where(POSITIONS.c.warehouse_id == 1)).scalar_one()
    finally:
        uow.engine.dispose()
    assert on_hand == stock - shipped
    assert on_hand >= reserved
