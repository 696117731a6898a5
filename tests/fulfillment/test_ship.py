"""Shipping a packed fulfillment order on SQLite and PostgreSQL: stock leaves the pack station
for the customer consuming the order line's reservations, the order learns it, a label is
bought for every carton, and ``order.shipped`` carries the FIFO cost of what left."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from backroom.accounting.audit import run_all
from backroom.core.errors import Conflict
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import packing_service
from backroom.fulfillment.shipping_service import ship_fulfillment_order
from backroom.fulfillment.tables import CARTONS, FULFILLMENT_LINES, FULFILLMENT_ORDERS
from backroom.inventory import services as inventory
from backroom.inventory.errors import InsufficientStock
from backroom.inventory.tables import MOVES
from backroom.orders.tables import CHANNELS, ORDER_LINES
from backroom.shipping import adapters
from backroom.shipping.services import PromiseUnreachable
from backroom.shipping.tables import PACKAGES, SHIPMENTS
from tests.fulfillment.fo_setup import (
    BIN,
    PACK,
    PLAIN_GTIN,
    Picked,
    events,
    level,
    open_reservations,
    picked_fo,
    position_reserved,
    snapshot,
)
from tests.shipping.test_shipments_support import FlakyAdapter, installed

pytestmark = pytest.mark.usefixtures("store")


def pack(uow: UnitOfWork, fo: Picked, cartons: list[dict[str, int]], box: str = "BOX-L",
         seal: bool = True) -> None:
    """Open one carton per dict and scan its SKUs (by code) into it."""
    for contents in cartons:
        number = packing_service.open_carton(uow, fo.fo_id, box)["carton"]["carton_no"]
        for sku, qty in contents.items():
            packing_service.pack_scan(uow, fo.fo_id, number, PLAIN_GTIN if sku == "PLAIN"
                                      else sku, qty)
        if seal:
            packing_service.seal_carton(uow, fo.fo_id, number)


def audit_ok(uow: UnitOfWork) -> None:
    report = run_all(uow)
    assert report.ok, [c.discrepancies for c in report.checks if not c.ok]


def test_ship_moves_stock_consumes_reservations_and_emits_cogs_when_order_is_packed(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 15}, discount="1.50")
    assert position_reserved(uow, "PLAIN") == 15
    pack(uow, fo, [{"PLAIN": 8}, {"PLAIN": 7}])
    result = ship_fulfillment_order(uow, fo.fo_id)

    assert (level(uow, PACK, "PLAIN"), level(uow, "CUSTOMER", "PLAIN"),
            level(uow, BIN, "PLAIN")) == (0, 15, 5)
    assert open_reservations(uow, fo.line_ids["PLAIN"]) == 0
    assert position_reserved(uow, "PLAIN") == 0
    with uow.read() as conn:
        line = conn.execute(select(ORDER_LINES).where(
            ORDER_LINES.c.id == fo.line_ids["PLAIN"])).one()
        fo_row = conn.execute(select(FULFILLMENT_ORDERS)).one()
        fo_line = conn.execute(select(FULFILLMENT_LINES)).one()
        carton_states = set(conn.execute(select(CARTONS.c.state)).scalars())
        moves = conn.execute(select(MOVES.c.id).where(MOVES.c.reason == "shipment")
                             ).scalars().all()
        channel_id = conn.execute(select(CHANNELS.c.id).where(CHANNELS.c.code == "API")
                                  ).scalar_one()
    assert (line.qty_shipped, line.qty_reserved) == (15, 0)
    assert (fo_row.state, fo_row.shipment_id) == ("shipped", result["shipment_id"])
    assert (fo_line.qty_shipped, carton_states) == (15, {"shipped"})
    payload = events(uow, "order.shipped")
    assert payload == [{
        "order_id": fo.order_id, "order_number": fo.order_number, "channel": "API",
        "channel_id": channel_id, "fulfillment_order_id": fo.fo_id,
        "shipment_id": result["shipment_id"], "warehouse_id": fo_row.warehouse_id,
        "currency": "USD", "base_currency": "USD", "shipped_at": "2026-11-23",
        "move_ids": list(moves),
        "lines": [{"order_line_id": fo.line_ids["PLAIN"], "sku_id": fo_line.sku_id,
                   "sku": "PLAIN", "qty": 15, "cost_minor": 8000, "revenue_minor": 14850}],
        "cogs_minor": 8000}]
    assert {k: v for k, v in result.items() if k not in ("shipment",
            "remainder_fulfillment_order_id")} == payload[0]
    audit_ok(uow)


def test_ship_buys_one_label_with_a_package_per_carton_when_cartons_are_sealed(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 15})
    pack(uow, fo, [{"PLAIN": 8}, {"PLAIN": 7}])
    shipment = ship_fulfillment_order(uow, fo.fo_id)["shipment"]
    assert shipment["state"] == "purchased" and shipment["tracking_number"]
    assert shipment["reference"] == f"{fo.order_number} FO-{fo.fo_id}"
    assert shipment["contents"] == [{"sku": "PLAIN", "name": "Plain", "qty": 15}]
    with uow.read() as conn:
        packages = conn.execute(select(PACKAGES.c.length_mm, PACKAGES.c.width_mm,
                                       PACKAGES.c.height_mm, PACKAGES.c.weight_g,
                                       PACKAGES.c.tracking_number)
                                .order_by(PACKAGES.c.package_no)).all()
    assert [p[:4] for p in packages] == [(406, 306, 226, 8 * 500 + 350),
                                         (406, 306, 226, 7 * 500 + 350)]
    assert all(p.tracking_number for p in packages)
    assert events(uow, "shipment.label_purchased")[0]["shipment_id"] == shipment["id"]


def test_ship_uses_the_named_service_and_rate_shops_otherwise_when_shipping(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 2})
    pack(uow, fo, [{"PLAIN": 2}])
    named = ship_fulfillment_order(uow, fo.fo_id, carrier="PWY", service="GROUND")
    assert (named["shipment"]["carrier"], named["shipment"]["service"]) == ("PWY", "GROUND")
    other = picked_fo(uow, {"PLAIN": 2}, external_id="WEB-2", promised=date(2026, 11, 25))
    pack(uow, other, [{"PLAIN": 2}])
    shopped = ship_fulfillment_order(uow, other.fo_id)["shipment"]
    assert shopped["estimated_delivery"] <= date(2026, 11, 25)


def test_ship_refused_and_nothing_changes_when_order_is_not_packed(uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 4})
    before = snapshot(uow)
    with pytest.raises(Conflict, match="is not packed yet"):
        ship_fulfillment_order(uow, fo.fo_id)
    pack(uow, fo, [{"PLAIN": 2}], seal=False)
    with pytest.raises(Conflict, match="carton 1 is open"):
        ship_fulfillment_order(uow, fo.fo_id, cartons=[1])
    assert snapshot(uow)["shipments"] == before["shipments"] == []
    assert snapshot(uow)["stock_moves"] == before["stock_moves"]


def test_ship_refused_and_nothing_changes_when_held_or_already_shipped(uow: UnitOfWork) -> None:
    from sqlalchemy import update

    fo = picked_fo(uow, {"PLAIN": 2})
    pack(uow, fo, [{"PLAIN": 2}])
    with uow.transaction() as conn:
        conn.execute(update(FULFILLMENT_ORDERS).values(hold_reason="fraud check",
                                                       held_at=FULFILLMENT_ORDERS.c.updated_at))
    before = snapshot(uow)
    with pytest.raises(Conflict, match="on hold"):
        ship_fulfillment_order(uow, fo.fo_id)
    assert snapshot(uow) == before
    with uow.transaction() as conn:
        conn.execute(update(FULFILLMENT_ORDERS).values(hold_reason=None, held_at=None))
    ship_fulfillment_order(uow, fo.fo_id)
    with pytest.raises(Conflict, match="already shipped"):
        ship_fulfillment_order(uow, fo.fo_id)


def test_ship_fails_cleanly_and_writes_nothing_when_promise_is_unreachable(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 2}, promised=date(2026, 11, 23))
    pack(uow, fo, [{"PLAIN": 2}])
    before = snapshot(uow)
    with pytest.raises(PromiseUnreachable) as err:
        ship_fulfillment_order(uow, fo.fo_id)
    assert f"fulfillment order {fo.fo_id}" in err.value.message
    assert "fastest" in err.value.data
    assert snapshot(uow) == before


def test_label_is_voided_and_stock_untouched_when_the_stock_transaction_fails(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 3})
    pack(uow, fo, [{"PLAIN": 3}])
    inventory.move(uow, "PLAIN", 2, PACK, BIN)  # someone took units off the pack station
    before = snapshot(uow)
    flaky = FlakyAdapter(adapters.get_adapter("ratecard"))
    with installed("ratecard", flaky), pytest.raises(InsufficientStock):
        ship_fulfillment_order(uow, fo.fo_id)
    assert len(flaky.voided) == 1
    with uow.read() as conn:
        assert conn.execute(select(SHIPMENTS.c.state)).scalars().all() == ["voided"]
    after = snapshot(uow)
    for table in ("fulfillment_orders", "fulfillment_lines", "cartons", "carton_items",
                  "stock_moves", "stock_levels", "stock_positions", "reservations",
                  "order_lines"):
        assert after[table] == before[table], table
    assert events(uow, "order.shipped") == []
    assert events(uow, "shipment.voided")[0]["tracking_number"]


def test_ship_moves_each_lot_and_consumes_its_reservation_when_order_has_two_lots(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"LOTTED": 4}, lots={"LOTTED": [("L1", 2), ("L2", 2)]})
    packing_service.open_carton(uow, fo.fo_id, "BOX-M")
    packing_service.pack_scan(uow, fo.fo_id, 1, "LOTTED", 2, lot="L1")
    packing_service.pack_scan(uow, fo.fo_id, 1, "LOTTED", 2, lot="L2")
    packing_service.seal_carton(uow, fo.fo_id, 1)
    result = ship_fulfillment_order(uow, fo.fo_id)
    assert len(result["move_ids"]) == 2
    assert result["cogs_minor"] == 4 * 200  # layers are FIFO per SKU and warehouse
    assert open_reservations(uow, fo.line_ids["LOTTED"]) == 0
    assert position_reserved(uow, "LOTTED") == 0
    audit_ok(uow)


def test_ship_releases_the_reserved_lot_when_another_lot_was_packed(uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"LOTTED": 2}, lots={"LOTTED": [("L1", 2)]})
    inventory.move(uow, "LOTTED", 2, PACK, BIN, lot="L1")  # the picker took L2 instead
    inventory.move(uow, "LOTTED", 2, BIN, PACK, lot="L2")
    packing_service.open_carton(uow, fo.fo_id, "BOX-M")
    packing_service.pack_scan(uow, fo.fo_id, 1, "LOTTED", 2)  # the only lot at PACK: L2
    packing_service.seal_carton(uow, fo.fo_id, 1)
    ship_fulfillment_order(uow, fo.fo_id)
    assert open_reservations(uow, fo.line_ids["LOTTED"]) == 0
    assert position_reserved(uow, "LOTTED") == 0
    assert level(uow, "CUSTOMER", "LOTTED") == 2
    audit_ok(uow)
