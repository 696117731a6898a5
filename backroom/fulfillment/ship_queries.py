"""Set-based reads for shipping many fulfillment orders at once: cartons and the lines with
units left, each for a whole chunk in one query, and the row locks (the headers come from
``fo_queries.headers``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, select

from backroom.fulfillment.fo_queries import id_chunks
from backroom.fulfillment.tables import (
    BOXES,
    CARTONS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
)
from backroom.inventory.tables import WAREHOUSES
from backroom.orders.tables import ORDERS

FO, FL, C, OC, B, W = (FULFILLMENT_ORDERS.c, FULFILLMENT_LINES.c, CARTONS.c, ORDERS.c, BOXES.c,
                       WAREHOUSES.c)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_CARTONS = (select(C.id, C.fulfillment_order_id, C.carton_no, C.state, C.weight_g,
                   B.code.label("box"), B.inner_length_mm, B.inner_width_mm, B.inner_height_mm)
            .join(BOXES, B.id == C.box_id).where(C.fulfillment_order_id.in_(_IDS))
            .order_by(C.fulfillment_order_id, C.carton_no))
_LEFT = (select(FL.fulfillment_order_id).where(FL.fulfillment_order_id.in_(_IDS),
                                               FL.qty > FL.qty_shipped).distinct())
_LOCK = select(FO.id).where(FO.id.in_(_IDS)).order_by(FO.id).with_for_update()


def lock(conn: Connection, fo_ids: Sequence[int]) -> None:
    """Lock the fulfillment orders' rows for the transaction, in id order (PostgreSQL; SQLite
    writers hold the whole database)."""
    if conn.dialect.name == "postgresql":
        for params in id_chunks(fo_ids):
            conn.execute(_LOCK, params).all()


def cartons(conn: Connection, fo_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each order's cartons in carton order (id, number, state, weight), with the box's code
    and inner size."""
    out: dict[int, list[Any]] = {fo_id: [] for fo_id in fo_ids}
    for params in id_chunks(fo_ids):
        for row in conn.execute(_CARTONS, params):
            out[row.fulfillment_order_id].append(row)
    return out


def with_units_left(conn: Connection, fo_ids: Sequence[int]) -> set[int]:
    """The orders with a line not fully shipped."""
    return {int(i) for params in id_chunks(fo_ids) for i in conn.execute(_LEFT, params).scalars()}
