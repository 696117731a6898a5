"""Moving average and landed cost: textbook answers, books equal layers, history as of dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from backroom.accounting import reports
from backroom.accounting.audit import run_all
from backroom.core import clock
from backroom.core.clock import FixedClock
from backroom.core.errors import NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.inventory import averaging
from backroom.inventory import services as inv
from backroom.inventory.landed_cost import apply_landed_cost
from backroom.inventory.services import ReceiptLine
from tests.accounting.helpers import balances, post_all


def _buy(uow: UnitOfWork, qty: int, cost: str, ref: str = "PO") -> int:
    done = inv.receive(uow, "WH1", [ReceiptLine("PLAIN", qty, Decimal(cost))], reference=ref)
    return int(done.moves[0]["id"])


def _clean(uow: UnitOfWork) -> None:
    report = run_all(uow)
    assert report.ok, [(c.name, c.discrepancies) for c in report.checks if not c.ok]


def test_moving_average_cogs_is_82_50_when_15_of_10_at_5_and_10_at_6_ship(
        store: UnitOfWork) -> None:
    averaging.set_method(store, "average")
    _buy(store, 10, "5.00")
    _buy(store, 10, "6.00")
    inv.ship(store, "PLAIN", 15, "WH1-INPUT", reference="SO-1")
    post_all(store)
    assert balances(store) == {"1200": 2750, "2010": -11000, "5000": 8250}
    _buy(store, 10, "7.00")  # (27.50 + 70.00) / 15 = 6.50 a unit
    inv.ship(store, "PLAIN", 5, "WH1-INPUT", reference="SO-2")
    post_all(store)
    assert balances(store) == {"1200": 6500, "2010": -18000, "5000": 11500}
    _clean(store)


def test_switching_to_average_levels_layers_when_stock_is_held(store: UnitOfWork) -> None:
    _buy(store, 10, "5.00")
    _buy(store, 10, "6.00")
    assert averaging.set_method(store, "average")["layers_levelled"] == 2
    inv.ship(store, "PLAIN", 10, "WH1-INPUT", reference="SO-1")
    post_all(store)
    assert balances(store)["5000"] == 5500
    averaging.set_method(store, "fifo")
    _clean(store)


def test_landed_cost_goes_to_stock_and_cogs_when_part_is_sold(store: UnitOfWork) -> None:
    first = _buy(store, 10, "5.00", ref="PO-1")
    _buy(store, 30, "5.00", ref="PO-1")  # same receipt, second line: 3/4 of the value
    inv.ship(store, "PLAIN", 5, "WH1-INPUT", reference="SO-1")  # half of the first line
    out = apply_landed_cost(store, amount="40.00", reference="PO-1", kind="freight")
    # shares 10.00 and 30.00; half of the first line's units are gone: 5.00 to COGS
    assert (out["to_inventory"], out["to_cogs"]) == ("35.00", "5.00")
    assert "5.00 USD went to COGS" in out["note"]
    post_all(store)
    assert balances(store) == {"1200": 17500 + 3500, "2010": -20000, "5000": 2500 + 500,
                               "2000": -4000}
    inv.ship(store, "PLAIN", 5, "WH1-INPUT", reference="SO-2")  # rest of line 1: 5 @ 6.00
    post_all(store)
    assert balances(store)["5000"] == 3000 + 3000
    _clean(store)
    assert first > 0


def test_landed_cost_is_refused_when_amount_or_receipt_is_wrong(store: UnitOfWork) -> None:
    _buy(store, 2, "1.00", ref="PO-9")
    with pytest.raises(ValidationFailed, match="10× the value"):
        apply_landed_cost(store, amount="20.01", reference="PO-9")
    with pytest.raises(ValidationFailed, match="above zero"):
        apply_landed_cost(store, amount="0", reference="PO-9")
    with pytest.raises(ValidationFailed, match="without a weight"):
        apply_landed_cost(store, amount="1.00", reference="PO-9", basis="weight")
    with pytest.raises(NotFound):
        apply_landed_cost(store, amount="1.00", reference="PO-404")
    _clean(store)


def test_landed_cost_on_fully_sold_receipt_goes_to_cogs_when_nothing_is_left(
        store: UnitOfWork) -> None:
    _buy(store, 4, "2.00", ref="PO-2")
    inv.ship(store, "PLAIN", 4, "WH1-INPUT", reference="SO")
    out = apply_landed_cost(store, amount="3.00", reference="PO-2", basis="qty")
    assert (out["to_inventory"], out["to_cogs"]) == ("0.00", "3.00")
    post_all(store)
    assert balances(store)["5000"] == 800 + 300
    _clean(store)


def test_valuation_as_of_a_date_ignores_later_revaluations_when_asked(
        store: UnitOfWork) -> None:
    start = datetime(2026, 5, 10, 9, tzinfo=UTC)
    fixed = FixedClock(start)
    previous = clock.set_clock(fixed)
    try:
        _buy(store, 10, "5.00", ref="PO-1")
        fixed.advance(timedelta(days=2))
        apply_landed_cost(store, amount="10.00", reference="PO-1")
        post_all(store)
    finally:
        clock.set_clock(previous)
    with store.read() as conn:
        before = reports.inventory_valuation(conn, as_of=date(2026, 5, 10))
        after = reports.inventory_valuation(conn, as_of=date(2026, 5, 12))
    assert (before["total_value"], before["books_inventory"]) == ("50.00", "50.00")
    assert (after["total_value"], after["books_inventory"]) == ("60.00", "60.00")
