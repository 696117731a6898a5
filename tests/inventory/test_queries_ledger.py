"""Reading the move ledger, reservations and transfers on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from backroom.core import clock
from backroom.core.errors import NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.inventory import queries, transfers
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine, TransferLineSpec
from tests.inventory.store import build_store
from tests.inventory.test_queries import every_page

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fixed_clock() -> Iterator[clock.FixedClock]:
    fixed = clock.FixedClock(START)
    previous = clock.set_clock(fixed)
    yield fixed
    clock.set_clock(previous)


@pytest.fixture
def store(uow: UnitOfWork) -> UnitOfWork:
    build_store(uow)
    return uow


def history(store: UnitOfWork, fixed_clock: clock.FixedClock) -> list[int]:
    """Five moves an hour apart; returns their ids in order."""
    ids = []
    for step in (
        lambda: inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10)], reference="PO-1"),
        lambda: inv.receive(store, "WH1", [ReceiptLine("OTHER", 5)], reference="PO-2"),
        lambda: inv.move(store, "PLAIN", 4, "WH1-INPUT", "WH1-A-01-1", reason="putaway"),
        lambda: inv.ship(store, "PLAIN", 1, "WH1-A-01-1", reference="SO-1"),
        lambda: inv.adjust(store, "WH1-INPUT", "OTHER", -1, reason="damage"),
    ):
        ids.append(step().moves[0]["id"])
        fixed_clock.advance(timedelta(hours=1))
    return ids


def ids_of(page: queries.Page) -> list[int]:
    return [r["id"] for r in page.items]


def test_moves_come_newest_first_when_listed(store: UnitOfWork,
                                             fixed_clock: clock.FixedClock) -> None:
    ids = history(store, fixed_clock)
    with store.read() as conn:
        page = queries.list_moves(conn)
    assert ids_of(page) == ids[::-1]
    ship = page.items[1]
    assert (ship["sku"], ship["qty"], ship["from"], ship["to"], ship["reason"],
            ship["reference"], ship["to_kind"]) == ("PLAIN", 1, "WH1-A-01-1", "CUSTOMER",
                                                    "shipment", "SO-1", "customer")
    assert ship["done_at"] == START + timedelta(hours=3)


def test_moves_are_filtered_when_sku_reference_location_or_reason_given(
        store: UnitOfWork, fixed_clock: clock.FixedClock) -> None:
    ids = history(store, fixed_clock)
    with store.read() as conn:
        assert ids_of(queries.list_moves(conn, sku="OTHER")) == [ids[4], ids[1]]
        assert ids_of(queries.list_moves(conn, reference="PO-1")) == [ids[0]]
        assert ids_of(queries.list_moves(conn, location="WH1-A-01-1")) == [ids[3], ids[2]]
        assert ids_of(queries.list_moves(conn, reason="damage")) == [ids[4]]
        assert ids_of(queries.list_moves(conn, sku="PLAIN", location="WH1-INPUT")) == [
            ids[2], ids[0]]


def test_moves_are_limited_to_the_window_when_since_and_until_given(
        store: UnitOfWork, fixed_clock: clock.FixedClock) -> None:
    ids = history(store, fixed_clock)
    plus_two = datetime(2025, 3, 1, 18, 0, tzinfo=timezone(timedelta(hours=2)))  # 16:00 UTC
    with store.read() as conn:
        window = queries.list_moves(conn, since=START + timedelta(hours=1), until=plus_two)
        assert ids_of(window) == [ids[3], ids[2], ids[1]]
        assert ids_of(queries.list_moves(conn, since=START + timedelta(hours=4))) == [ids[4]]


def test_moves_are_refused_when_window_is_naive_or_reason_unknown(store: UnitOfWork) -> None:
    with store.read() as conn:
        with pytest.raises(ValidationFailed, match="timezone"):
            queries.list_moves(conn, since=datetime(2025, 1, 1))
        with pytest.raises(ValidationFailed, match="reason"):
            queries.list_moves(conn, reason="magic")


def test_move_pages_cover_every_move_once_when_paged(store: UnitOfWork,
                                                     fixed_clock: clock.FixedClock) -> None:
    ids = history(store, fixed_clock)
    with store.read() as conn:
        for size in (1, 2, 5):
            rows = every_page(lambda n, after: queries.list_moves(conn, limit=n,
                                                                  after_id=after), size)
            assert [r["id"] for r in rows] == ids[::-1]


def test_get_move_names_its_reversal_when_reversed(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 5)])
    moved = inv.move(store, "PLAIN", 2, "WH1-INPUT", "WH1-PACK").moves[0]["id"]
    back = inv.reverse(store, moved).moves[0]["id"]
    with store.read() as conn:
        original, reversal = queries.get_move(conn, moved), queries.get_move(conn, back)
        with pytest.raises(NotFound):
            queries.get_move(conn, 999_999)
    assert original["reversed_by"] == back
    assert (reversal["reverses_move_id"], reversal["from"], reversal["to"]) == (
        moved, "WH1-PACK", "WH1-INPUT")


def test_reservations_are_filtered_when_state_or_reference_given(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10)])
    inv.receive(store, "WH2", [ReceiptLine("OTHER", 10)])
    first = inv.reserve(store, "WH1", "PLAIN", 2, "SO-1")[0].id
    second = inv.reserve(store, "WH1", "PLAIN", 3, "SO-2")[0].id
    third = inv.reserve(store, "WH2", "OTHER", 1, "SO-2")[0].id
    inv.release(store, reservation_id=first)
    inv.ship(store, "PLAIN", 1, "WH1-INPUT", reference="SO-2")
    with store.read() as conn:
        assert ids_of(queries.list_reservations(conn)) == [third, second, first]
        assert ids_of(queries.list_reservations(conn, state="released")) == [first]
        assert ids_of(queries.list_reservations(conn, reference="SO-2")) == [third, second]
        assert ids_of(queries.list_reservations(conn, warehouse="WH2", sku="OTHER")) == [third]
        row = queries.list_reservations(conn, reference="SO-2", sku="PLAIN").items[0]
        assert every_page(lambda n, after: queries.list_reservations(
            conn, limit=n, after_id=after), 1) == queries.list_reservations(conn).items
        with pytest.raises(ValidationFailed, match="state"):
            queries.list_reservations(conn, state="open")
    assert (row["warehouse"], row["qty"], row["open_qty"], row["state"]) == ("WH1", 3, 2,
                                                                             "active")


def test_transfers_show_their_lines_when_listed(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10), ReceiptLine("LOTTED", 4, lot="L1")])
    first = transfers.dispatch(store, "WH1-INPUT", "WH2", [
        TransferLineSpec("PLAIN", 3), TransferLineSpec("LOTTED", 2, "L1")],
        reference="T-1").extra["transfer_id"]
    second = transfers.dispatch(store, "WH1-INPUT", "WH2", [TransferLineSpec("PLAIN", 1)]
                                ).extra["transfer_id"]
    transfers.receive(store, first)
    with store.read() as conn:
        everything = queries.list_transfers(conn)
        in_transit = queries.list_transfers(conn, state="in_transit")
        by_reference = queries.list_transfers(conn, reference="T-1", warehouse="WH2")
        with pytest.raises(ValidationFailed, match="state"):
            queries.list_transfers(conn, state="lost")
    assert ids_of(everything) == [second, first]
    assert ids_of(in_transit) == [second]
    received = by_reference.items[0]
    assert (received["from_warehouse"], received["to_warehouse"], received["state"]) == (
        "WH1", "WH2", "received")
    assert received["lines"] == [
        {"sku": "PLAIN", "lot": None, "qty": 3, "received_qty": 3},
        {"sku": "LOTTED", "lot": "L1", "qty": 2, "received_qty": 2}]
