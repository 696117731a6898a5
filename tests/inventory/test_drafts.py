"""Planned moves change nothing until confirmed; done and cancelled are final."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backroom.core.errors import Conflict
from backroom.db.uow import UnitOfWork
from backroom.inventory import drafts
from backroom.inventory import services as inv
from backroom.inventory.audit import run_audit
from backroom.inventory.errors import InsufficientStock
from backroom.inventory.tables import MOVES
from tests.inventory.store import build_store
from tests.inventory.test_ledger import level


@pytest.fixture
def store(uow: UnitOfWork) -> UnitOfWork:
    build_store(uow)
    inv.receive(uow, "WH1", [inv.ReceiptLine("PLAIN", 10)])
    return uow


def test_draft_changes_no_stock_until_confirmed_when_planned(store: UnitOfWork) -> None:
    planned = drafts.plan_move(store, "PLAIN", 4, "WH1-INPUT", "WH1-A-01-1", reason="putaway")
    assert level(store, "WH1-A-01-1", "PLAIN") == 0
    out = drafts.confirm_move(store, planned["id"])
    assert out.moves[0]["id"] == planned["id"]
    assert level(store, "WH1-A-01-1", "PLAIN") == 4
    with store.read() as conn:
        assert conn.execute(select(MOVES.c.state).where(MOVES.c.id == planned["id"])
                            ).scalar_one() == "done"
    assert run_audit(store).ok


def test_confirm_is_refused_when_stock_went_elsewhere(store: UnitOfWork) -> None:
    planned = drafts.plan_move(store, "PLAIN", 8, "WH1-INPUT", "WH1-A-01-1")
    inv.move(store, "PLAIN", 5, "WH1-INPUT", "WH1-A-02-1")
    with pytest.raises(InsufficientStock):
        drafts.confirm_move(store, planned["id"])
    with store.read() as conn:
        assert conn.execute(select(MOVES.c.state).where(MOVES.c.id == planned["id"])
                            ).scalar_one() == "draft"


def test_done_and_cancelled_are_final_when_changed_again(store: UnitOfWork) -> None:
    planned = drafts.plan_move(store, "PLAIN", 1, "WH1-INPUT", "WH1-A-01-1")
    drafts.cancel_move(store, planned["id"])
    with pytest.raises(Conflict, match="cancelled"):
        drafts.confirm_move(store, planned["id"])
    done = drafts.plan_move(store, "PLAIN", 1, "WH1-INPUT", "WH1-A-01-1")
    drafts.confirm_move(store, done["id"])
    with pytest.raises(Conflict, match="reverse"):
        drafts.cancel_move(store, done["id"])
    assert level(store, "WH1-A-01-1", "PLAIN") == 1


def test_planned_move_round_trips_when_used_over_http(store: UnitOfWork) -> None:
    from fastapi.testclient import TestClient

    from backroom.api.app import create_app
    from backroom.api.auth import create_token

    with store.transaction() as conn:
        _, secret = create_token(conn, "warehouse", "t")
    client = TestClient(create_app(store.engine))
    auth = {"Authorization": f"Bearer {secret}"}
    made = client.post("/api/v1/stock/planned-moves", headers=auth, json={
        "sku": "PLAIN", "qty": 3, "from": "WH1-INPUT", "to": "WH1-A-01-1"})
    assert made.status_code == 201, made.text
    assert level(store, "WH1-A-01-1", "PLAIN") == 0
    done = client.post(f"/api/v1/stock/planned-moves/{made.json()['id']}/confirm", headers=auth)
    assert done.status_code == 200, done.text
    assert level(store, "WH1-A-01-1", "PLAIN") == 3
    again = client.post(f"/api/v1/stock/planned-moves/{made.json()['id']}/cancel", headers=auth)
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_planned_move_round_trips_when_used_from_the_cli(store: UnitOfWork, db_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from backroom.cli.app import app
    from backroom.core.settings import get_settings

    monkeypatch.setenv("BACKROOM_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(app, ["stock", "plan", "PLAIN", "2", "WH1-INPUT", "WH1-A-01-1",
                                   "--json"])
        assert made.exit_code == 0, made.output
        import json

        move_id = json.loads(made.output)["id"]
        assert runner.invoke(app, ["stock", "confirm", str(move_id)]).exit_code == 0
        assert level(store, "WH1-A-01-1", "PLAIN") == 2
        refused = runner.invoke(app, ["stock", "cancel", str(move_id)])
        assert refused.exit_code == 2
    finally:
        get_settings.cache_clear()
