"""Audit checks of the fulfillment area (run by ``backroom audit``)."""

from __future__ import annotations

from sqlalchemy import Connection, exists, func, select

from backroom.fulfillment.tables import FULFILLMENT_LINES, FULFILLMENT_ORDERS, PICK_TASKS
from backroom.inventory.audit import Check
from backroom.inventory.audit import compare_counts as _compare
from backroom.inventory.tables import LEVELS
from backroom.orders.tables import ORDER_LINES


def check_bin_reservations(conn: Connection) -> Check:
    """Units held on bins are exactly what open pick tasks still have to take."""
    t, lv = PICK_TASKS.c, LEVELS.c
    held = {(x.location_id, x.sku_id, x.lot_id): int(x.q) for x in conn.execute(
        select(t.location_id, t.sku_id, t.lot_id,
               func.sum(t.qty - t.qty_picked - t.qty_short).label("q"))
        .where(t.state == "open").group_by(t.location_id, t.sku_id, t.lot_id))}
    levels = {(x.location_id, x.sku_id, x.lot_id): x.reserved for x in conn.execute(
        select(lv.location_id, lv.sku_id, lv.lot_id, lv.reserved).where(lv.reserved != 0))}
    return _compare("bin reservations equal the open pick tasks", "(location, sku, lot)",
                    {k: v for k, v in held.items() if v}, levels)


def check_reserved_lines_have_fulfillment(conn: Connection) -> Check:
    """Every reserved unit of an order line in fulfillment belongs to one fulfillment order
    that has not shipped it yet."""
    fl, fo, ol = FULFILLMENT_LINES.c, FULFILLMENT_ORDERS.c, ORDER_LINES.c
    unshipped = {x.order_line_id: int(x.q) for x in conn.execute(
        select(fl.order_line_id, func.sum(fl.qty - fl.qty_shipped).label("q"))
        .join(FULFILLMENT_ORDERS, fo.id == fl.fulfillment_order_id)
        .where(fo.state != "cancelled").group_by(fl.order_line_id))}
    in_flow = exists().where(fl.order_line_id == ol.id)
    reserved = {x.id: x.qty_reserved for x in conn.execute(
        select(ol.id, ol.qty_reserved).where(in_flow))}
    return _compare("reserved order units are in an open fulfillment order", "order line",
                    {k: v for k, v in unshipped.items() if v},
                    {k: v for k, v in reserved.items() if v})


CHECKS = [check_bin_reservations, check_reserved_lines_have_fulfillment]
