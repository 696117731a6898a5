"""Packing a picked fulfillment order: propose cartons, open cartons, scan units in, seal.

While it is being packed a fulfillment order stays ``picked`` (there is no separate
"packing" state); it becomes ``packed`` when its last carton is sealed and every picked unit is
in a sealed carton. Proposals come from ``packing.cartonize`` over the box catalog, priced by
the carriers' rate cards for this order's route and promise (see docs/fulfillment.md).
Each step is one transaction under the fulfillment order's lock; a refused step changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from backroom.core import clock
from backroom.core.errors import (
    BackroomError,
    Conflict,
    Problem,
    ValidationFailed,
)
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import boxes as box_catalog
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.packing import (
    DEFAULT_RATE,
    Box,
    Item,
    NoShippablePacking,
    Packing,
    ShipCost,
    cartonize,
    rated_ship_cost,
)
from backroom.fulfillment.scanning import pack_scan
from backroom.fulfillment.tables import BOXES, CARTON_ITEMS, CARTONS, FULFILLMENT_ORDERS
from backroom.shipping.rating import model as rating
from backroom.shipping.rating import services as rating_services

__all__ = ["open_carton", "pack_scan", "packing_status", "propose_cartons", "seal_carton"]
PACKING = ("picked",)  # the state in which cartons are opened, filled and sealed


def packing_status(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """The fulfillment order's lines (picked, packed, shipped) and cartons with contents."""
    with uow.read() as conn:
        return q.packing_view(conn, fo_id)


def _items(lines: Sequence[Any]) -> list[Item]:
    """One ``Item`` per unit still to pack; every missing size or weight is reported."""
    problems = [Problem("sku", "has no size or weight in the catalog (length_mm, width_mm, "
                               "height_mm and weight_g are needed to choose boxes)", r.sku)
                for r in lines if r.qty_picked > r.qty_packed
                and None in (r.length_mm, r.width_mm, r.height_mm, r.weight_g)]
    if problems:
        raise ValidationFailed.of(problems)
    return [Item(r.sku, r.length_mm, r.width_mm, r.height_mm, r.weight_g)
            for r in lines for _ in range(r.qty_picked - r.qty_packed)]


def _ship_cost(uow: UnitOfWork, head: q.Header, currency: str) -> tuple[ShipCost, str]:
    """Rate cards in the boxes' currency for this route and promise, else ``DEFAULT_RATE``."""
    try:
        codes = [c.code for c in rating_services.carriers() if c.currency == currency]
        origin = rating_services.warehouse_address(uow, head.warehouse)
    except BackroomError:  # rate cards that do not load, a warehouse without an address
        return DEFAULT_RATE, "default_rate"
    if not codes:
        return DEFAULT_RATE, "default_rate"
    destination = rating.Address(head.ship_to.country, head.ship_to.postal_code, True)
    rated = rated_ship_cost(origin, destination, promise=head.promised_date, carriers=codes)

    def cost(parcels: list[tuple[int, int, int, int]]) -> int | None:
        try:
            return rated(parcels)
        except ValidationFailed:  # an address the rate cards cannot place
            return None
    return cost, "rate_cards"


def _cartonize(items: list[Item], boxes: list[Box], cost: ShipCost,
               model: str) -> tuple[Packing, str]:
    try:
        return cartonize(items, boxes, ship_cost=cost), model
    except NoShippablePacking:  # no carrier quotes these parcels: still propose boxes
        return cartonize(items, boxes), "default_rate"


def propose_cartons(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """Cartons for the units still to pack, from the active box catalog, at the least box plus
    shipping cost. Stored as open, proposed cartons without contents (an earlier unused
    proposal is replaced); what goes where is in the answer."""
    with uow.read() as conn:
        head = q.header(conn, fo_id)
        q.require(head, PACKING, "packed")
        items = _items(q.lines(conn, fo_id))
        boxes, currency = box_catalog.catalog_for_packing(conn)
    if not items:
        raise Conflict(f"fulfillment order {fo_id} has no picked units left to pack",
                       data={"fulfillment_order_id": fo_id})
    if not boxes:
        raise ValidationFailed.single("boxes", 0, "the box catalog has no active boxes: add "
                                      "some (backroom boxes create / import) or seed the defaults")
    packing, model = _cartonize(items, boxes, *_ship_cost(uow, head, currency))
    with uow.transaction() as conn:
        q.require(q.lock(conn, fo_id), PACKING, "packed")
        _replace_proposal(conn, fo_id)
        first = q.next_carton_no(conn, fo_id)
        ids = {r.code: r.id for r in conn.execute(select(BOXES.c.code, BOXES.c.id))}
        now = clock.now()
        for i, box in enumerate(packing.boxes):
            conn.execute(insert(CARTONS).values(
                fulfillment_order_id=fo_id, carton_no=first + i, box_id=ids[box.code],
                state="open", proposed=True, weight_g=0, created_at=now))
        _touch(conn, fo_id)
    return _proposal(fo_id, packing, first, currency, model)


def _replace_proposal(conn: Connection, fo_id: int) -> None:
    c, ci = CARTONS.c, CARTON_ITEMS.c
    rows = q.cartons(conn, fo_id)
    filled = set(conn.execute(select(ci.carton_id).where(
        ci.carton_id.in_([r.id for r in rows]))).scalars()) if rows else set()
    started = [r.carton_no for r in rows if r.id in filled or r.state != "open"]
    if started:
        raise Conflict(f"packing of fulfillment order {fo_id} has started (cartons "
                       f"{', '.join(map(str, started))}); open further cartons by hand",
                       data={"fulfillment_order_id": fo_id, "cartons": started})
    conn.execute(delete(CARTONS).where(c.fulfillment_order_id == fo_id, c.proposed.is_(True),
                                       c.state == "open"))


def _proposal(fo_id: int, packing: Packing, first: int, currency: str,
              model: str) -> dict[str, Any]:
    cartons = []
    for i, box in enumerate(packing.boxes):
        inside = packing.contents(i)
        skus: dict[str, int] = {}
        for p in inside:
            skus[p.item.sku] = skus.get(p.item.sku, 0) + 1
        cartons.append({
            "carton_no": first + i, "box": box.code, "inner_mm": list(box.inner),
            "outer_mm": list(box.outer), "box_cost_minor": box.cost,
            "contents_g": packing.contents_weight(i),
            "weight_g": packing.contents_weight(i) + box.tare_g,
            "max_weight_g": box.max_weight_g, "fill": round(packing.fill(i), 3),
            "items": [{"sku": s, "qty": n} for s, n in skus.items()],
            "placements": [{"sku": p.item.sku, "x_mm": p.x_mm, "y_mm": p.y_mm, "z_mm": p.z_mm,
                            "length_mm": p.length_mm, "width_mm": p.width_mm,
                            "height_mm": p.height_mm} for p in inside]})
    return {"fulfillment_order_id": fo_id, "cartons": cartons, "currency": currency,
            "box_cost_minor": packing.box_cost, "shipping_cost_minor": packing.shipping_cost,
            "total_minor": packing.total, "ship_cost_model": model}


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
