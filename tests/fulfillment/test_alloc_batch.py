"""Allocation a chunk of orders at a time: the same outcome as one order at a time (oldest
first, each seeing what the orders before it took), bad orders reported while the rest go on,
and a chunk whose stock was taken meanwhile redone one order at a time without overselling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import alloc_batch
from backroom.fulfillment.allocation import allocate_order, allocate_ready
from backroom.fulfillment.sourcing import service
from backroom.fulfillment.tables import FULFILLMENT_LINES, FULFILLMENT_ORDERS, SOURCING_DECISIONS
from backroom.inventory import reservations
from backroom.inventory import services as inventory
from backroom.inventory.audit import run_audit
from backroom.inventory.tables import POSITIONS, RESERVATIONS
from backroom.orders import services as order_services
from backroom.orders.tables import ORDER_HISTORY, ORDER_LINES, ORDERS
from tests.fulfillment.fo_setup import fixed_clock
from tests.fulfillment.sourcing.store import build_shop, stock
from tests.orders.lifecyclekit import api_order

# What each order wants: MUG and TEAPOT are short in both warehouses, TEA-LOT is lot-tracked.
WANTS = ({"MUG": 3}, {"MUG": 2, "TEAPOT": 1}, {"TEAPOT": 2}, {"MUG": 4, "TEA-LOT": 2},
         {"TEA-LOT": 5}, {"MUG": 1, "TEAPOT": 1}, {"MUG": 2}, {"TEAPOT": 1, "TEA-LOT": 1})


@pytest.fixture
def shop(uow: UnitOfWork) -> Iterator[list[int]]:
    """Two warehouses with too little stock for all of ``WANTS``; the orders' ids."""
    with fixed_clock():
        build_shop(uow)
        stock(uow, "EWR", MUG=5, TEAPOT=2)
        stock(uow, "RNO", MUG=4, TEAPOT=1)
        inventory.receive(uow, "RNO", [
            inventory.ReceiptLine("TEA-LOT", 3, Decimal(1), lot="L1", expiry=date(2027, 1, 1)),
            inventory.ReceiptLine("TEA-LOT", 4, Decimal(1), lot="L2", expiry=date(2026, 12, 20))])
        yield [api_order(uow, f"B-{n}", list(w.values()), skus=tuple(w)).order_id
               for n, w in enumerate(WANTS)]


def _state(uow: UnitOfWork) -> dict[str, Any]:
    """Everything allocation writes, without ids and times."""
    with uow.read() as conn:
        fo = {r.id: (r.order_id, r.warehouse_id) for r in conn.execute(select(FULFILLMENT_ORDERS))}
        return {
            "reservations": sorted(
                (r.warehouse_id, r.sku_id, r.lot_id, r.qty, r.open_qty, r.reference)
                for r in conn.execute(select(RESERVATIONS))),
            "positions": sorted(tuple(r) for r in conn.execute(select(
                POSITIONS.c.warehouse_id, POSITIONS.c.sku_id, POSITIONS.c.lot_id,
                POSITIONS.c.reserved))),
            "lines": sorted(tuple(r) for r in conn.execute(select(
                ORDER_LINES.c.id, ORDER_LINES.c.qty_reserved, ORDER_LINES.c.qty_backordered))),
            "orders": sorted(tuple(r) for r in conn.execute(select(
                ORDERS.c.id, ORDERS.c.state, ORDERS.c.fulfillment_state))),
            "fulfillment": sorted(
                (r.order_id, r.warehouse_id, r.carrier, r.service, r.estimated_cost_minor)
                for r in conn.execute(select(FULFILLMENT_ORDERS))),
            "fulfillment_lines": sorted(
                (fo[r.fulfillment_order_id], r.order_line_id, r.sku_id, r.qty)
                for r in conn.execute(select(FULFILLMENT_LINES))),
            "decisions": sorted((r.order_id, r.strategy, r.estimated_cost_minor, r.reason)
                                for r in conn.execute(select(SOURCING_DECISIONS))),
            "history": sorted((r.order_id, r.action, str(r.before), str(r.after))
                              for r in conn.execute(select(ORDER_HISTORY))),
            "events": sorted((r.type, r.aggregate.split(":")[0]) for r in conn.execute(
                select(OUTBOX.c.type, OUTBOX.c.aggregate))),
        }


def _outcome(uow: UnitOfWork, run: Callable[[], object]) -> dict[str, Any]:
    """What ``run`` leaves behind; then it is undone (a savepoint rolled back)."""
    with fixed_clock(), uow.transaction() as conn:
        savepoint = conn.begin_nested()
        run()
        found = _state(uow)
        savepoint.rollback()
    return found


def test_chunks_decide_like_one_order_at_a_time_when_orders_compete_for_stock(
        uow: UnitOfWork, shop: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    one = _outcome(uow, lambda: [allocate_order(uow, i) for i in shop])

    def no_fallback(*args: Any, **kw: Any) -> None:
        raise AssertionError("the chunk should not need redoing one order at a time")

    monkeypatch.setattr(alloc_batch, "allocate_one", no_fallback)
    for chunk in (3, 100):
        assert _outcome(uow, lambda: allocate_ready(uow, order_ids=shop, chunk=chunk)) == one
    shipping = [fo[0] for fo in one["fulfillment"]]
    assert sum(r[2] for r in one["lines"]) > 0  # stock ran short: backorders
    assert len(set(shipping)) < len(shipping)  # an order split over both warehouses
    assert {r[2] for r in one["reservations"]} > {0}  # lots reserved too


def test_bad_orders_are_listed_and_the_rest_allocated_when_a_batch_is_mixed(
        uow: UnitOfWork, shop: list[int]) -> None:
    with fixed_clock():
        held, cancelled, unreadable = shop[1], shop[2], shop[5]
        order_services.place_hold(uow, held, "fraud_review", "check", actor="test")
        order_services.cancel_order(uow, cancelled, reason="test", actor="test")
        with uow.transaction() as conn:
            conn.execute(update(ORDERS).where(ORDERS.c.id == unreadable)
                         .values(ship_country="ZZ"))
        run = allocate_ready(uow, order_ids=[*shop, 99_999], chunk=4)
    assert [(f["order_id"], f["code"]) for f in run.failed] == [
        (held, "order_on_hold"), (cancelled, "order_on_hold"),
        (unreadable, "validation_failed"), (99_999, "not_found")]
    assert "fraud_review" in run.failed[0]["error"]
    assert run.orders == len(shop) - 3 and run.reserved_units > 0
    with uow.read() as conn:
        touched = set(conn.execute(select(SOURCING_DECISIONS.c.order_id)).scalars())
        reserved = conn.execute(select(ORDER_LINES.c.order_id).where(
            ORDER_LINES.c.qty_reserved > 0)).scalars().all()
    assert touched == set(shop) - {held, cancelled, unreadable}
    assert not {held, cancelled, unreadable} & set(reserved)
    assert run_audit(uow).ok


def test_chunk_is_redone_one_order_at_a_time_when_its_stock_was_taken_meanwhile(
        uow: UnitOfWork, shop: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process reserves every MUG between the chunk's read and its writes: the guard
    refuses, the chunk's savepoint is undone and each order is planned again afresh."""
    load = service.Planner.load
    singles: list[int] = []
    one = alloc_batch.allocate_one

    def load_then_rival_takes(self: service.Planner, demands: Any) -> None:
        load(self, demands)
        if len(list(demands)) > 1:
            for warehouse in self.stock:
                mugs = self.stock[warehouse].get(_sku(uow, "MUG"), 0)
                if mugs:
                    reservations.reserve(self.conn, warehouse_id=warehouse,
                                         sku_id=_sku(uow, "MUG"), qty=mugs, reference="rival")

    def counted(uow_: UnitOfWork, order_id: int, **kw: Any) -> Any:
        singles.append(order_id)
        return one(uow_, order_id, **kw)

    monkeypatch.setattr(service.Planner, "load", load_then_rival_takes)
    one_by_one = _outcome(uow, lambda: [allocate_order(uow, i) for i in shop])
    monkeypatch.setattr(alloc_batch, "allocate_one", counted)
    with fixed_clock():
        run = allocate_ready(uow, order_ids=shop)
    assert singles == shop and not run.failed  # redone one at a time, every order placed
    assert _state(uow) == one_by_one
    with uow.read() as conn:
        over = conn.execute(select(POSITIONS).where(
            POSITIONS.c.reserved > POSITIONS.c.on_hand)).all()
    assert not over and run_audit(uow).ok


def _sku(uow: UnitOfWork, sku: str) -> int:
    from backroom.catalog.tables import PRODUCTS

    with uow.read() as conn:
        return int(conn.execute(select(PRODUCTS.c.id).where(PRODUCTS.c.sku == sku)).scalar_one())
