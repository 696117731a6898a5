"""Reservation scenarios: SQLite (1 and 4 processes on one hot SKU) and PostgreSQL (N
connections on 1,000 SKUs), Backroom's service path against a raw-driver baseline, interleaved
phase by phase in the same run on the same database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backroom.bench import seed
from backroom.bench.loops import Target
from backroom.bench.procs import Phase, PhaseResult, run_phases
from backroom.bench.report import Figure, Goal
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory.audit import run_audit

OnPhase = Callable[[int, int, Phase], None]  # (index, count, phase)
HOT_STOCK = 1_000_000_000
SQLITE_PROCESSES = 4


@dataclass(frozen=True, slots=True)
class Outcome:
    figures: list[Figure]
    audit_ok: bool
    meta: dict[str, Any]


def rates(results: list[PhaseResult]) -> dict[tuple[str, int], float]:
    """Transactions per second by (mode, workers), over every phase of that kind."""
    tx: dict[tuple[str, int], int] = defaultdict(int)
    secs: dict[tuple[str, int], float] = defaultdict(float)
    for r in results:
        key = (r.phase.mode, r.phase.workers)
        tx[key] += r.transactions
        secs[key] += r.seconds
    return {k: tx[k] / secs[k] for k in tx if secs[k]}


def sqlite_plan(quick: bool) -> list[Phase]:
    """ABBA rounds of raw/ours × 1/4 processes, plus naive-ORM phases for context."""
    rounds, secs = (1, 0.5) if quick else (4, 1.25)
    order = [("raw", 1), ("ours", 1), ("ours", SQLITE_PROCESSES), ("raw", SQLITE_PROCESSES)]
    phases: list[Phase] = []
    for r in range(rounds):
        for mode, workers in order if r % 2 == 0 else order[::-1]:
            phases.append(Phase(mode, workers, secs))
        if r < 2:
            phases.append(Phase("orm", 1, secs * 0.8))
    return phases


def postgres_plan(quick: bool, workers: int) -> list[Phase]:
    rounds, secs = (1, 1.0) if quick else (6, 1.5)
    order = [("raw", workers), ("ours", workers)]
    return [Phase(m, w, secs) for r in range(rounds)
            for m, w in (order if r % 2 == 0 else order[::-1])]


def audit_ok(url: str) -> bool:
    uow = UnitOfWork(make_engine(url))
    try:
        return run_audit(uow).ok
    finally:
        uow.engine.dispose()


def sqlite_reservations(folder: Path, quick: bool, on_phase: OnPhase) -> Outcome:
    url = seed.sqlite_database(folder, "reserve")
    codes = ["HOT", *seed.sku_codes(999)]
    store = seed.seed_catalog(url, codes)
    seed.receive(url, {"HOT": HOT_STOCK, **{c: 1_000 for c in codes[1:]}})
    target = Target(url, store.warehouse_id, (store.skus["HOT"],))
    phases = sqlite_plan(quick)
    results = run_phases(target, SQLITE_PROCESSES, phases,
                         lambda k, p: on_phase(k, len(phases), p))
    r = rates(results)
    n = SQLITE_PROCESSES
    raw1 = Figure("sqlite_reserve_per_s", "SQLite reserve, 1 process", "tx/s", r[("ours", 1)],
                  r[("raw", 1)], "sqlite_raw_reserve_per_s", "raw sqlite3",
                  "sqlite_reserve_ratio", Goal("ratio_at_least", 1 / 3, "≥ 0.33× raw"))
    orm = Figure("sqlite_orm_reserve_per_s", "  naive ORM load-modify-save", "tx/s",
                 r[("orm", 1)], r[("raw", 1)], None, "raw sqlite3", "sqlite_orm_reserve_ratio")
    contended = Figure("sqlite_4proc_reserve_per_s", f"SQLite reserve, {n} processes, 1 SKU",
                       "tx/s", r[("ours", n)], r[("ours", 1)], None, "Backroom 1 proc",
                       "sqlite_4proc_reserve_ratio",
                       Goal("ratio_at_least", 0.5, "≥ 0.5× 1 process"))
    raw_n = Figure("sqlite_4proc_reserve_per_s", f"  same vs raw, {n} processes", "tx/s",
                   r[("ours", n)], r[("raw", n)], "sqlite_4proc_raw_reserve_per_s",
                   f"raw sqlite3 ×{n}", "sqlite_4proc_vs_raw_ratio")
    meta = {"sqlite_phases": len(phases), "sqlite_phase_seconds": phases[0].seconds,
            "sqlite_transactions": sum(x.transactions for x in results)}
    return Outcome([raw1, orm, contended, raw_n], audit_ok(url), meta)


def postgres_reservations(server_url: str, quick: bool, on_phase: OnPhase) -> Outcome:
    workers, skus = (4, 1_000) if quick else (16, 1_000)
    url = seed.postgres_database(server_url)
    try:
        codes = seed.sku_codes(skus)
        store = seed.seed_catalog(url, codes)
        seed.receive(url, dict.fromkeys(codes, 1_000_000))
        target = Target(url, store.warehouse_id, tuple(store.skus[c] for c in codes))
        phases = postgres_plan(quick, workers)
        results = run_phases(target, workers, phases,
                             lambda k, p: on_phase(k, len(phases), p))
        r = rates(results)
        figure = Figure("postgres_reserve_per_s",
                        f"PostgreSQL reserve, {workers} conns, {skus:,} SKUs", "tx/s",
                        r[("ours", workers)], r[("raw", workers)], "postgres_raw_reserve_per_s",
                        "raw psycopg", "postgres_reserve_ratio",
                        Goal("ratio_at_least", 0.6, "≥ 0.6× raw"))
        meta = {"postgres_connections": workers, "postgres_skus": skus,
                "postgres_phase_seconds": phases[0].seconds,
                "postgres_transactions": sum(x.transactions for x in results)}
        return Outcome([figure], audit_ok(url), meta)
    finally:
        seed.drop_postgres_database(server_url, url)
