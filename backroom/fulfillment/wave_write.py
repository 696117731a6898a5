"""Write a wave's carts: route each cart, then insert every batch and task and release every
order with one executemany each (whatever the number of carts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, update

from backroom.core import clock
from backroom.db.bulk import insert_ids, insert_rows
from backroom.db.prepared import Prepared
from backroom.fulfillment.picking import Method, PickPoint, Route, bin_point, plan_route
from backroom.fulfillment.picking.layout import WarehouseLayout
from backroom.fulfillment.tables import FULFILLMENT_ORDERS, PICK_BATCHES, PICK_TASKS
from backroom.fulfillment.wave_plan import Task

FO = FULFILLMENT_ORDERS.c
Cart = Sequence[tuple[int, Sequence[Task]]]  # (fulfillment order id, its tasks) per tote

_RELEASE = Prepared(update(FULFILLMENT_ORDERS).where(FO.id == bindparam("fo")).values(
    state="released", wave_id=bindparam("wave"), batch_id=bindparam("batch"),
    tote=bindparam("tote"), updated_at=bindparam("now")))


def write_batches(conn: Connection, wave_id: int, wh: int, layout: WarehouseLayout,
                  totes: int, carts: Sequence[Cart]) -> list[int]:
    """One pick batch per cart, its tasks in walking order; the batch ids, in cart order."""
    now = clock.now()
    points: dict[tuple[str, int], PickPoint] = {}
    picks = [[(tote, t) for tote, (_, ts) in enumerate(cart, start=1) for t in ts]
             for cart in carts]
    routes = [_route(layout, points, tasks) for tasks in picks]
    batch_ids = insert_ids(conn, PICK_BATCHES, [{
        "wave_id": wave_id, "warehouse_id": wh, "state": "open", "totes": totes,
        "route_method": route.method.value, "route_length_m": round(route.length, 2),
        "picker": "", "created_at": now} for route in routes])
    insert_rows(conn, PICK_TASKS, [
        _task_row(batch_id, seq, tote, t)
        for batch_id, tasks, route in zip(batch_ids, picks, routes, strict=True)
        for seq, (tote, t) in enumerate((tasks[i] for i in route.order), start=1)])
    _RELEASE.executemany(conn, [
        {"fo": fo_id, "wave": wave_id, "batch": batch_id, "tote": tote, "now": now}
        for batch_id, cart in zip(batch_ids, carts, strict=True)
        for tote, (fo_id, _) in enumerate(cart, start=1)])
    return [int(i) for i in batch_ids]


def _route(layout: WarehouseLayout, points: dict[tuple[str, int], PickPoint],
           tasks: Sequence[tuple[int, Task]]) -> Route:
    stops = []
    for _, t in tasks:
        key = (t.pick.aisle, t.pick.bay)
        point = points.get(key)
        if point is None:
            point = points[key] = bin_point(layout, *key)
        stops.append(point)
    return plan_route(layout, stops, Method.AUTO)


def _task_row(batch_id: int, seq: int, tote: int, t: Task) -> dict[str, Any]:
    return {"batch_id": batch_id, "fulfillment_line_id": t.line_id, "tote": tote, "seq": seq,
            "location_id": t.pick.location_id, "sku_id": t.sku_id, "lot_id": t.pick.lot_id,
            "qty": t.pick.qty, "qty_picked": 0, "qty_short": 0, "state": "open"}
