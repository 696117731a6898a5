"""The read side of the ledger on both databases: levels, positions, filters and keyset pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from backroom.core.errors import ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.inventory import queries, transfers
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine, TransferLineSpec
from tests.inventory.store import build_store


@pytest.fixture
def store(uow: UnitOfWork) -> UnitOfWork:
    build_store(uow)
    return uow


def every_page(fetch: Callable[[int, Any], queries.Page], limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = None
    for _ in range(1000):
        page = fetch(limit, after)
        assert len(page.items) <= limit
        items.extend(page.items)
        if page.next_after is None:
            return items
        after = page.next_after
    raise AssertionError("pagination did not end")


def spread(store: UnitOfWork) -> None:
    """PLAIN in WH1 input and a bin, in WH2, and on its way from WH2 to WH1."""
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("2.00"))], reference="PO-1")
    inv.move(store, "PLAIN", 4, "WH1-INPUT", "WH1-A-01-1")
    inv.receive(store, "WH2", [ReceiptLine("PLAIN", 3, Decimal("2.00"))], reference="PO-2")
    transfers.dispatch(store, "WH2-INPUT", "WH1", [TransferLineSpec("PLAIN", 2)])


def test_levels_for_sku_lists_every_holding_location_when_stock_is_spread(
        store: UnitOfWork) -> None:
    spread(store)
    with store.read() as conn:
        rows = queries.levels_for_sku(conn, "PLAIN")
    assert [(r["location"], r["warehouse"], r["kind"], r["on_hand"]) for r in rows] == [
        ("WH1-A-01-1", "WH1", "storage", 4), ("WH1-INPUT", "WH1", "input", 6),
        ("WH2-INPUT", "WH2", "input", 1), ("TRANSIT", None, "transit", 2)]
    assert all(r["reserved"] == 0 and r["lot"] is None for r in rows)


def test_levels_for_sku_shows_lot_and_expiry_when_lot_tracked(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("LOTTED", 5, lot="B", expiry=date(2027, 1, 1)),
                               ReceiptLine("LOTTED", 2, lot="A")])
    with store.read() as conn:
        rows = queries.levels_for_sku(conn, "LOTTED")
    assert {(r["lot"], r["expiry"], r["on_hand"]) for r in rows} == {
        ("B", date(2027, 1, 1), 5), ("A", None, 2)}


def test_levels_for_sku_is_empty_when_everything_left_or_sku_unknown(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 3)])
    inv.ship(store, "PLAIN", 3, "WH1-INPUT", reference="SO-1")
    with store.read() as conn:
        assert queries.levels_for_sku(conn, "PLAIN") == []
        assert queries.levels_for_sku(conn, "NO-SUCH-SKU") == []
        assert queries.sku_exists(conn, "PLAIN")
        assert not queries.sku_exists(conn, "NO-SUCH-SKU")


def test_levels_for_sku_uses_the_sku_index_when_planned_on_sqlite(store: UnitOfWork) -> None:
    if store.dialect != "sqlite":
        pytest.skip("query plan checked on SQLite, where the bench measures it")
    with store.read() as conn:
        compiled = queries._LEVELS_FOR_SKU.compile(dialect=conn.dialect)
        params = tuple("PLAIN" if name == "sku" else compiled.params[name]
                       for name in compiled.positiontup or ())
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", params))
    assert "ix_stock_levels_sku" in plan
    assert "SCAN stock_levels" not in plan


def test_list_levels_filters_when_given_sku_location_warehouse_or_lot(store: UnitOfWork) -> None:
    spread(store)
    inv.receive(store, "WH1", [ReceiptLine("LOTTED", 5, lot="L1"), ReceiptLine("OTHER", 1)])
    with store.read() as conn:
        def codes(**kw: Any) -> list[tuple[str, str]]:
            return [(r["location"], r["sku"]) for r in queries.list_levels(conn, **kw).items]

        assert codes(sku="PLAIN") == [("WH1-A-01-1", "PLAIN"), ("WH1-INPUT", "PLAIN"),
                                      ("WH2-INPUT", "PLAIN")]
        assert codes(location="WH1-INPUT") == [("WH1-INPUT", "LOTTED"), ("WH1-INPUT", "OTHER"),
                                               ("WH1-INPUT", "PLAIN")]
        assert codes(warehouse="WH2") == [("WH2-INPUT", "PLAIN")]
        assert codes(lot="L1") == [("WH1-INPUT", "LOTTED")]
        virtual = {(r["location"], r["on_hand"]) for r in queries.list_levels(
            conn, sku="PLAIN", physical_only=False).items}
    assert ("SUPPLIER", -13) in virtual and ("TRANSIT", 2) in virtual


def test_list_levels_pages_cover_every_row_once_when_paged(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine(s, 9) for s in ("PLAIN", "OTHER")]
                + [ReceiptLine("LOTTED", 9, lot=f"L{n}") for n in range(3)])
    for bin_code in ("WH1-A-01-1", "WH1-A-02-1", "WH1-A-03-1"):
        inv.move(store, "PLAIN", 2, "WH1-INPUT", bin_code)
        inv.move(store, "LOTTED", 1, "WH1-INPUT", bin_code, lot="L1")
    with store.read() as conn:
        full = queries.list_levels(conn, limit=500).items
        for size in (1, 2, 3, 7):
            paged = every_page(lambda n, after: queries.list_levels(conn, limit=n, after=after),
                               size)
            assert paged == full
    assert len(full) == 11
    keys = [(r["location"], r["sku"], r["lot"]) for r in full]
    assert len(set(keys)) == len(keys)


def test_later_pages_skip_nothing_when_rows_appear_before_the_cursor(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 9)])
    inv.move(store, "PLAIN", 1, "WH1-INPUT", "WH1-PACK")
    with store.read() as conn:
        first = queries.list_levels(conn, limit=1)
    assert [r["location"] for r in first.items] == ["WH1-INPUT"]
    inv.move(store, "PLAIN", 1, "WH1-INPUT", "WH1-A-01-1")  # sorts before the cursor
    with store.read() as conn:
        rest = queries.list_levels(conn, limit=10, after=first.next_after).items
    assert [r["location"] for r in rest] == ["WH1-PACK"]


def test_positions_compute_available_when_reserved_and_safety_stock_set(
        store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10)])
    inv.move(store, "PLAIN", 2, "WH1-INPUT", "WH1-QUARANTINE")
    inv.reserve(store, "WH1", "PLAIN", 3, "SO-1")
    inv.set_safety_stock(store, "WH1", "PLAIN", 1)
    inv.receive(store, "WH2", [ReceiptLine("PLAIN", 4)])
    transfers.dispatch(store, "WH2-INPUT", "WH1", [TransferLineSpec("PLAIN", 4)])
    with store.read() as conn:
        rows = queries.positions(conn, sku="PLAIN").items
    assert rows == [
        {"warehouse": "WH1", "sku": "PLAIN", "on_hand": 8, "reserved": 3, "safety_stock": 1,
         "available": 4, "quarantined": 2, "incoming": 4},
        {"warehouse": "WH2", "sku": "PLAIN", "on_hand": 0, "reserved": 0, "safety_stock": 0,
         "available": 0, "quarantined": 0, "incoming": 0}]


def test_positions_are_split_by_lot_when_asked_per_lot(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("LOTTED", 5, lot="EARLY", expiry=date(2026, 1, 1)),
                               ReceiptLine("LOTTED", 7, lot="LATE", expiry=date(2027, 1, 1))])
    inv.set_safety_stock(store, "WH1", "LOTTED", 2)
    inv.reserve(store, "WH1", "LOTTED", 6, "SO-1")  # FEFO: 5 EARLY + 1 LATE
    with store.read() as conn:
        total = queries.positions(conn, warehouse="WH1").items
        per_lot = queries.positions(conn, warehouse="WH1", by_lot=True).items
    assert [(r["on_hand"], r["reserved"], r["safety_stock"], r["available"]) for r in total] == [
        (12, 6, 2, 4)]
    assert [(r["lot"], r["expiry"], r["reserved"], r["safety_stock"], r["available"])
            for r in per_lot] == [("EARLY", date(2026, 1, 1), 5, None, 0),
                                  ("LATE", date(2027, 1, 1), 1, None, 6)]


def test_positions_pages_cover_every_row_once_when_paged(store: UnitOfWork) -> None:
    for wh in ("WH1", "WH2"):
        inv.receive(store, wh, [ReceiptLine(s, 3) for s in ("PLAIN", "OTHER")]
                    + [ReceiptLine("LOTTED", 3, lot=f"L{n}") for n in range(3)])
    with store.read() as conn:
        for by_lot, expected in ((False, 6), (True, 10)):
            full = queries.positions(conn, by_lot=by_lot, limit=500).items
            assert len(full) == expected
            for size in (1, 4):
                assert every_page(lambda n, after, b=by_lot: queries.positions(
                    conn, by_lot=b, limit=n, after=after), size) == full


def test_limit_is_refused_when_out_of_range(store: UnitOfWork) -> None:
    with store.read() as conn:
        for bad in (0, queries.MAX_LIMIT + 1):
            with pytest.raises(ValidationFailed, match="limit"):
                queries.list_levels(conn, limit=bad)
            with pytest.raises(ValidationFailed, match="limit"):
                queries.list_moves(conn, limit=bad)
