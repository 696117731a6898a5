"""The stock side of shipping a fulfillment order, all in the caller's transaction.

For the cartons being shipped: the order lines' counters move (``progress.record_shipped``),
the units leave the warehouse's pack station for CUSTOMER consuming the order lines'
reservations (``inventory.services.ship``, one move per order line and lot, valued from the
cost layers), the cartons and lines are marked shipped, and ``order.shipped`` is recorded with
the cost of goods and the revenue of what left. Whatever the fulfillment order does not ship
now moves to a new fulfillment order (see ``split_remainder``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backroom.core import clock
from backroom.core.events import DomainEvent, record
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.tables import CARTON_ITEMS, CARTONS, FULFILLMENT_LINES, FULFILLMENT_ORDERS
from backroom.inventory import reservations, resolve
from backroom.inventory import services as inventory
from backroom.inventory.model import LocationKind
from backroom.inventory.tables import RESERVATIONS
from backroom.orders import progress
from backroom.orders.lifecycle import reservation_reference
from backroom.orders.tables import ORDER_LINES

FO, FL, C, CI = FULFILLMENT_ORDERS.c, FULFILLMENT_LINES.c, CARTONS.c, CARTON_ITEMS.c


@dataclass(frozen=True, slots=True)
class Shipped:
    """What one order line ships now: units by lot, and the fulfillment lines they are on."""

    order_line_id: int
    sku_id: int
    sku: str
    by_lot: dict[str, int]
    by_fo_line: dict[int, int]

    @property
    def qty(self) -> int:
        return sum(self.by_lot.values())


def group(items: Sequence[Any]) -> list[Shipped]:
    """Carton contents grouped by order line (lots and fulfillment lines summed)."""
    lots: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    fo_lines: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    first: dict[int, Any] = {}
    for i in items:
        first.setdefault(i.order_line_id, i)
        lots[i.order_line_id][i.lot] += i.qty
        fo_lines[i.order_line_id][i.fulfillment_line_id] += i.qty
    return [Shipped(line, first[line].sku_id, first[line].sku, dict(lots[line]),
                    dict(fo_lines[line])) for line in sorted(first)]


def commit(uow: UnitOfWork, conn: Connection, head: q.Header, carton_ids: Sequence[int],
           shipment_id: int) -> dict[str, Any]:
    """Ship the contents of ``carton_ids`` under ``shipment_id``; returns the order.shipped
    payload plus ``remainder_fulfillment_order_id``."""
    shipped = group(q.contents(conn, carton_ids))
    pack = resolve.warehouse_location(conn, head.warehouse, LocationKind.PACK).code
    revenue = {s.order_line_id: _revenue(uow, conn, s) for s in shipped}
    lines, move_ids = [], []
    for s in shipped:
        moves = _move_out(uow, conn, head, s, pack)
        move_ids += [m["id"] for m in moves]
        lines.append({"order_line_id": s.order_line_id, "sku_id": s.sku_id, "sku": s.sku,
                      "qty": s.qty, "cost_minor": sum(m["value_minor"] or 0 for m in moves),
                      "revenue_minor": revenue[s.order_line_id]})
        for fo_line, units in s.by_fo_line.items():
            conn.execute(update(FULFILLMENT_LINES).where(FL.id == fo_line)
                         .values(qty_shipped=FL.qty_shipped + units))
    conn.execute(update(CARTONS).where(C.id.in_(list(carton_ids))).values(state="shipped"))
    remainder = split_remainder(conn, head.id)
    conn.execute(update(FULFILLMENT_ORDERS).where(FO.id == head.id).values(
        state="shipped", shipment_id=shipment_id, updated_at=clock.now()))
    payload = _payload(head, shipment_id, move_ids, lines)
    record(conn, [DomainEvent("order.shipped", payload, aggregate=f"order:{head.order_id}"),
                  DomainEvent("fulfillment.shipped", {
                      "fulfillment_order_id": head.id, "order_id": head.order_id,
                      "shipment_id": shipment_id, "cartons": len(carton_ids),
                      "remainder_fulfillment_order_id": remainder},
                      aggregate=f"fulfillment:{head.id}")])
    return {**payload, "remainder_fulfillment_order_id": remainder}


def _payload(head: q.Header, shipment_id: int | None, move_ids: list[int],
             lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {"order_id": head.order_id, "order_number": head.order_number,
            "channel": head.channel, "channel_id": head.channel_id,
            "fulfillment_order_id": head.id, "shipment_id": shipment_id,
            "warehouse_id": head.warehouse_id, "currency": head.currency,
            "base_currency": get_settings().base_currency,
            "shipped_at": clock.now().date().isoformat(), "move_ids": move_ids,
            "lines": lines, "cogs_minor": sum(ln["cost_minor"] for ln in lines)}


def _revenue(uow: UnitOfWork, conn: Connection, s: Shipped) -> int:
    """The line's net value (gross − discount) for the units shipped now: the share of units
    shipped so far minus the share shipped before, so the parts add up to the whole line."""
    after = int(progress.record_shipped(uow, s.order_line_id, s.qty)["shipped"])
    line = conn.execute(select(ORDER_LINES.c.qty, ORDER_LINES.c.gross_minor,
                               ORDER_LINES.c.discount_minor)
                        .where(ORDER_LINES.c.id == s.order_line_id)).one()
    net = line.gross_minor - line.discount_minor
    return net * after // line.qty - net * (after - s.qty) // line.qty


def _move_out(uow: UnitOfWork, conn: Connection, head: q.Header, s: Shipped,
              pack: str) -> list[dict[str, Any]]:
    """PACK → CUSTOMER per lot, consuming the line's reservations; a reservation held on
    another lot than the one packed is released, so the line holds no more than it should."""
    reference = reservation_reference(s.order_line_id)
    moves: list[dict[str, Any]] = []
    consumed = 0
    for lot, units in sorted(s.by_lot.items()):
        result = inventory.ship(uow, s.sku, units, pack, reference=reference, lot=lot or None)
        moves += result.moves
        consumed += int(result.extra["reservation_consumed"])
    _release_other_lots(conn, head.warehouse_id, reference, s.qty - consumed)
    return moves


def _release_other_lots(conn: Connection, warehouse_id: int, reference: str, qty: int) -> None:
    r = RESERVATIONS.c
    left = qty
    for row in conn.execute(select(r.id, r.open_qty).where(
            r.reference == reference, r.warehouse_id == warehouse_id, r.state == "active")
            .order_by(r.id.desc())).all():
        if left <= 0:
            return
        take = min(left, row.open_qty)
        reservations.release(conn, reservation_id=row.id, qty=take)
        left -= take


def split_remainder(conn: Connection, fo_id: int) -> int | None:
    """Move what the fulfillment order does not ship now — unshipped cartons, picked units not
    in them, units never picked — to a new fulfillment order of the same order and warehouse.
    Its state: ``waiting`` if nothing of it was picked (the next wave picks it), ``packed`` if
    every picked unit is in a sealed carton, else ``picked``. None when nothing is left."""
    fo = q.lock(conn, fo_id)
    left = [r for r in q.lines(conn, fo_id) if r.qty > r.qty_shipped]
    if not left:
        return None
    new_id = _new_fo(conn, fo, picked=any(r.qty_picked > r.qty_shipped for r in left))
    moved: dict[str, int] = {}
    for r in left:
        moved[str(r.id)] = r.qty - r.qty_shipped
        if r.qty_shipped == 0:
            conn.execute(update(FULFILLMENT_LINES).where(FL.id == r.id)
                         .values(fulfillment_order_id=new_id))
            continue
        _divide_line(conn, r, new_id)
    conn.execute(update(CARTONS).where(C.fulfillment_order_id == fo_id, C.state != "shipped")
                 .values(fulfillment_order_id=new_id))
    conn.execute(update(FULFILLMENT_ORDERS).where(FO.id == new_id)
                 .values(state=_remainder_state(conn, new_id)))
    record(conn, [DomainEvent("fulfillment.split", {
        "fulfillment_order_id": fo_id, "new_fulfillment_order_id": new_id,
        "lines": moved, "reason": "partial_shipment"}, aggregate=f"fulfillment:{fo_id}")])
    return new_id


def _new_fo(conn: Connection, fo: Any, *, picked: bool) -> int:
    now = clock.now()
    keep = {"wave_id": fo.wave_id, "batch_id": fo.batch_id, "tote": fo.tote} if picked else {}
    return int(conn.execute(insert(FULFILLMENT_ORDERS).values(
        order_id=fo.order_id, warehouse_id=fo.warehouse_id, state="waiting",
        priority=fo.priority, promised_date=fo.promised_date, carrier=fo.carrier,
        service=fo.service, created_at=now, updated_at=now, **keep)
        .returning(FO.id)).scalar_one())


def _divide_line(conn: Connection, r: Any, new_id: int) -> None:
    """Split a partly shipped line: the shipped units stay, the rest start a new line."""
    shipped = r.qty_shipped
    new_line = conn.execute(insert(FULFILLMENT_LINES).values(
        fulfillment_order_id=new_id, order_line_id=r.order_line_id, sku_id=r.sku_id,
        qty=r.qty - shipped, qty_picked=r.qty_picked - shipped,
        qty_packed=r.qty_packed - shipped, qty_shipped=0).returning(FL.id)).scalar_one()
    conn.execute(update(FULFILLMENT_LINES).where(FL.id == r.id).values(
        qty=shipped, qty_picked=shipped, qty_packed=shipped))
    unshipped = select(C.id).where(C.fulfillment_order_id == r.fulfillment_order_id,
                                   C.state != "shipped").scalar_subquery()
    conn.execute(update(CARTON_ITEMS).where(CI.fulfillment_line_id == r.id,
                                            CI.carton_id.in_(unshipped))
                 .values(fulfillment_line_id=new_line))


def _remainder_state(conn: Connection, fo_id: int) -> str:
    lines = q.lines(conn, fo_id)
    if not any(r.qty_picked for r in lines):
        return "waiting"
    cartons = q.cartons(conn, fo_id)
    filled = {i.carton_id for i in q.contents(conn, [c.id for c in cartons])}
    done = (all(r.qty_packed == r.qty_picked for r in lines)
            and all(c.state == "sealed" for c in cartons if c.id in filled))
    return "packed" if done else "picked"
