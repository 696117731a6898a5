"""Set-based reads for shipping many fulfillment orders at once: headers, cartons and the
lines with units left, each for a whole chunk in one query (``fo_queries`` has the one-order
forms packing uses), the row locks, and which orders are ready to ship."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, select

from backroom.core.errors import NotFound
from backroom.fulfillment.fo_queries import Header
from backroom.fulfillment.tables import (
    BOXES,
    CARTONS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
    WAVES,
)
from backroom.inventory.tables import WAREHOUSES
from backroom.orders.tables import CHANNELS, ORDERS
from backroom.shipping.model import Address

FO, FL, C, OC, B, W = (FULFILLMENT_ORDERS.c, FULFILLMENT_LINES.c, CARTONS.c, ORDERS.c, BOXES.c,
                       WAREHOUSES.c)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_HEADERS = (
    select(FO.id, FO.order_id, FO.warehouse_id, W.code.label("warehouse"), FO.state,
           FO.hold_reason, FO.promised_date, FO.carrier, FO.service, FO.shipment_id, OC.number,
           OC.currency, OC.promised_date.label("order_promise"), OC.channel_id,
           CHANNELS.c.code.label("channel"), OC.email, OC.ship_name, OC.ship_company,
           OC.ship_line1, OC.ship_line2, OC.ship_city, OC.ship_region, OC.ship_postal_code,
           OC.ship_country, OC.ship_phone)
    .join(ORDERS, OC.id == FO.order_id).join(CHANNELS, CHANNELS.c.id == OC.channel_id)
    .join(WAREHOUSES, W.id == FO.warehouse_id).where(FO.id.in_(_IDS)))
_CARTONS = (select(C.id, C.fulfillment_order_id, C.carton_no, C.state, C.weight_g,
                   B.code.label("box"), B.inner_length_mm, B.inner_width_mm, B.inner_height_mm)
            .join(BOXES, B.id == C.box_id).where(C.fulfillment_order_id.in_(_IDS))
            .order_by(C.fulfillment_order_id, C.carton_no))
_LEFT = (select(FL.fulfillment_order_id).where(FL.fulfillment_order_id.in_(_IDS),
                                               FL.qty > FL.qty_shipped).distinct())
_LOCK = select(FO.id).where(FO.id.in_(_IDS)).order_by(FO.id).with_for_update()
_CHUNK = 500


def _chunks(ids: Sequence[int]) -> Any:
    unique = sorted(set(ids))
    for start in range(0, len(unique), _CHUNK):
        yield {"ids": unique[start:start + _CHUNK]}


def lock(conn: Connection, fo_ids: Sequence[int]) -> None:
    """Lock the fulfillment orders' rows for the transaction, in id order (PostgreSQL; SQLite
    writers hold the whole database)."""
    if conn.dialect.name == "postgresql":
        for params in _chunks(fo_ids):
            conn.execute(_LOCK, params).all()


def headers(conn: Connection, fo_ids: Sequence[int]) -> dict[int, Header | NotFound]:
    """Each order's ``Header`` (as ``fo_queries.header`` reads it), or ``NotFound``."""
    found: dict[int, Header | NotFound] = {}
    for params in _chunks(fo_ids):
        for row in conn.execute(_HEADERS, params):
            ship_to = Address(name=row.ship_name, line1=row.ship_line1, city=row.ship_city,
                              postal_code=row.ship_postal_code, country=row.ship_country,
                              company=row.ship_company, line2=row.ship_line2,
                              region=row.ship_region, phone=row.ship_phone, email=row.email)
            found[row.id] = Header(row.id, row.order_id, row.warehouse_id, row.warehouse,
                                   row.state, row.hold_reason,
                                   row.promised_date or row.order_promise, row.carrier,
                                   row.service, row.shipment_id, row.number, row.channel,
                                   row.channel_id, row.currency, ship_to)
    for fo_id in fo_ids:
        if fo_id not in found:
            found[fo_id] = NotFound(f"no fulfillment order {fo_id}",
                                    data={"fulfillment_order_id": fo_id})
    return found


def cartons(conn: Connection, fo_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each order's cartons in carton order (id, number, state, weight), with the box's code
    and inner size."""
    out: dict[int, list[Any]] = {fo_id: [] for fo_id in fo_ids}
    for params in _chunks(fo_ids):
        for row in conn.execute(_CARTONS, params):
            out[row.fulfillment_order_id].append(row)
    return out


def with_units_left(conn: Connection, fo_ids: Sequence[int]) -> set[int]:
    """The orders with a line not fully shipped."""
    return {int(i) for params in _chunks(fo_ids) for i in conn.execute(_LEFT, params).scalars()}


def packed_ids(conn: Connection, *, warehouse: str | None = None,
               wave: int | None = None) -> list[int]:
    """The packed fulfillment orders not on hold, oldest first; only ``warehouse``'s (code)
    or ``wave``'s when given (``NotFound`` for an unknown one)."""
    stmt = select(FO.id).where(FO.state == "packed", FO.hold_reason.is_(None)).order_by(FO.id)
    if warehouse is not None:
        found = conn.execute(select(W.id).where(W.code == warehouse.strip().upper())).scalar()
        if found is None:
            raise NotFound(f"no warehouse {warehouse!r}", data={"warehouse": warehouse})
        stmt = stmt.where(FO.warehouse_id == found)
    if wave is not None:
        if conn.execute(select(WAVES.c.id).where(WAVES.c.id == wave)).first() is None:
            raise NotFound(f"no wave {wave}", data={"wave_id": wave})
        stmt = stmt.where(FO.wave_id == wave)
    return [int(i) for i in conn.execute(stmt).scalars()]
