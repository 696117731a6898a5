"""Worked examples with known answers: stock operations posted to the books by the worker."""

from __future__ import annotations

from decimal import Decimal

from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory import transfers
from backroom.inventory.services import ReceiptLine, TransferLineSpec
from tests.accounting.helpers import balances, post_all


def _buy(uow: UnitOfWork, qty: int, cost: str, wh: str = "WH1", sku: str = "PLAIN") -> None:
    inv.receive(uow, wh, [ReceiptLine(sku, qty, Decimal(cost))], reference="PO")


def test_fifo_cogs_is_80_when_15_of_10_at_5_and_10_at_6_ship(store: UnitOfWork) -> None:
    _buy(store, 10, "5.00")
    _buy(store, 10, "6.00")
    inv.ship(store, "PLAIN", 15, "WH1-INPUT", reference="SO-1")
    run = post_all(store)
    assert run.entries == 3
    assert balances(store) == {"1200": 3000, "2010": -11000, "5000": 8000}


def test_partial_shipment_splits_layer_when_shipped_in_three_parts(store: UnitOfWork) -> None:
    _buy(store, 3, "1.00")  # 3.00 for 3 units: 1.00 each
    _buy(store, 7, "0.70")  # 4.90
    for qty in (2, 2, 2):
        inv.ship(store, "PLAIN", qty, "WH1-INPUT", reference="SO")
    post_all(store)
    # FIFO: 2.00, then 1.00 + 0.70, then 1.40 → 5.10 sold, 4 units at 0.70 = 2.80 left
    assert balances(store) == {"1200": 280, "2010": -790, "5000": 510}


def test_write_off_goes_to_shrinkage_when_stock_is_lost(store: UnitOfWork) -> None:
    _buy(store, 10, "2.50")
    inv.adjust(store, "WH1-INPUT", "PLAIN", -4, reason="damage")
    inv.adjust(store, "WH1-INPUT", "PLAIN", 1, reason="found")  # back at the last unit cost
    post_all(store)
    assert balances(store) == {"1200": 1750, "2010": -2500, "5400": 750}


def test_transfer_keeps_value_when_goods_travel_between_warehouses(store: UnitOfWork) -> None:
    _buy(store, 10, "3.00")
    inv.move(store, "PLAIN", 10, "WH1-INPUT", "WH1-A-01-1", reason="putaway")
    result = transfers.dispatch(store, "WH1-A-01-1", "WH2", [TransferLineSpec("PLAIN", 4)])
    post_all(store)
    assert balances(store) == {"1200": 1800, "1210": 1200, "2010": -3000}
    transfers.receive(store, int(result.extra["transfer_id"]))
    run = post_all(store)
    assert run.entries == 1
    assert balances(store) == {"1200": 3000, "1210": 0, "2010": -3000}


def test_reversed_shipment_restores_inventory_when_move_is_reversed(store: UnitOfWork) -> None:
    _buy(store, 5, "4.00")
    shipped = inv.ship(store, "PLAIN", 2, "WH1-INPUT", reference="SO-9")
    inv.reverse(store, int(shipped.moves[0]["id"]))
    post_all(store)
    assert balances(store) == {"1200": 2000, "2010": -2000, "5000": 0}


def test_internal_moves_post_nothing_when_value_stays_in_warehouse(store: UnitOfWork) -> None:
    _buy(store, 5, "4.00")
    inv.move(store, "PLAIN", 5, "WH1-INPUT", "WH1-A-01-1", reason="putaway")
    inv.reserve(store, "WH1", "PLAIN", 2, "SO-1")
    run = post_all(store)
    assert (run.events, run.entries, run.ignored) == (3, 1, 2)
