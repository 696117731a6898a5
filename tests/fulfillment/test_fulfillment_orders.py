"""Fulfillment orders: hold and release, cancel, move, split and merge — each gives back or
takes stock in the right warehouse and keeps the order's counters and the audit true."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backroom.core.errors import Conflict, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import audit, fulfillment_orders
from backroom.fulfillment.tables import FULFILLMENT_ORDERS
from backroom.fulfillment.waves import WaveRule, create_wave
from backroom.inventory.audit import run_audit
from backroom.inventory.errors import InsufficientStock
from backroom.inventory.tables import POSITIONS, WAREHOUSES
from backroom.orders.tables import ORDER_LINES
from tests.fulfillment.flowkit import api_order, bin_level, open_fo, stocked


def _fo(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    with uow.read() as conn:
        return fulfillment_orders.get(conn, fo_id)


def _reserved(uow: UnitOfWork, warehouse: str) -> int:
    with uow.read() as conn:
        return int(sum(conn.execute(select(POSITIONS.c.reserved).join(
            WAREHOUSES, WAREHOUSES.c.id == POSITIONS.c.warehouse_id).where(
            WAREHOUSES.c.code == warehouse)).scalars()))


def _line_reserved(uow: UnitOfWork, order_id: int) -> list[int]:
    with uow.read() as conn:
        return list(conn.execute(select(ORDER_LINES.c.qty_reserved).where(
            ORDER_LINES.c.order_id == order_id).order_by(ORDER_LINES.c.position)).scalars())


def _clean(uow: UnitOfWork) -> None:
    assert run_audit(uow).ok
    with uow.read() as conn:
        for check in audit.CHECKS:
            result = check(conn)
            assert result.ok, result.discrepancies


def test_cancel_gives_back_bins_and_stock_when_released(uow: UnitOfWork) -> None:
    stocked(uow)
    order = api_order(uow, "c1", [3, 2])
    fo = open_fo(uow, order)
    create_wave(uow, WaveRule("WH1"))
    assert bin_level(uow, "WH1-A-02-1")[1] == 3 and _reserved(uow, "WH1") == 5
    _clean(uow)
    assert fulfillment_orders.cancel(uow, fo, "customer called")["state"] == "cancelled"
    assert bin_level(uow, "WH1-A-02-1")[1] == 0 and _reserved(uow, "WH1") == 0
    assert _line_reserved(uow, order.order_id) == [0, 0]
    _clean(uow)
    with pytest.raises(Conflict, match="cancelled"):
        fulfillment_orders.cancel(uow, fo)


def test_hold_blocks_until_released_and_needs_a_reason(uow: UnitOfWork) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "h1", [1]))
    with pytest.raises(ValidationFailed, match="reason"):
        fulfillment_orders.hold(uow, fo, "  ")
    assert fulfillment_orders.hold(uow, fo, "fraud review")["hold_reason"] == "fraud review"
    with pytest.raises(Conflict, match="already held"):
        fulfillment_orders.hold(uow, fo, "again")
    assert create_wave(uow, WaveRule("WH1")).orders == 0
    assert fulfillment_orders.release(uow, fo)["hold_reason"] is None
    with pytest.raises(Conflict, match="not held"):
        fulfillment_orders.release(uow, fo)


def test_move_reserves_in_new_warehouse_first_when_moved(uow: UnitOfWork) -> None:
    stocked(uow, {"WH1-A-01-1": {"PLAIN": 5}, "WH2-A-01-1": {"PLAIN": 2}})
    order = api_order(uow, "m1", [3])
    fo = open_fo(uow, order)
    with pytest.raises(InsufficientStock):
        fulfillment_orders.move(uow, fo, "WH2")
    assert _reserved(uow, "WH1") == 3 and _reserved(uow, "WH2") == 0  # nothing half done
    small = open_fo(uow, api_order(uow, "m2", [2]))
    moved = fulfillment_orders.move(uow, small, "WH2")
    assert moved["warehouse"] == "WH2"
    assert _reserved(uow, "WH1") == 3 and _reserved(uow, "WH2") == 2
    with pytest.raises(ValidationFailed, match="already"):
        fulfillment_orders.move(uow, small, "WH2")
    with pytest.raises(ValidationFailed, match="no active warehouse"):
        fulfillment_orders.move(uow, small, "NOPE")
    _clean(uow)


def test_split_and_merge_keep_every_unit_when_reshaped(uow: UnitOfWork) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "s1", [3, 2]))
    first, second = _fo(uow, fo)["lines"]
    new = fulfillment_orders.split(uow, fo, {first["id"]: 1, second["id"]: 2})
    assert [(ln["order_line_id"], ln["qty"]) for ln in new["lines"]] == [
        (first["order_line_id"], 1), (second["order_line_id"], 2)]
    assert [ln["qty"] for ln in _fo(uow, fo)["lines"]] == [2]
    _clean(uow)
    with pytest.raises(ValidationFailed, match="1-2"):
        fulfillment_orders.split(uow, fo, {first["id"]: 5})
    with pytest.raises(ValidationFailed, match="every unit"):
        fulfillment_orders.split(uow, fo, {first["id"]: 2})
    merged = fulfillment_orders.merge(uow, [fo, new["id"]])
    assert sorted(ln["qty"] for ln in merged["lines"]) == [2, 3]
    assert _fo(uow, new["id"])["state"] == "cancelled"
    _clean(uow)
    other = open_fo(uow, api_order(uow, "s2", [1]))
    with pytest.raises(ValidationFailed, match="different orders"):
        fulfillment_orders.merge(uow, [fo, other])


def test_order_cancel_takes_units_out_of_fulfillment_when_not_yet_picked(
        uow: UnitOfWork) -> None:
    from backroom.fulfillment import pick_service
    from backroom.orders import services as order_services

    stocked(uow)
    order = api_order(uow, "oc", [3, 2])
    fo = open_fo(uow, order)
    create_wave(uow, WaveRule("WH1"))
    line_ids = [ln["order_line_id"] for ln in _fo(uow, fo)["lines"]]
    order_services.cancel_order(uow, order.order_id, reason="changed mind", actor="test",
                                lines=[(line_ids[0], 1)])
    got = _fo(uow, fo)
    assert got["state"] == "waiting" and [ln["qty"] for ln in got["lines"]] == [2, 2]
    assert bin_level(uow, "WH1-A-02-1")[1] == 0 and _reserved(uow, "WH1") == 4
    _clean(uow)
    batch = create_wave(uow, WaveRule("WH1")).batches[0]
    pick_service.start(uow, batch)
    with pytest.raises(Conflict, match="being picked"):
        order_services.cancel_order(uow, order.order_id, reason="too late", actor="test")
    pick_service.confirm_all(uow, batch)
    _clean(uow)
    other = api_order(uow, "oc2", [1])
    other_fo = open_fo(uow, other)
    order_services.cancel_order(uow, other.order_id, reason="fraud", actor="test")
    assert _fo(uow, other_fo)["state"] == "cancelled"
    _clean(uow)


@pytest.fixture
def autofill() -> Any:
    from backroom.core.events import remove_record_hook
    from backroom.fulfillment import backorders

    backorders.install()
    yield
    remove_record_hook(backorders.on_record)


def test_backorders_fill_when_stock_arrives_and_not_before(uow: UnitOfWork,
                                                           autofill: None) -> None:
    from decimal import Decimal

    from backroom.fulfillment.allocation import allocate_order
    from backroom.inventory import services as inventory

    stocked(uow, {"WH1-A-01-1": {"PLAIN": 2}})
    order = api_order(uow, "bo", [5])
    done = allocate_order(uow, order.order_id)
    assert done.reserved_units == 2 and done.backordered_units == 3
    with uow.read() as conn:
        line = conn.execute(select(ORDER_LINES).where(
            ORDER_LINES.c.order_id == order.order_id)).one()
    assert (line.qty_reserved, line.qty_backordered) == (2, 3)
    # An internal move is no arrival: nothing changes.
    inventory.move(uow, "PLAIN", 1, "WH1-A-01-1", "WH1-A-02-1")
    assert _line_reserved(uow, order.order_id) == [2]
    # Two units arrive: they go to the backorder in the same transaction as the receipt.
    inventory.receive(uow, "WH2", [inventory.ReceiptLine("PLAIN", 2, Decimal("2.00"))])
    with uow.read() as conn:
        line = conn.execute(select(ORDER_LINES).where(
            ORDER_LINES.c.order_id == order.order_id)).one()
    assert (line.qty_reserved, line.qty_backordered) == (4, 1)
    assert _reserved(uow, "WH2") == 2
    with uow.read() as conn:
        fos = conn.execute(select(FULFILLMENT_ORDERS.c.warehouse_id).where(
            FULFILLMENT_ORDERS.c.order_id == order.order_id)).scalars().all()
    assert len(fos) == 2
    _clean(uow)
