"""``plan_order`` and ``record_decision`` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from backroom.core.errors import ValidationFailed
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.sourcing.service import available_to_sell, plan_order, record_decision
from backroom.fulfillment.tables import SOURCING_DECISIONS
from backroom.inventory import services as inventory
from backroom.inventory.tables import WAREHOUSES
from backroom.orders.demand import Demand
from tests.fulfillment.sourcing.store import build_shop, order, stock


def _placed(uow: UnitOfWork, want: Demand, strategy: str | None = None
            ) -> dict[str, dict[str, int]]:
    with uow.read() as conn:
        p = plan_order(conn, want, strategy=strategy)
    skus = {ln.line_id: ln.sku for ln in want.lines}
    codes = {s.warehouse_id: s.warehouse for s in p.shipments.values()}
    out: dict[str, dict[str, int]] = {}
    for a in p.assignments:
        out.setdefault(codes[a.warehouse_id], {})[skus[a.line_id]] = a.qty
    return out


def test_available_to_sell_subtracts_reserved_and_safety_when_reading_positions(
        uow: UnitOfWork) -> None:
    ids = build_shop(uow)
    stock(uow, "EWR", MUG=10, TEAPOT=2)
    inventory.reserve(uow, "EWR", "MUG", 3, "test:1")
    inventory.set_safety_stock(uow, "EWR", "MUG", 2)
    inventory.set_safety_stock(uow, "EWR", "TEAPOT", 5)  # more than on hand: none to sell
    inventory.receive(uow, "RNO", [inventory.ReceiptLine("TEA-LOT", 4, Decimal(1), lot="L1"),
                                   inventory.ReceiptLine("TEA-LOT", 3, Decimal(1), lot="L2")])
    with uow.read() as conn:
        free = available_to_sell(conn, [ids["EWR"], ids["RNO"]],
                                 {ids["MUG"], ids["TEAPOT"], ids["TEA-LOT"]})
    assert free == {ids["EWR"]: {ids["MUG"]: 5}, ids["RNO"]: {ids["TEA-LOT"]: 7}}


def test_cost_plans_one_shipment_where_priority_splits_when_the_second_has_everything(
        uow: UnitOfWork) -> None:
    build_shop(uow)
    stock(uow, "EWR", MUG=5)
    stock(uow, "RNO", MUG=5, TEAPOT=5)
    want = order(uow, "S-1", {"MUG": 2, "TEAPOT": 1})
    assert _placed(uow, want, strategy="priority") == {"EWR": {"MUG": 2}, "RNO": {"TEAPOT": 1}}
    assert _placed(uow, want) == {"RNO": {"MUG": 2, "TEAPOT": 1}}
    with uow.read() as conn:
        p = plan_order(conn, want)
    (shipment,) = p.shipments.values()
    assert (shipment.warehouse, shipment.carrier, shipment.units) == ("RNO", "PWY", 3)
    assert p.reason.startswith("All from RNO by PWY ")
    assert p.total_minor == p.shipping_minor == shipment.cost_minor > 0


def test_backorders_and_skips_inactive_warehouses_when_stock_is_short(uow: UnitOfWork) -> None:
    ids = build_shop(uow)
    stock(uow, "EWR", MUG=1)
    stock(uow, "RNO", MUG=5)
    with uow.transaction() as conn:
        conn.execute(update(WAREHOUSES).where(WAREHOUSES.c.id == ids["RNO"]).values(active=False))
    want = order(uow, "S-2", {"MUG": 3})
    with uow.read() as conn:
        p = plan_order(conn, want)
    assert [(a.warehouse_id, a.qty) for a in p.assignments] == [(ids["EWR"], 1)]
    assert [tuple(b) for b in p.backordered] == [(want.lines[0].line_id, 2)]


def test_settings_choose_the_strategy_and_penalty_when_none_is_given(
        uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    build_shop(uow)
    stock(uow, "EWR", MUG=5)
    stock(uow, "RNO", MUG=5, TEAPOT=5)
    want = order(uow, "S-3", {"MUG": 2, "TEAPOT": 1})
    monkeypatch.setenv("BACKROOM_SOURCING_STRATEGY", "priority")
    monkeypatch.setenv("BACKROOM_SOURCING_SPLIT_PENALTY_MINOR", "275")
    get_settings.cache_clear()
    try:
        with uow.read() as conn:
            p = plan_order(conn, want)
    finally:
        get_settings.cache_clear()
    assert p.strategy == "priority" and p.packages == 2
    assert p.split_penalty_minor == 275


def test_unknown_strategy_is_refused_when_asked_for(uow: UnitOfWork) -> None:
    build_shop(uow)
    want = order(uow, "S-4", {"MUG": 1})
    with uow.read() as conn, pytest.raises(ValidationFailed):
        plan_order(conn, want, strategy="fastest")


def test_record_decision_keeps_the_reason_and_detail_when_a_plan_is_recorded(
        uow: UnitOfWork) -> None:
    build_shop(uow)
    stock(uow, "EWR", MUG=5)
    want = order(uow, "S-5", {"MUG": 2, "TEAPOT": 1}, promised_date="2026-12-18")
    with uow.transaction() as conn:
        p = plan_order(conn, want)
        decision = record_decision(conn, want.order_id, p)
    placed = {ln.line_id: 0 for ln in want.lines}
    for a in p.assignments:
        placed[a.line_id] += a.qty
    for line_id, qty in p.backordered:
        placed[line_id] += qty
    assert placed == {ln.line_id: ln.qty for ln in want.lines}
    with uow.read() as conn:
        row = conn.execute(select(SOURCING_DECISIONS).where(
            SOURCING_DECISIONS.c.id == decision)).one()
    assert (row.order_id, row.strategy, row.currency) == (want.order_id, "cost", "USD")
    assert (row.estimated_cost_minor, row.packages, row.backordered_units) == (
        p.shipping_minor, 1, 1)
    assert row.reason == p.reason and "1 unit backordered" in row.reason
    assert row.detail == json.loads(json.dumps(p.detail))
    assert row.detail["promise"] == "2026-12-18"
