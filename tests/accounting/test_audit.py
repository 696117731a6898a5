"""`backroom audit` checks the books: balance, trial balance, equation, inventory = layers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import text

from backroom.accounting import journal
from backroom.accounting.audit import run_all
from backroom.accounting.model import EntryDraft, base_line
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.accounting.helpers import post_all


def _failed(uow: UnitOfWork) -> dict[str, list[str]]:
    return {c.name: c.discrepancies for c in run_all(uow).checks if not c.ok}


def _trade(uow: UnitOfWork) -> None:
    inv.receive(uow, "WH1", [ReceiptLine("PLAIN", 9, Decimal("3.33"))])
    inv.ship(uow, "PLAIN", 4, "WH1-INPUT", reference="SO-1")


def test_audit_is_clean_when_events_are_still_unposted(store: UnitOfWork) -> None:
    _trade(store)
    report = run_all(store)
    assert report.ok, _failed(store)
    summaries = {c.name: c.summary for c in report.checks}
    assert "2 events not yet posted" in summaries[
        "inventory accounts equal the cost layers to the cent"]
    post_all(store)
    assert run_all(store).ok, _failed(store)


def test_audit_fails_when_inventory_account_disagrees_with_layers(store: UnitOfWork) -> None:
    _trade(store)
    post_all(store)
    with store.transaction() as conn:
        journal.post_entries(conn, [EntryDraft(date(2026, 1, 5), "stray", (
            base_line("1200", "debit", 1, currency="USD"),
            base_line("3000", "credit", 1, currency="USD")))], created_by="test")
    failed = _failed(store)
    assert list(failed) == ["inventory accounts equal the cost layers to the cent"]
    assert "books 1666 + pending 0 ≠ warehouse cost layers 1665" in failed[
        "inventory accounts equal the cost layers to the cent"][0]


def test_audit_fails_when_a_valued_move_was_never_posted(store: UnitOfWork) -> None:
    _trade(store)
    post_all(store)
    with store.transaction() as conn:  # a move that bypassed the outbox
        conn.execute(text("INSERT INTO stock_moves (sku_id, lot_id, qty, from_location_id, "
                          "to_location_id, state, reason, reference, note, value_minor, "
                          "created_at) SELECT sku_id, 0, 1, to_location_id, from_location_id, "
                          "'done', 'other', '', '', 5, created_at FROM stock_moves WHERE id = 1"))
    failed = _failed(store)
    assert any("0 postings" in d for d in failed["every valued stock move has exactly one posting"])
