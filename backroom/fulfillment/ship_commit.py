"""The stock side of shipping fulfillment orders, all in the caller's transaction, set-based
for any number of orders (``commit_many``; one order is a list of one).

For the cartons being shipped: the order lines' counters move (``progress.record_many``), the
units leave each warehouse's pack station for CUSTOMER consuming the order lines'
reservations (``inventory.services.ship_many``: one posting, one move per order line and lot,
valued from the cost layers), the cartons and lines are marked shipped, and ``order.shipped``
is recorded with the cost of goods and the revenue of what left. Whatever a fulfillment order
does not ship now moves to a new fulfillment order (see ``split_remainder``; only orders with
units left pay for it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from backroom.core import clock
from backroom.core.events import DomainEvent, record
from backroom.core.settings import get_settings
from backroom.db.prepared import Prepared
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment import ship_queries
from backroom.fulfillment.tables import CARTON_ITEMS, CARTONS, FULFILLMENT_LINES, FULFILLMENT_ORDERS
from backroom.inventory import reservations, resolve
from backroom.inventory import services as inventory
from backroom.inventory.model import LocationKind
from backroom.inventory.tables import RESERVATIONS
from backroom.orders import progress
from backroom.orders.lifecycle import reservation_reference
from backroom.orders.tables import ORDER_LINES

FO, FL, C, CI = FULFILLMENT_ORDERS.c, FULFILLMENT_LINES.c, CARTONS.c, CARTON_ITEMS.c
_LINE_SHIPPED = Prepared(update(FULFILLMENT_LINES).where(FL.id == bindparam("l_id"))
                         .values(qty_shipped=FL.qty_shipped + bindparam("l_units")))
_CARTONS_SHIPPED = update(CARTONS).where(C.id.in_(bindparam("ids", expanding=True))).values(
    state="shipped")
_FO_SHIPPED = Prepared(update(FULFILLMENT_ORDERS).where(FO.id == bindparam("f_id")).values(
    state="shipped", shipment_id=bindparam("f_shipment"), updated_at=bindparam("f_at")))
_NET = select(ORDER_LINES.c.id, ORDER_LINES.c.qty, ORDER_LINES.c.gross_minor,
              ORDER_LINES.c.discount_minor).where(
    ORDER_LINES.c.id.in_(bindparam("ids", expanding=True)))


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


@dataclass(frozen=True, slots=True)
class ToShip:
    """A fulfillment order (its header read under lock), its cartons to ship and their
    shipment (label bought)."""

    head: q.Header
    carton_ids: tuple[int, ...]
    shipment_id: int


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


def commit_many(uow: UnitOfWork, conn: Connection,
                todo: Sequence[ToShip]) -> list[dict[str, Any]]:
    """Ship each item's cartons under its shipment; per item the order.shipped payload plus
    ``remainder_fulfillment_order_id``. All or nothing (raises for the whole list)."""
    held: dict[int, list[Any]] = defaultdict(list)
    for item in q.contents(conn, [c for t in todo for c in t.carton_ids]):
        held[item.carton_id].append(item)
    shipped = [group([i for c in t.carton_ids for i in held[c]]) for t in todo]
    revenue = _revenue(uow, conn, [s for lines in shipped for s in lines])
    moves = _move_out(uow, conn, todo, shipped)
    _LINE_SHIPPED.executemany(conn, [{"l_id": fo_line, "l_units": units}
                                     for lines in shipped for s in lines
                                     for fo_line, units in s.by_fo_line.items()])
    conn.execute(_CARTONS_SHIPPED, {"ids": [c for t in todo for c in t.carton_ids]})
    left = ship_queries.with_units_left(conn, [t.head.id for t in todo])
    remainders = [split_remainder(conn, t.head.id) if t.head.id in left else None
                  for t in todo]
    now = clock.now()
    _FO_SHIPPED.executemany(conn, [{"f_id": t.head.id, "f_shipment": t.shipment_id,
                                    "f_at": now} for t in todo])
    payloads, events = [], []
    for t, lines, remainder in zip(todo, shipped, remainders, strict=True):
        rows = [{"order_line_id": s.order_line_id, "sku_id": s.sku_id, "sku": s.sku,
                 "qty": s.qty, "cost_minor": sum(m["value_minor"] or 0 for m in moves[id(s)]),
                 "revenue_minor": revenue[id(s)]} for s in lines]
        payload = _payload(t.head, t.shipment_id, [m["id"] for s in lines for m in moves[id(s)]],
                           rows)
        events += [DomainEvent("order.shipped", payload, aggregate=f"order:{t.head.order_id}"),
                   DomainEvent("fulfillment.shipped", {
                       "fulfillment_order_id": t.head.id, "order_id": t.head.order_id,
                       "shipment_id": t.shipment_id, "cartons": len(t.carton_ids),
                       "remainder_fulfillment_order_id": remainder},
                       aggregate=f"fulfillment:{t.head.id}")]
        payloads.append({**payload, "remainder_fulfillment_order_id": remainder})
    record(conn, events)
    return payloads


def _payload(head: q.Header, shipment_id: int | None, move_ids: list[int],
             lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {"order_id": head.order_id, "order_number": head.order_number,
            "channel": head.channel, "channel_id": head.channel_id,
            "fulfillment_order_id": head.id, "shipment_id": shipment_id,
            "warehouse_id": head.warehouse_id, "currency": head.currency,
            "base_currency": get_settings().base_currency,
            "shipped_at": clock.now().date().isoformat(), "move_ids": move_ids,
            "lines": lines, "cogs_minor": sum(ln["cost_minor"] for ln in lines)}


def _revenue(uow: UnitOfWork, conn: Connection, shipped: list[Shipped]) -> dict[int, int]:
    """Per ``Shipped`` (by id()): the line's net value (gross − discount) for the units shipped
    now — the share of units shipped so far minus the share shipped before, so the parts add
    up to the whole line. Records the units shipped on the order lines."""
    counted = progress.record_many(uow, [progress.LineChange(s.order_line_id, s.qty, "shipped")
                                         for s in shipped])
    ids = sorted({s.order_line_id for s in shipped})
    nets = {r.id: r for start in range(0, len(ids), 500)
            for r in conn.execute(_NET, {"ids": ids[start:start + 500]})}
    out = {}
    for s, result in zip(shipped, counted, strict=True):
        line, after = nets[s.order_line_id], int(result["shipped"])
        net = line.gross_minor - line.discount_minor
        out[id(s)] = net * after // line.qty - net * (after - s.qty) // line.qty
    return out


def _move_out(uow: UnitOfWork, conn: Connection, todo: Sequence[ToShip],
              shipped: list[list[Shipped]]) -> dict[int, list[dict[str, Any]]]:
    """PACK → CUSTOMER per order line and lot in one posting, consuming the lines'
    reservations; a reservation held on another lot than the one packed is released, so a
    line holds no more than it should. The moves per ``Shipped`` (by id())."""
    packs = {code: resolve.warehouse_location(conn, code, LocationKind.PACK).code
             for code in sorted({t.head.warehouse for t in todo})}
    asked: list[tuple[Shipped, int, inventory.ShipLine]] = [
        (s, t.head.warehouse_id, inventory.ShipLine(
            s.sku, units, packs[t.head.warehouse], reservation_reference(s.order_line_id),
            lot or None))
        for t, lines in zip(todo, shipped, strict=True) for s in lines
        for lot, units in sorted(s.by_lot.items())]
    results = inventory.ship_many(uow, [line for _, _, line in asked])
    moves: dict[int, list[dict[str, Any]]] = defaultdict(list)
    consumed: dict[int, int] = defaultdict(int)
    for (s, _, _), result in zip(asked, results, strict=True):
        moves[id(s)] += result.moves
        consumed[id(s)] += int(result.extra["reservation_consumed"])
    for s, warehouse_id, _ in asked:
        if consumed[id(s)] < s.qty:
            _release_other_lots(conn, warehouse_id, reservation_reference(s.order_line_id),
                                s.qty - consumed[id(s)])
            consumed[id(s)] = s.qty
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
