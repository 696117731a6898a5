"""Reads packing and shipping need about one fulfillment order: its header (with the order's
number, channel, currency and ship-to), its lines with the products' sizes, its cartons and
what is in them; and the state checks every packing step makes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from backroom.catalog.tables import PRODUCTS
from backroom.core.errors import Conflict, NotFound
from backroom.fulfillment.tables import (
    BOXES,
    CARTON_ITEMS,
    CARTONS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
    WAVES,
)
from backroom.inventory.tables import LOTS, WAREHOUSES
from backroom.orders.tables import CHANNELS, ORDERS
from backroom.shipping.model import Address

FO, FL, C, CI = FULFILLMENT_ORDERS.c, FULFILLMENT_LINES.c, CARTONS.c, CARTON_ITEMS.c
P, OC = PRODUCTS.c, ORDERS.c


@dataclass(frozen=True, slots=True)
class Header:
    id: int
    order_id: int
    warehouse_id: int
    warehouse: str
    state: str
    hold_reason: str | None
    promised_date: date | None  # the fulfillment order's, else the order's
    carrier: str
    service: str
    shipment_id: int | None
    order_number: str
    channel: str
    channel_id: int
    currency: str
    ship_to: Address


def lock(conn: Connection, fo_id: int) -> Any:
    """The fulfillment order's row, locked for the transaction (PostgreSQL)."""
    stmt = select(FULFILLMENT_ORDERS).where(FO.id == fo_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise NotFound(f"no fulfillment order {fo_id}", data={"fulfillment_order_id": fo_id})
    return row


def require(row: Any, states: Sequence[str], action: str) -> None:
    """``Conflict`` unless the order is in one of ``states`` and not on hold."""
    if row.state not in states:
        raise Conflict(f"fulfillment order {row.id} is {row.state}: only "
                       f"{' or '.join(states)} orders can be {action}",
                       data={"fulfillment_order_id": row.id, "state": row.state})
    if row.hold_reason is not None:
        raise Conflict(f"fulfillment order {row.id} is on hold ({row.hold_reason}): release "
                       f"the hold before it can be {action}",
                       data={"fulfillment_order_id": row.id, "hold": row.hold_reason})


_HEADERS = (
    select(FO.id, FO.order_id, FO.warehouse_id, WAREHOUSES.c.code.label("warehouse"), FO.state,
           FO.hold_reason, FO.promised_date, FO.carrier, FO.service, FO.shipment_id, OC.number,
           OC.currency, OC.promised_date.label("order_promise"), OC.channel_id,
           CHANNELS.c.code.label("channel"), OC.email, OC.ship_name, OC.ship_company,
           OC.ship_line1, OC.ship_line2, OC.ship_city, OC.ship_region, OC.ship_postal_code,
           OC.ship_country, OC.ship_phone)
    .join(ORDERS, OC.id == FO.order_id).join(CHANNELS, CHANNELS.c.id == OC.channel_id)
    .join(WAREHOUSES, WAREHOUSES.c.id == FO.warehouse_id)
    .where(FO.id.in_(bindparam("ids", expanding=True))))
ID_CHUNK = 500  # ids per IN (...) query


def id_chunks(ids: Sequence[int]) -> Iterator[dict[str, list[int]]]:
    """``{"ids": [...]}`` parameters for an expanding ``ids`` bind, distinct and sorted."""
    unique = sorted(set(ids))
    for start in range(0, len(unique), ID_CHUNK):
        yield {"ids": unique[start:start + ID_CHUNK]}


def header(conn: Connection, fo_id: int) -> Header:
    found = headers(conn, [fo_id])[fo_id]
    if isinstance(found, NotFound):
        raise found
    return found


def headers(conn: Connection, fo_ids: Sequence[int]) -> dict[int, Header | NotFound]:
    """Each order's ``Header``, or ``NotFound`` for an id that does not exist."""
    found: dict[int, Header | NotFound] = {}
    for params in id_chunks(fo_ids):
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


def lines(conn: Connection, fo_id: int) -> list[Any]:
    """The lines with their product: ``sku``, ``name``, dimensions, ``weight_g``, ``tracking``."""
    return list(conn.execute(
        select(FULFILLMENT_LINES, P.sku, P.name, P.length_mm, P.width_mm, P.height_mm,
               P.weight_g, P.tracking)
        .join(PRODUCTS, P.id == FL.sku_id).where(FL.fulfillment_order_id == fo_id)
        .order_by(FL.id)))


def cartons(conn: Connection, fo_id: int) -> list[Any]:
    """The cartons with their box (``box``, inner dimensions, ``tare_g``, ``max_weight_g``)."""
    b = BOXES.c
    return list(conn.execute(
        select(CARTONS, b.code.label("box"), b.name.label("box_name"), b.inner_length_mm,
               b.inner_width_mm, b.inner_height_mm, b.max_weight_g, b.tare_g)
        .join(BOXES, b.id == C.box_id).where(C.fulfillment_order_id == fo_id)
        .order_by(C.carton_no)))


def carton(conn: Connection, fo_id: int, carton_no: int) -> Any:
    found = [c for c in cartons(conn, fo_id) if c.carton_no == carton_no]
    if not found:
        raise NotFound(f"fulfillment order {fo_id} has no carton {carton_no}",
                       data={"fulfillment_order_id": fo_id, "carton_no": carton_no})
    return found[0]


def contents(conn: Connection, carton_ids: Sequence[int]) -> list[Any]:
    """What the cartons hold: one row per (carton, line, lot) with ``sku``, ``lot``,
    ``order_line_id`` and the unit ``weight_g``."""
    if not carton_ids:
        return []
    return list(conn.execute(
        select(CARTON_ITEMS, P.sku, P.name, P.weight_g, FL.order_line_id,
               func.coalesce(LOTS.c.code, "").label("lot"))
        .join(PRODUCTS, P.id == CI.sku_id).join(FULFILLMENT_LINES, FL.id == CI.fulfillment_line_id)
        .outerjoin(LOTS, LOTS.c.id == CI.lot_id)
        .where(CI.carton_id.in_(list(carton_ids))).order_by(CI.carton_id, CI.id)))


def next_carton_no(conn: Connection, fo_id: int) -> int:
    top = conn.execute(select(func.max(C.carton_no)).where(C.fulfillment_order_id == fo_id)
                       ).scalar()
    return int(top or 0) + 1


def carton_view(row: Any, items: Sequence[Any]) -> dict[str, Any]:
    held = [i for i in items if i.carton_id == row.id]
    return {"carton_no": row.carton_no, "box": row.box, "state": row.state,
            "proposed": row.proposed, "weight_g": row.weight_g,
            "contents_g": sum(i.qty * (i.weight_g or 0) for i in held),
            "max_weight_g": row.max_weight_g,
            "inner_mm": [row.inner_length_mm, row.inner_width_mm, row.inner_height_mm],
            "items": [{"sku": i.sku, "lot": i.lot or None, "qty": i.qty,
                       "order_line_id": i.order_line_id} for i in held],
            "sealed_at": row.sealed_at.isoformat() if row.sealed_at else None}


def packing_view(conn: Connection, fo_id: int) -> dict[str, Any]:
    """Where packing stands: state, each line's counts, each carton and its contents."""
    fo = get_row(conn, fo_id)
    boxes = cartons(conn, fo_id)
    items = contents(conn, [c.id for c in boxes])
    rows = lines(conn, fo_id)
    return {"fulfillment_order_id": fo_id, "order_id": fo.order_id, "state": fo.state,
            "shipment_id": fo.shipment_id,
            "lines": [line_view(r) for r in rows],
            "to_pack": sum(r.qty_picked - r.qty_packed for r in rows),
            "cartons": [carton_view(c, items) for c in boxes]}


def line_view(r: Any) -> dict[str, Any]:
    """A line of ``lines`` with its picked, packed, shipped and still-to-pack units."""
    return {"line_id": r.id, "order_line_id": r.order_line_id, "sku": r.sku, "qty": r.qty,
            "picked": r.qty_picked, "packed": r.qty_packed, "shipped": r.qty_shipped,
            "to_pack": r.qty_picked - r.qty_packed}


def ids_in_state(conn: Connection, state: str, *, warehouse: str | None = None,
                 wave: int | None = None) -> list[int]:
    """The fulfillment orders in ``state`` not on hold, oldest first; only ``warehouse``'s
    (code) or ``wave``'s when given (``NotFound`` for an unknown one)."""
    stmt = select(FO.id).where(FO.state == state, FO.hold_reason.is_(None)).order_by(FO.id)
    if warehouse is not None:
        found = conn.execute(select(WAREHOUSES.c.id).where(
            WAREHOUSES.c.code == warehouse.strip().upper())).scalar()
        if found is None:
            raise NotFound(f"no warehouse {warehouse!r}", data={"warehouse": warehouse})
        stmt = stmt.where(FO.warehouse_id == found)
    if wave is not None:
        if conn.execute(select(WAVES.c.id).where(WAVES.c.id == wave)).first() is None:
            raise NotFound(f"no wave {wave}", data={"wave_id": wave})
        stmt = stmt.where(FO.wave_id == wave)
    return [int(i) for i in conn.execute(stmt).scalars()]


def get_row(conn: Connection, fo_id: int) -> Any:
    row = conn.execute(select(FULFILLMENT_ORDERS).where(FO.id == fo_id)).first()
    if row is None:
        raise NotFound(f"no fulfillment order {fo_id}", data={"fulfillment_order_id": fo_id})
    return row
