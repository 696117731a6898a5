"""``backroom bench accounting``: posting throughput and reports over a million journal lines.

- **Posting**: 100,000 operational events (stock receipts and shipments written through the
  real inventory ledger, so cost layers exist, plus order payments) posted by the worker
  (``post_pending``, 1,000 events per transaction) on SQLite. Target ≥ 5,000 entries/s.
- **Reports**: the books are then filled to 1,000,000 journal lines (balanced two-line entries
  spread over 24 months) and the trial balance, balance sheet and P&L are timed, with dates in
  the middle of a month so the per-period balances and one month of lines are both read.
  Target < 1 s each (best of three). Margin by channel (which also reads the orders'
  channels from the outbox) is timed for information.
- ``backroom audit``'s checks (inventory and books) run after each part and must be clean.
- **PostgreSQL**: the same, on a throwaway durable cluster started from the installed server
  binaries (or ``--postgres-url``); printed for information, the targets are SQLite's.
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from backroom.accounting import journal, reports
from backroom.accounting.audit import run_all
from backroom.accounting.model import EntryDraft, base_line
from backroom.accounting.posting import post_pending
from backroom.bench import seed
from backroom.core.events import DomainEvent, record
from backroom.core.settings import get_settings
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory import ledger, resolve, services
from backroom.inventory.model import LocationKind, Move

POST_TARGET = 5_000.0
REPORT_TARGET_S = 1.0
SKUS = 500
# Synthetic entries: (debit, credit) pairs that leave the inventory accounts alone.
PAIRS = [("5300", "1000"), ("1010", "4000"), ("1000", "1010"), ("5100", "2000"),
         ("2000", "1000"), ("5200", "1010"), ("1000", "3000"), ("4300", "1010")]
INFO_ONLY = frozenset({"margin_by_channel_s"})  # timed, no target


def run(as_json: bool = False, quick: bool = False,
        postgres_url: str | None = None) -> dict[str, Any]:
    """Measure, print (a table, or JSON with ``as_json``) and return the figures."""
    events, lines = (10_000, 100_000) if quick else (100_000, 1_000_000)
    folder = Path(tempfile.mkdtemp(prefix="backroom-bench-accounting-"))
    try:
        url = seed.sqlite_database(folder, "books")
        result = _on(url, events, lines)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result["meta"] = {"quick": quick, "database": "sqlite", "python": platform.python_version(),
                      "machine": platform.machine()}
    result["postgres"] = _postgres(events, lines, postgres_url)
    if as_json:
        print(json.dumps(result, indent=2, default=str))
    else:
        _print(result)
        if "events" in result["postgres"]:
            _print(result["postgres"], "PostgreSQL, for information", graded=False)
    return result


def _on(url: str, events: int, lines: int) -> dict[str, Any]:
    seed.seed_catalog(url, seed.sku_codes(SKUS))
    uow = UnitOfWork(make_engine(url))
    try:
        return _measure(uow, events, lines)
    finally:
        uow.engine.dispose()


def _postgres(events: int, lines: int, url: str | None) -> dict[str, Any]:
    """The same measurements on PostgreSQL: ``url``'s server, or a throwaway durable cluster."""
    from backroom.bench.pgcluster import PgServer, find_bindir

    server = None
    if url is None:
        bindir = find_bindir()
        if bindir is None:
            return {"skipped": "no PostgreSQL server binaries and no --postgres-url"}
        server = PgServer.start(bindir, durable=True)
        url = server.url
    try:
        db = seed.postgres_database(url, "bench_books")
        try:
            return {**_on(db, events, lines), "server": _server_info(url)}
        finally:
            seed.drop_postgres_database(url, db)
    finally:
        if server is not None:
            server.stop()


def _server_info(url: str) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return {name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in
                    ("server_version", "fsync", "synchronous_commit")}
    finally:
        engine.dispose()


def _measure(uow: UnitOfWork, events: int, lines: int) -> dict[str, Any]:
    made = make_events(uow, events)
    started = time.perf_counter()
    posted = post_pending(uow, batch=1000, gap_timeout_s=0)
    seconds = time.perf_counter() - started
    audit_after_posting = run_all(uow).ok
    total_lines = fill_lines(uow, lines)
    timings = time_reports(uow)
    out: dict[str, Any] = {
        "events": made, "entries": posted.entries, "failed": posted.failed,
        "posting_s": round(seconds, 3),
        "posting_entries_per_s": round(posted.entries / seconds, 1),
        "posting_events_per_s": round(posted.events / seconds, 1),
        "journal_lines": total_lines, **{k: round(v, 4) for k, v in timings.items()},
    }
    out["targets"] = {"posting_entries_per_s": out["posting_entries_per_s"] >= POST_TARGET,
                      **{k: v < REPORT_TARGET_S for k, v in timings.items()
                         if k not in INFO_ONLY}}
    out["targets_met"] = all(out["targets"].values())
    out["audits"] = {"after_posting": audit_after_posting, "after_reports": run_all(uow).ok}
    out["audit_ok"] = all(out["audits"].values())
    return out


def make_events(uow: UnitOfWork, count: int) -> int:
    """``count`` outbox events: 45% receipts, 45% shipments (real ledger moves), 10% payments."""
    codes = seed.sku_codes(SKUS)
    receipts, shipments = int(count * 0.45), int(count * 0.45)
    for start in range(0, receipts, seed.RECEIPT_CHUNK):
        services.receive(uow, seed.WAREHOUSE, [
            services.ReceiptLine(codes[i % SKUS], 20, Decimal("1.25") + Decimal(i % 7) / 100)
            for i in range(start, min(receipts, start + seed.RECEIPT_CHUNK))], reference="PO")
    for start in range(0, shipments, 1000):
        _ship(uow, codes, range(start, min(shipments, start + 1000)))
    payments = count - receipts - shipments
    for start in range(0, payments, 1000):
        with uow.transaction() as conn:
            record(conn, [_payment(i) for i in range(start, min(payments, start + 1000))])
    return receipts + shipments + payments


def _ship(uow: UnitOfWork, codes: list[str], numbers: range) -> None:
    with uow.transaction() as conn:
        skus = resolve.skus(conn, {codes[i % SKUS] for i in numbers})
        source = resolve.place(conn, f"{seed.WAREHOUSE}-INPUT")
        customer = resolve.virtual(conn, LocationKind.CUSTOMER)
        moves = [Move(skus[codes[i % SKUS]].id, 3, source, customer, "shipment",
                      reference=f"SO-{i}") for i in numbers]
        ledger.post(conn, moves, tracking={s.id: s.tracking for s in skus.values()},
                    codes={s.id: s.code for s in skus.values()})


def _payment(i: int) -> DomainEvent:
    subtotal, shipping, tax = Decimal(20 + i % 50), Decimal("4.99"), Decimal("1.60")
    discount, fee = Decimal(i % 3), Decimal("0.89")
    total = subtotal - discount + shipping + tax
    return DomainEvent("order.paid", {
        "order_id": i, "currency": get_settings().base_currency, "rate": "1",
        "total": str(total), "subtotal": str(subtotal), "shipping": str(shipping),
        "tax": str(tax), "discount": str(discount), "payment_fee": str(fee),
        "channel": ("web", "shop", "market")[i % 3]}, aggregate=f"order:{i}")


def fill_lines(uow: UnitOfWork, target: int, *, batch: int = 5000) -> int:
    """Add balanced two-line entries over 24 months until the journal has ``target`` lines."""
    currency = get_settings().base_currency
    with uow.read() as conn:
        have = int(conn.exec_driver_sql("SELECT count(*) FROM journal_lines").scalar_one())
        accounts = journal.load_accounts(conn)
    first = date(2025, 1, 1)
    n = 0
    while have < target:
        drafts = []
        for _ in range(min(batch, (target - have + 1) // 2)):
            debit, credit = PAIRS[n % len(PAIRS)]
            amount = 100 + (n * 37) % 90_000
            drafts.append(EntryDraft(first + timedelta(days=n % 730), "bench", (
                base_line(debit, "debit", amount, currency=currency),
                base_line(credit, "credit", amount, currency=currency))))
            n += 1
        with uow.transaction() as conn:
            journal.post_entries(conn, drafts, created_by="bench", accounts=accounts,
                                 closed=set())
        have += 2 * len(drafts)
    return have


def _best(runs: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def time_reports(uow: UnitOfWork) -> dict[str, float]:
    """Best-of-three seconds per report, each in its own read transaction."""
    as_of, start, end = date(2026, 6, 17), date(2025, 3, 10), date(2026, 8, 20)

    def timed(fn: Callable[..., Any], **kwargs: Any) -> float:
        def once() -> None:
            with uow.read() as conn:
                fn(conn, **kwargs)
        return _best(3, once)

    return {"trial_balance_s": timed(reports.trial_balance),
            "trial_balance_as_of_s": timed(reports.trial_balance, as_of=as_of),
            "balance_sheet_s": timed(reports.balance_sheet, as_of=as_of),
            "pnl_s": timed(reports.profit_and_loss, start=start, end=end),
            "margin_by_channel_s": timed(reports.margin, by="channel")}


def _print(result: dict[str, Any], database: str = "SQLite", *, graded: bool = True) -> None:
    table = Table(title=f"backroom bench accounting ({database})", title_justify="left")
    for name in ("figure", "Backroom", "target (SQLite)", "result"):
        table.add_column(name)
    ok = ({True: "[green]pass[/]", False: "[bold red]MISS[/]"} if graded
          else {True: "info", False: "info"})
    t = result["targets"]
    table.add_row(f"posting {result['events']:,} events → {result['entries']:,} entries",
                  f"{result['posting_entries_per_s']:,.0f} entries/s",
                  f"≥ {POST_TARGET:,.0f} entries/s", ok[t["posting_entries_per_s"]])
    for key, label in (("trial_balance_s", "trial balance (all)"),
                       ("trial_balance_as_of_s", "trial balance as of a mid-month date"),
                       ("balance_sheet_s", "balance sheet as of a mid-month date"),
                       ("pnl_s", "P&L over 18 months"),
                       ("margin_by_channel_s", "margin by channel (all dates)")):
        table.add_row(f"{label}, {result['journal_lines']:,} lines",
                      f"{result[key] * 1000:,.1f} ms",
                      "info" if key in INFO_ONLY else f"< {REPORT_TARGET_S:.0f} s",
                      "" if key in INFO_ONLY else ok[t[key]])
    table.add_row("audit after each part", "clean" if result["audit_ok"] else "FAILED",
                  "clean", "[green]pass[/]" if result["audit_ok"] else "[bold red]FAILED[/]")
    Console().print(table)
