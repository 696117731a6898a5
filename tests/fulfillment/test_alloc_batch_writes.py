"""The set-based writes of allocation (guarded reservations, fulfillment orders), backorders
filled a chunk at a time, and allocation from the CLI and over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fulfillment_orders
from backroom.fulfillment.allocation import allocate_order, fill_backorders
from backroom.fulfillment.tables import FULFILLMENT_LINES, FULFILLMENT_ORDERS
from backroom.inventory import reservations
from backroom.inventory import services as inventory
from backroom.inventory.errors import InsufficientStock
from backroom.inventory.tables import POSITIONS, RESERVATIONS
from backroom.orders.tables import ORDER_LINES
from tests.api.helpers import assert_problem, client_for, headers
from tests.fulfillment.fo_setup import fixed_clock
from tests.fulfillment.sourcing.store import build_shop, stock
from tests.orders.lifecyclekit import api_order

runner = CliRunner()
Request = reservations.ReserveRequest


def _positions(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    with uow.read() as conn:
        return sorted(tuple(r) for r in conn.execute(select(
            POSITIONS.c.warehouse_id, POSITIONS.c.sku_id, POSITIONS.c.lot_id,
            POSITIONS.c.reserved)))


def test_reserve_many_keeps_nothing_and_names_the_shortfall_when_one_guard_fails(
        uow: UnitOfWork) -> None:
    ids = build_shop(uow)
    stock(uow, "EWR", MUG=5, TEAPOT=1)
    inventory.receive(uow, "EWR", [inventory.ReceiptLine("TEA-LOT", 4, Decimal(1), lot="L1")])
    ewr, mug, teapot, lotted = ids["EWR"], ids["MUG"], ids["TEAPOT"], ids["TEA-LOT"]
    before = _positions(uow)
    with uow.transaction() as conn, pytest.raises(InsufficientStock) as refused:
        reservations.reserve_many(conn, [Request(ewr, mug, 3, "a"), Request(ewr, teapot, 1, "b"),
                                         Request(ewr, mug, 3, "c")])  # 6 MUG of 5
    assert [(s.sku, s.requested, s.available) for s in refused.value.shortfalls] == [
        (str(mug), 6, 5)]
    assert _positions(uow) == before
    with uow.transaction() as conn:
        made = reservations.reserve_many(conn, [
            Request(ewr, mug, 2, "a"), Request(ewr, lotted, 3, "b", "lot"),
            Request(ewr, mug, 3, "c")])
    assert [[(r.sku_id, r.qty, r.reference) for r in rs] for rs in made] == [
        [(mug, 2, "a")], [(lotted, 3, "b")], [(mug, 3, "c")]]
    with uow.read() as conn:
        assert conn.execute(select(func.sum(RESERVATIONS.c.qty))).scalar_one() == 8
        assert conn.execute(select(func.count()).select_from(OUTBOX).where(
            OUTBOX.c.type == "stock.reserved")).scalar_one() == 3
        assert conn.execute(select(POSITIONS.c.reserved).where(
            POSITIONS.c.sku_id == mug, POSITIONS.c.lot_id == 0)).scalar_one() == 5


def test_create_many_joins_the_waiting_fulfillment_order_when_one_exists(
        uow: UnitOfWork) -> None:
    ids = build_shop(uow)
    order = api_order(uow, "F-1", [1, 1], skus=("MUG", "TEAPOT"))
    with uow.read() as conn:
        lines = conn.execute(select(ORDER_LINES.c.id, ORDER_LINES.c.product_id).where(
            ORDER_LINES.c.order_id == order.order_id).order_by(ORDER_LINES.c.position)).all()
    (mug_line, mug), (pot_line, pot) = lines
    New = fulfillment_orders.NewUnits
    with uow.transaction() as conn:
        first = fulfillment_orders.create(conn, order.order_id, ids["EWR"], [(mug_line, mug, 1)])
        made = fulfillment_orders.create_many(conn, [
            New(order.order_id, ids["EWR"], [(mug_line, mug, 2), (pot_line, pot, 1)]),
            New(order.order_id, ids["RNO"], [(pot_line, pot, 1)]),
            New(order.order_id, ids["RNO"], [(pot_line, pot, 2)])])
        rows = conn.execute(select(FULFILLMENT_LINES.c.fulfillment_order_id,
                                   FULFILLMENT_LINES.c.order_line_id, FULFILLMENT_LINES.c.qty)
                            .order_by(FULFILLMENT_LINES.c.id)).all()
        count = conn.execute(select(func.count()).select_from(FULFILLMENT_ORDERS)).scalar_one()
    assert made[0] == first and made[1] == made[2] != first and count == 2
    assert [tuple(r) for r in rows] == [(first, mug_line, 3), (first, pot_line, 1),
                                        (made[1], pot_line, 3)]


@pytest.fixture
def no_autofill() -> Iterator[None]:
    """Receipts do not fill backorders by themselves (the CLI app installs that hook)."""
    from backroom.core.events import _hooks, add_record_hook, remove_record_hook
    from backroom.fulfillment import backorders

    installed = backorders.on_record in _hooks
    remove_record_hook(backorders.on_record)
    yield
    if installed:
        add_record_hook(backorders.on_record)


def test_backorders_fill_oldest_first_when_stock_arrives_for_several_orders(
        uow: UnitOfWork, no_autofill: None) -> None:
    with fixed_clock():
        build_shop(uow)
        stock(uow, "EWR", MUG=1)
        orders = [api_order(uow, f"W-{n}", [2], skus=("MUG",)).order_id for n in range(3)]
        for order_id in orders:
            allocate_order(uow, order_id)
        stock(uow, "RNO", MUG=3)
        with uow.read() as conn:
            mug = int(conn.execute(select(ORDER_LINES.c.product_id).limit(1)).scalar_one())
        filled = fill_backorders(uow, [mug])
    assert [(f["order_id"], f["reserved_units"]) for f in filled] == [
        (orders[0], 1), (orders[1], 2)]
    with uow.read() as conn:
        left = conn.execute(select(ORDER_LINES.c.qty_reserved, ORDER_LINES.c.qty_backordered)
                            .order_by(ORDER_LINES.c.order_id)).all()
    assert [tuple(r) for r in left] == [(2, 0), (2, 0), (0, 2)]


def test_allocate_over_cli_and_http_lists_failures_when_some_cannot_go(
        uow: UnitOfWork, cli_database: str) -> None:
    build_shop(uow)
    stock(uow, "EWR", MUG=10)
    first = api_order(uow, "C-1", [2], skus=("MUG",)).order_id
    done = runner.invoke(app, ["fulfill", "allocate", "--order", str(first), "--order", "999",
                               "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.output)
    assert (out["orders"], out["reserved_units"]) == (1, 2)
    assert [(f["order_id"], f["code"]) for f in out["failed"]] == [(999, "not_found")]
    second = api_order(uow, "C-2", [3], skus=("MUG",)).order_id
    with client_for(uow.engine) as client:
        assert_problem(client.post("/api/v1/fulfillment/allocate", json={},
                                   headers=headers(uow.engine, "read-only")), 403)
        made = client.post("/api/v1/fulfillment/allocate", json={"order_ids": [second]},
                           headers=headers(uow.engine, "warehouse"))
    assert made.status_code == 200, made.text
    assert (made.json()["orders"], made.json()["reserved_units"]) == (1, 3)
