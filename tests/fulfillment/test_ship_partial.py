"""Partial shipments: some cartons now and the rest later, and lines picked short. What is not
shipped moves to a new fulfillment order; revenue and cost split exactly across shipments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backroom.accounting.audit import run_all
from backroom.core.errors import Conflict
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import packing_service
from backroom.fulfillment.shipping_service import ship_fulfillment_order
from backroom.fulfillment.tables import FULFILLMENT_LINES, FULFILLMENT_ORDERS
from backroom.orders.tables import ORDER_LINES
from tests.fulfillment.fo_setup import (
    PACK,
    Picked,
    events,
    level,
    open_reservations,
    picked_fo,
    position_reserved,
)
from tests.fulfillment.test_ship import pack

pytestmark = pytest.mark.usefixtures("store")


def audit_ok(uow: UnitOfWork) -> None:
    report = run_all(uow)
    assert report.ok, [c.discrepancies for c in report.checks if not c.ok]


def fo_rows(uow: UnitOfWork) -> dict[int, tuple[str, list[tuple[int, ...]]]]:
    """Fulfillment order id -> (state, [(qty, picked, packed, shipped) per line])."""
    fl = FULFILLMENT_LINES.c
    with uow.read() as conn:
        states = dict(conn.execute(select(FULFILLMENT_ORDERS.c.id, FULFILLMENT_ORDERS.c.state)
                                   ).all())
        lines = conn.execute(select(fl.fulfillment_order_id, fl.qty, fl.qty_picked,
                                    fl.qty_packed, fl.qty_shipped).order_by(fl.id)).all()
    return {fo: (state, sorted(tuple(r[1:]) for r in lines if r[0] == fo))
            for fo, state in states.items()}


def order_line(uow: UnitOfWork, line_id: int) -> tuple[int, int]:
    with uow.read() as conn:
        row = conn.execute(select(ORDER_LINES.c.qty_reserved, ORDER_LINES.c.qty_shipped)
                           .where(ORDER_LINES.c.id == line_id)).one()
    return row.qty_reserved, row.qty_shipped


def test_named_cartons_ship_now_and_the_rest_later_when_order_ships_in_two_parts(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 15}, discount="0.01")  # net 14999: splits unevenly
    pack(uow, fo, [{"PLAIN": 8}, {"PLAIN": 7}])
    first = ship_fulfillment_order(uow, fo.fo_id, cartons=[1])
    rest = first["remainder_fulfillment_order_id"]
    assert rest is not None and len(first["shipment"]["packages"]) == 1
    assert fo_rows(uow) == {fo.fo_id: ("shipped", [(8, 8, 8, 8)]),
                            rest: ("packed", [(7, 7, 7, 0)])}
    assert order_line(uow, fo.line_ids["PLAIN"]) == (7, 8)
    assert open_reservations(uow, fo.line_ids["PLAIN"]) == 7
    assert level(uow, PACK, "PLAIN") == 7
    audit_ok(uow)
    status = packing_service.packing_status(uow, rest)
    assert [(c["carton_no"], c["state"]) for c in status["cartons"]] == [(2, "sealed")]

    second = ship_fulfillment_order(uow, rest)
    assert second["remainder_fulfillment_order_id"] is None
    assert order_line(uow, fo.line_ids["PLAIN"]) == (0, 15)
    assert position_reserved(uow, "PLAIN") == 0
    shipped = events(uow, "order.shipped")
    assert [e["fulfillment_order_id"] for e in shipped] == [fo.fo_id, rest]
    assert [e["lines"][0]["revenue_minor"] for e in shipped] == [7999, 7000]  # = 14999
    assert [e["cogs_minor"] for e in shipped] == [4000, 2 * 500 + 5 * 600]  # FIFO, = 8000
    audit_ok(uow)


def test_sealed_cartons_ship_while_packing_goes_on_when_they_are_named(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 10, "OTHER": 2})
    pack(uow, fo, [{"PLAIN": 6}])
    with pytest.raises(Conflict, match="not packed yet"):
        ship_fulfillment_order(uow, fo.fo_id)
    result = ship_fulfillment_order(uow, fo.fo_id, cartons=[1])
    rest = result["remainder_fulfillment_order_id"]
    assert [ln["sku"] for ln in result["lines"]] == ["PLAIN"]
    rows = fo_rows(uow)
    assert rows[fo.fo_id] == ("shipped", [(6, 6, 6, 6)])
    assert rows[rest] == ("picked", [(2, 2, 0, 0), (4, 4, 0, 0)])
    pack(uow, Picked(rest, fo.order_id, fo.order_number, fo.line_ids, {}),
         [{"PLAIN": 4, "OTHER": 2}])
    assert fo_rows(uow)[rest][0] == "packed"
    ship_fulfillment_order(uow, rest)
    assert order_line(uow, fo.line_ids["PLAIN"]) == (0, 10)
    assert order_line(uow, fo.line_ids["OTHER"]) == (0, 2)
    audit_ok(uow)


def test_units_picked_short_go_to_a_waiting_order_when_the_rest_ships(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 15, "OTHER": 2}, picked={"PLAIN": 12, "OTHER": 0})
    pack(uow, fo, [{"PLAIN": 12}])
    assert fo_rows(uow)[fo.fo_id][0] == "packed"
    result = ship_fulfillment_order(uow, fo.fo_id)
    rest = result["remainder_fulfillment_order_id"]
    rows = fo_rows(uow)
    assert rows[fo.fo_id] == ("shipped", [(12, 12, 12, 12)])
    assert rows[rest] == ("waiting", [(2, 0, 0, 0), (3, 0, 0, 0)])
    assert order_line(uow, fo.line_ids["PLAIN"]) == (3, 12)
    assert open_reservations(uow, fo.line_ids["PLAIN"]) == 3
    assert open_reservations(uow, fo.line_ids["OTHER"]) == 2
    assert events(uow, "fulfillment.split")[0]["new_fulfillment_order_id"] == rest
    audit_ok(uow)


def test_remainder_cannot_ship_until_picked_when_it_is_waiting(uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 4}, picked={"PLAIN": 3})
    pack(uow, fo, [{"PLAIN": 3}])
    rest = ship_fulfillment_order(uow, fo.fo_id)["remainder_fulfillment_order_id"]
    with pytest.raises(Conflict, match="waiting"):
        ship_fulfillment_order(uow, rest)
    with pytest.raises(Conflict, match="waiting"):
        packing_service.propose_cartons(uow, rest)
