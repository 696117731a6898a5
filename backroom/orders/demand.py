"""What is waiting to be fulfilled: the read side the fulfillment area sources from.

``releasable_order_ids`` lists orders that may go to fulfillment now (open or processing, no
active hold, some unit open and not backordered); ``demand`` gives one order's ship-to,
promise and open units per line, with the reference to reserve them under. Sourcing then
reserves stock and calls ``progress.record_reserved`` (or ``record_backordered``).

``blocked`` and ``demands`` are the set-based forms allocation uses for a chunk of orders (a
few ``IN`` queries for hundreds of orders); ``demand`` is their one-order case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, exists, select

from backroom.catalog.tables import PRODUCTS
from backroom.core.errors import BackroomError, NotFound
from backroom.db.uow import UnitOfWork
from backroom.orders.drafts import AddressDraft
from backroom.orders.errors import OrderOnHold
from backroom.orders.lifecycle import reservation_reference
from backroom.orders.model import OrderState
from backroom.orders.tables import CHANNELS, ORDER_HOLDS, ORDER_LINES, ORDERS

OC, L, H = ORDERS.c, ORDER_LINES.c, ORDER_HOLDS.c
_READY = (OrderState.OPEN.value, OrderState.PROCESSING.value)
_OPEN = L.qty - L.qty_cancelled - L.qty_reserved - L.qty_shipped - L.qty_backordered
_IN_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True, slots=True)
class DemandLine:
    line_id: int
    product_id: int
    sku: str
    qty: int  # open units not waiting on a backorder: what sourcing should place now
    backordered: int
    reference: str  # reserve stock for this line under this reference


@dataclass(frozen=True, slots=True)
class Demand:
    order_id: int
    number: str
    channel: str
    currency: str
    placed_at: datetime
    promised_date: date | None
    ship_to: AddressDraft
    lines: tuple[DemandLine, ...]


def releasable_order_ids(uow: UnitOfWork, *, limit: int = 500,
                         after_id: int | None = None) -> list[int]:
    """Orders ready to source, by id (pass the last id back as ``after_id`` for more)."""
    held = exists().where(H.order_id == OC.id, H.released_at.is_(None))
    waiting = exists().where(L.order_id == OC.id, L.product_id.is_not(None),
                             L.requires_shipping.is_(True), _OPEN > 0)
    query = (select(OC.id).where(OC.state.in_(_READY), ~held, waiting)
             .order_by(OC.id).limit(limit))
    if after_id is not None:
        query = query.where(OC.id > after_id)
    with uow.read() as conn:
        return [int(i) for i in conn.execute(query).scalars()]


def demand(uow: UnitOfWork, order_id: int) -> Demand:
    """The order's open demand; ``OrderOnHold`` if it may not go to fulfillment."""
    with uow.transaction() as conn:
        refused = blocked(conn, [order_id])
        if order_id in refused:
            raise refused[order_id]
        return demands(conn, [order_id])[order_id]


def blocked(conn: Connection, order_ids: Sequence[int]) -> dict[int, BackroomError]:
    """The orders of ``order_ids`` that may not go to fulfillment, with why: ``NotFound``, or
    ``OrderOnHold`` for a held, cancelled or completed one. Locks the order rows (PostgreSQL
    ``FOR UPDATE``, in id order) so nothing changes them until the caller commits."""
    ids = sorted(set(order_ids))
    found: dict[int, tuple[str, str]] = {}
    holds: dict[int, list[str]] = {}
    for part in _parts(ids):
        query = select(OC.id, OC.number, OC.state).where(OC.id.in_(part)).order_by(OC.id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found.update({r.id: (r.number, r.state) for r in conn.execute(query)})
        for h in conn.execute(select(H.order_id, H.kind).where(
                H.order_id.in_(part), H.released_at.is_(None)).order_by(H.id)):
            holds.setdefault(h.order_id, []).append(h.kind)
    out: dict[int, BackroomError] = {}
    for order_id in ids:
        if order_id not in found:
            out[order_id] = NotFound(f"no order with id {order_id}", data={"order_id": order_id})
            continue
        number, state = found[order_id]
        kinds = holds.get(order_id, [])
        if kinds or state not in _READY:
            out[order_id] = OrderOnHold(
                f"order {number} cannot be released to fulfillment: "
                f"{', '.join(kinds) or state}", data={"order_id": order_id, "holds": kinds})
    return out


def demands(conn: Connection, order_ids: Sequence[int]) -> dict[int, Demand]:
    """The open demand of each existing order of ``order_ids`` (no checks: see ``blocked``);
    lines in their order position, only those with units open or backordered."""
    ids = sorted(set(order_ids))
    orders: list[Any] = []
    rows: list[Any] = []
    for part in _parts(ids):
        orders += conn.execute(select(ORDERS, CHANNELS.c.code).join(
            CHANNELS, CHANNELS.c.id == OC.channel_id).where(OC.id.in_(part))).all()
        rows += conn.execute(
            select(L.id, L.order_id, L.product_id, PRODUCTS.c.sku, _OPEN.label("open"),
                   L.qty_backordered)
            .join(PRODUCTS, PRODUCTS.c.id == L.product_id)
            .where(L.order_id.in_(part), L.requires_shipping.is_(True))
            .order_by(L.order_id, L.position)).all()
    lines: dict[int, list[DemandLine]] = {}
    for r in rows:
        if r.open > 0 or r.qty_backordered > 0:
            lines.setdefault(r.order_id, []).append(DemandLine(
                r.id, r.product_id, r.sku, r.open, r.qty_backordered,
                reservation_reference(r.id)))
    out = {}
    for o in orders:
        ship_to = AddressDraft(o.ship_name, o.ship_company, o.ship_line1, o.ship_line2,
                               o.ship_city, o.ship_region, o.ship_postal_code, o.ship_country,
                               o.ship_phone)
        out[o.id] = Demand(o.id, o.number, o.code, o.currency, o.placed_at, o.promised_date,
                           ship_to, tuple(lines.get(o.id, ())))
    return out


def _parts(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + _IN_CHUNK] for i in range(0, len(ids), _IN_CHUNK)]
