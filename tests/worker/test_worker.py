"""``backroom worker --once``: one cycle posts the books, exports availability and allocates
ready orders; a second cycle finds nothing left; bad options change nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from backroom.accounting.tables import ENTRIES
from backroom.cli.app import app
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.tables import FULFILLMENT_ORDERS
from tests.fulfillment.flowkit import api_order, stocked

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("cli_database")


def _count(uow: UnitOfWork, stmt: object) -> int:
    with uow.read() as conn:
        return int(conn.execute(stmt).scalar_one())  # type: ignore[call-overload]


def test_one_cycle_posts_books_exports_levels_and_allocates_when_run_once(
        uow: UnitOfWork) -> None:
    stocked(uow)
    api_order(uow, "wk1", [2])
    result = runner.invoke(app, ["worker", "--once", "--json"])
    assert result.exit_code == 0, result.output
    cycle = json.loads(result.output)
    assert cycle["errors"] == {}
    assert cycle["results"]["books"]["entries"] > 0
    assert cycle["results"]["allocation"]["orders"] == 1
    assert _count(uow, select(func.count()).select_from(ENTRIES)) > 0
    assert _count(uow, select(func.count()).select_from(FULFILLMENT_ORDERS)) == 1
    assert _count(uow, select(func.count()).select_from(OUTBOX).where(
        OUTBOX.c.type == "channel.inventory_level")) > 0
    again = json.loads(runner.invoke(app, ["worker", "--once", "--json"]).output)
    assert again["results"]["allocation"]["orders"] == 0
    assert again["results"]["books"]["entries"] == 0 and again["errors"] == {}


def test_worker_refuses_unknown_consumer_and_does_nothing(uow: UnitOfWork) -> None:
    stocked(uow)
    api_order(uow, "wk2", [1])
    result = runner.invoke(app, ["worker", "--once", "--without", "ledger"])
    assert result.exit_code == 2 and "ledger" in result.output
    assert _count(uow, select(func.count()).select_from(FULFILLMENT_ORDERS)) == 0
    skip = json.loads(runner.invoke(app, ["worker", "--once", "--without", "allocation",
                                          "--json"]).output)
    assert "allocation" not in skip["results"]
    assert _count(uow, select(func.count()).select_from(FULFILLMENT_ORDERS)) == 0


def test_cycle_keeps_going_when_one_consumer_breaks(uow: UnitOfWork,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from backroom.worker import loop

    def broken(_uow: UnitOfWork) -> dict[str, object]:
        raise RuntimeError("database went away")

    stocked(uow)
    api_order(uow, "wk3", [1])
    monkeypatch.setitem(loop.CONSUMERS, "books", broken)
    cycle = loop.run_cycle(uow, list(loop.CONSUMERS))
    assert cycle.errors == {"books": "RuntimeError: database went away"}
    assert cycle.results["allocation"]["orders"] == 1
