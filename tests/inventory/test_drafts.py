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
