"""``backroom bench inventory``: reservations (SQLite 1 and 4 processes, PostgreSQL), a
10,000-line receipt and level reads, each beside a baseline measured in the same run.

Exit 1 if the audit after any scenario fails. Missed targets are reported, not fatal: timings
depend on the machine, which is why every figure is compared with a baseline from the same run.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from backroom.bench import batch, reserve
from backroom.bench.procs import Phase
from backroom.bench.report import Report

Step = Callable[[str], None]


def run(as_json: bool = False, quick: bool = False,
        postgres_url: str | None = None) -> dict[str, Any]:
    """Measure, print (a table, or JSON with ``as_json``) and return the figures."""
    with _progress(Console(stderr=True), enabled=not as_json) as step:
        report = inventory_suite(quick=quick, postgres_url=postgres_url, step=step)
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        report.print(Console())
    if not report.audit_ok:
        raise typer.Exit(1)
    return report.as_dict()


def inventory_suite(*, quick: bool, postgres_url: str | None, step: Step) -> Report:
    report = Report(meta={"suite": "inventory", "quick": quick, "cpus": os.cpu_count(),
                          "python": platform.python_version(),
                          "sqlite": sqlite3.sqlite_version, "scenario_seconds": {}})
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="backroom-bench-") as tmp:
        folder = Path(tmp)
        step("SQLite reservations: seeding, starting processes")
        _timed(report, "sqlite_reserve", lambda: reserve.sqlite_reservations(
            folder, quick, _phase_step(step, "SQLite reservations")))
        _postgres(report, quick, postgres_url, step)
        step("batch receipt")
        _timed(report, "receive", lambda: batch.receipt(folder, quick))
        step("level reads: seeding")
        _timed(report, "level_read", lambda: batch.level_read(folder, quick))
    report.meta["seconds"] = round(time.perf_counter() - began, 1)
    report.notes.append("ratio = Backroom ÷ baseline (for seconds and ms, above 1 is slower); "
                        "baselines are measured in the same run, interleaved where possible")
    return report


def _postgres(report: Report, quick: bool, url: str | None, step: Step) -> None:
    from backroom.bench.pgcluster import PgServer, find_bindir

    server = None
    if url is None:
        bindir = find_bindir()
        if bindir is None:
            report.meta["postgres"] = "skipped: no PostgreSQL server binaries and no --postgres-url"
            report.notes.append("PostgreSQL skipped: install postgresql or pass --postgres-url")
            return
        step("PostgreSQL: starting a throwaway durable cluster")
        server = PgServer.start(bindir, durable=True)
        url = server.url
    try:
        report.meta["postgres"] = _server_info(url)
        step("PostgreSQL reservations: seeding, starting processes")
        pg_url = url
        _timed(report, "postgres_reserve", lambda: reserve.postgres_reservations(
            pg_url, quick, _phase_step(step, "PostgreSQL reservations")))
    finally:
        if server is not None:
            server.stop()


def _server_info(url: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            settings = {name: conn.execute(text(f"SHOW {name}")).scalar() for name in
                        ("server_version", "fsync", "synchronous_commit", "full_page_writes")}
    finally:
        engine.dispose()
    return settings


def _timed(report: Report, name: str, scenario: Callable[[], reserve.Outcome]) -> None:
    began = time.perf_counter()
    outcome = scenario()
    report.figures.extend(outcome.figures)
    report.audits[name] = outcome.audit_ok
    report.meta.update(outcome.meta)
    report.meta["scenario_seconds"][name] = round(time.perf_counter() - began, 1)


def _phase_step(step: Step, what: str) -> reserve.OnPhase:
    def on_phase(k: int, count: int, phase: Phase) -> None:
        step(f"{what}: phase {k + 1}/{count}, {phase.mode} × {phase.workers}")
    return on_phase


@contextmanager
def _progress(console: Console, *, enabled: bool) -> Iterator[Step]:
    if not enabled:
        yield lambda _text: None
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)
        yield lambda text: progress.update(task, description=text)
