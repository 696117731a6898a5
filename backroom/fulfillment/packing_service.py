"""Packing a picked fulfillment order: propose cartons, open cartons, scan units in, seal
(and undo: take units out of an open carton, reopen a sealed one — ``unpack.py``).

While it is being packed a fulfillment order stays ``picked`` (there is no separate
"packing" state); it becomes ``packed`` when its last carton is sealed and every picked unit is
in a sealed carton. Proposals come from ``packing.cartonize`` over the box catalog, priced by
the carriers' rate cards for this order's route and promise (see docs/fulfillment.md).
Each step is one transaction under the fulfillment order's lock; a refused step changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from backroom.core import clock
from backroom.core.errors import (
    Conflict,
    ValidationFailed,
)
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import boxes as box_catalog
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.pack_plan import Planner, Proposal, Route, items_of
from backroom.fulfillment.scanning import pack_scan
from backroom.fulfillment.tables import CARTON_ITEMS, CARTONS, FULFILLMENT_ORDERS
from backroom.fulfillment.unpack import reopen_carton, unpack

__all__ = ["open_carton", "pack_scan", "packing_status", "propose_cartons", "reopen_carton",
           "seal_carton", "unpack"]
PACKING = ("picked",)  # the state in which cartons are opened, filled and sealed


def packing_status(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """The fulfillment order's lines (picked, packed, shipped) and cartons with contents."""
    with uow.read() as conn:
        return q.packing_view(conn, fo_id)


def propose_cartons(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """Cartons for the units still to pack, from the active box catalog, at the least box plus
    shipping cost. Stored as open, proposed cartons without contents (an earlier unused
    proposal is replaced); what goes where is in the answer."""
    planner = Planner(uow)
    with uow.read() as conn:
        head = q.header(conn, fo_id)
        q.require(head, PACKING, "packed")
        items = items_of(q.lines(conn, fo_id))
        catalog = planner.catalog(conn)
    if not items:
        raise no_units(fo_id)
    if not catalog.boxes:
        raise no_boxes()
    route = Route(head.warehouse, head.ship_to.country, head.ship_to.postal_code,
                  head.promised_date)
    packing, model = planner.propose(route, items, catalog)
    with uow.transaction() as conn:
        q.require(q.lock(conn, fo_id), PACKING, "packed")
        _replace_proposal(conn, fo_id)
        first = q.next_carton_no(conn, fo_id)
        now = clock.now()
        for i, box in enumerate(packing.boxes):
            conn.execute(insert(CARTONS).values(
                fulfillment_order_id=fo_id, carton_no=first + i, box_id=catalog.ids[box.code],
                state="open", proposed=True, weight_g=0, created_at=now))
        _touch(conn, fo_id)
    return Proposal(fo_id, packing, first, catalog.currency, model).view()


def no_units(fo_id: int) -> Conflict:
    return Conflict(f"fulfillment order {fo_id} has no picked units left to pack",
                    data={"fulfillment_order_id": fo_id})


def no_boxes() -> ValidationFailed:
    return ValidationFailed.single("boxes", 0, "the box catalog has no active boxes: add some "
                                   "(backroom boxes create / import) or seed the defaults")


def packing_started(fo_id: int, cartons: list[int]) -> Conflict:
    return Conflict(f"packing of fulfillment order {fo_id} has started (cartons "
                    f"{', '.join(map(str, cartons))}); open further cartons by hand",
                    data={"fulfillment_order_id": fo_id, "cartons": cartons})


def _replace_proposal(conn: Connection, fo_id: int) -> None:
    c, ci = CARTONS.c, CARTON_ITEMS.c
    rows = q.cartons(conn, fo_id)
    filled = set(conn.execute(select(ci.carton_id).where(
        ci.carton_id.in_([r.id for r in rows]))).scalars()) if rows else set()
    started = [r.carton_no for r in rows if r.id in filled or r.state != "open"]
    if started:
        raise packing_started(fo_id, started)
    conn.execute(delete(CARTONS).where(c.fulfillment_order_id == fo_id, c.proposed.is_(True),
                                       c.state == "open"))


def open_carton(uow: UnitOfWork, fo_id: int, box_code: str) -> dict[str, Any]:
    """Start another carton of an active catalog box for the fulfillment order."""
    with uow.transaction() as conn:
        q.require(q.lock(conn, fo_id), PACKING, "packed")
        box = box_catalog.find(conn, box_code)
        if not box.active:
            raise ValidationFailed.single("box", box.code, "is deactivated in the box catalog")
        number = q.next_carton_no(conn, fo_id)
        conn.execute(insert(CARTONS).values(
            fulfillment_order_id=fo_id, carton_no=number, box_id=box.id, state="open",
            proposed=False, weight_g=0, created_at=clock.now()))
        _touch(conn, fo_id)
        return {"fulfillment_order_id": fo_id,
                "carton": q.carton_view(q.carton(conn, fo_id, number), [])}


def seal_carton(uow: UnitOfWork, fo_id: int, carton_no: int) -> dict[str, Any]:
    """Close a filled carton and weigh it (contents + tare). Sealing the last one when every
    picked unit is packed makes the fulfillment order ``packed``."""
    with uow.transaction() as conn:
        q.require(q.lock(conn, fo_id), PACKING, "packed")
        box = q.carton(conn, fo_id, carton_no)
        if box.state != "open":
            raise Conflict(f"carton {carton_no} of fulfillment order {fo_id} is already "
                           f"{box.state}", data={"fulfillment_order_id": fo_id,
                                                 "carton_no": carton_no, "state": box.state})
        items = q.contents(conn, [box.id])
        if not items:
            raise ValidationFailed.single("carton_no", carton_no, f"carton {carton_no} of "
                                          f"fulfillment order {fo_id} is empty: scan items into "
                                          "it before sealing")
        weight = sum(i.qty * (i.weight_g or 0) for i in items) + box.tare_g
        conn.execute(update(CARTONS).where(CARTONS.c.id == box.id).values(
            state="sealed", weight_g=weight, sealed_at=clock.now()))
        state = complete_if_packed(conn, fo_id)
        view = q.packing_view(conn, fo_id)
        sealed = next(c for c in view["cartons"] if c["carton_no"] == carton_no)
        return {"fulfillment_order_id": fo_id, "state": state, "to_pack": view["to_pack"],
                "carton": sealed}


def complete_if_packed(conn: Connection, fo_id: int) -> str:
    """``packed`` once every picked unit is in a sealed carton (unused empty cartons are
    dropped); else the state stays as it is. Returns the state."""
    row = q.lock(conn, fo_id)
    lines = q.lines(conn, fo_id)
    cartons = q.cartons(conn, fo_id)
    filled = {i.carton_id for i in q.contents(conn, [c.id for c in cartons])}
    done = (sum(r.qty_picked for r in lines) > 0
            and all(r.qty_packed == r.qty_picked for r in lines)
            and all(c.state != "open" for c in cartons if c.id in filled))
    if row.state != "picked" or not done:
        return str(row.state)
    empty = [c.id for c in cartons if c.id not in filled and c.state == "open"]
    if empty:
        conn.execute(delete(CARTONS).where(CARTONS.c.id.in_(empty)))
    _touch(conn, fo_id, state="packed")
    sealed = [c.carton_no for c in cartons if c.id in filled and c.state == "sealed"]
    record(conn, [DomainEvent("fulfillment.packed", {
        "fulfillment_order_id": fo_id, "order_id": row.order_id, "cartons": sealed,
        "units": sum(r.qty_packed - r.qty_shipped for r in lines)},
        aggregate=f"fulfillment:{fo_id}")])
    return "packed"


def _touch(conn: Connection, fo_id: int, **values: Any) -> None:
    conn.execute(update(FULFILLMENT_ORDERS).where(FULFILLMENT_ORDERS.c.id == fo_id)
                 .values(updated_at=clock.now(), **values))
