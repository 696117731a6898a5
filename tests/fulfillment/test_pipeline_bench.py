"""``bench pipeline`` end to end on a small run: every stage runs, every order ships and the
audit is clean (timings are never asserted)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select

from backroom.bench import pipeline, seed
from backroom.bench.report import Report
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.orders.tables import ORDER_LINES


def test_pipeline_takes_orders_from_import_to_shipped_when_run_small(tmp_path: Path) -> None:
    url = seed.sqlite_database(tmp_path, "pipeline")
    report = Report()
    pipeline._measure(report, "sqlite", url, 25, Console(quiet=True), target=True)
    data = report.as_dict()
    for stage in pipeline.STAGES:
        assert data[f"sqlite_{stage}_orders_per_s"] > 0
    assert data["audits"] == {"sqlite": True}
    assert "sqlite_pipeline_orders_per_s" in data["targets"]
    uow = UnitOfWork(make_engine(url))
    try:
        with uow.read() as conn:
            ordered, shipped, backordered = conn.execute(select(
                func.sum(ORDER_LINES.c.qty), func.sum(ORDER_LINES.c.qty_shipped),
                func.sum(ORDER_LINES.c.qty_backordered))).one()
    finally:
        uow.engine.dispose()
    assert shipped + backordered == ordered and shipped > 0
    assert report.meta["sqlite_shipped_orders"] >= 25
