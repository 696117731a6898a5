"""What is waiting to be fulfilled: the read side the fulfillment area sources from.

``releasable_order_ids`` lists orders that may go to fulfillment now (open or processing, no
active hold, some unit open and not backordered); ``demand`` gives one order's ship-to,
promise and open units per line, with the reference to reserve them under. Sourcing then
reserves stock and calls ``progress.record_reserved`` (or ``record_backordered``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select

from backroom.catalog.tables import PRODUCTS
from backroom.db.uow import UnitOfWork
from backroom.orders import progress
from backroom.orders.drafts import AddressDraft
from backroom.orders.lifecycle import reservation_reference
from backroom.orders.model import OrderState
from backroom.orders.tables import CHANNELS, ORDER_HOLDS, ORDER_LINES, ORDERS

OC, L, H = ORDERS.c, ORDER_LINES.c, ORDER_HOLDS.c
_READY = (OrderState.OPEN.value, OrderState.PROCESSING.value)
_OPEN = L.qty - L.qty_cancelled - L.qty_reserved - L.qty_shipped - L.qty_backordered


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
    progress.assert_releasable(uow, order_id)
    with uow.read() as conn:
        o = conn.execute(select(ORDERS, CHANNELS.c.code).join(
            CHANNELS, CHANNELS.c.id == OC.channel_id).where(OC.id == order_id)).one()
        rows = conn.execute(
            select(L.id, L.product_id, PRODUCTS.c.sku, _OPEN.label("open"), L.qty_backordered)
            .join(PRODUCTS, PRODUCTS.c.id == L.product_id)
            .where(L.order_id == order_id, L.requires_shipping.is_(True))
            .order_by(L.position)).all()
    ship_to = AddressDraft(o.ship_name, o.ship_company, o.ship_line1, o.ship_line2, o.ship_city,
                           o.ship_region, o.ship_postal_code, o.ship_country, o.ship_phone)
    lines = tuple(DemandLine(r.id, r.product_id, r.sku, r.open, r.qty_backordered,
                             reservation_reference(r.id))
                  for r in rows if r.open > 0 or r.qty_backordered > 0)
    return Demand(o.id, o.number, o.code, o.currency, o.placed_at, o.promised_date, ship_to,
                  lines)
