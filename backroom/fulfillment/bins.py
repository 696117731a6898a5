"""Which bins a pick takes from, and the bin-level reservations that hold them for it.

A wave turns each fulfillment line into pick tasks: the lots are those its warehouse
reservation already holds (chosen FEFO when it was reserved); within a lot the bins are taken
so that one bin fills the task when one can (the smallest such, emptying bins), else the
fullest first. Each task reserves its units on the bin's level (``stock_levels.reserved``)
with a guarded UPDATE, so a second wave can never send a picker to the same units; the pick
itself frees them as it moves them to packing. Bins with an open count task are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, exists, select, update

from backroom.core import clock
from backroom.fulfillment.tables import COUNT_TASKS, PICK_TASKS
from backroom.inventory.model import LocationKind
from backroom.inventory.tables import LEVELS, LOCATIONS, RESERVATIONS

LV, LOC, T, CT = LEVELS.c, LOCATIONS.c, PICK_TASKS.c, COUNT_TASKS.c

_RESERVE = (update(LEVELS).where(
    LV.location_id == bindparam("loc"), LV.sku_id == bindparam("sku"),
    LV.lot_id == bindparam("lot"), LV.on_hand - LV.reserved >= bindparam("q"))
    .values(reserved=LV.reserved + bindparam("q")))
_FREE = (update(LEVELS).where(LV.location_id == bindparam("loc"), LV.sku_id == bindparam("sku"),
                              LV.lot_id == bindparam("lot"))
         .values(reserved=LV.reserved - bindparam("q")))


@dataclass(frozen=True, slots=True)
class BinStock:
    location_id: int
    code: str
    aisle: str
    bay: int
    free: int


@dataclass(frozen=True, slots=True)
class BinPick:
    location_id: int
    code: str
    aisle: str
    bay: int
    lot_id: int
    qty: int


def reserved_lots(conn: Connection, warehouse_id: int, reference: str) -> list[tuple[int, int]]:
    """(lot id, units) the warehouse reservation under ``reference`` holds, oldest first."""
    R = RESERVATIONS.c
    rows = conn.execute(select(R.lot_id, R.open_qty).where(
        R.reference == reference, R.warehouse_id == warehouse_id, R.state == "active")
        .order_by(R.id))
    held: dict[int, int] = {}
    for r in rows:
        held[r.lot_id] = held.get(r.lot_id, 0) + r.open_qty
    return list(held.items())


def bin_stock(conn: Connection, warehouse_id: int, sku_id: int, lot_id: int) -> list[BinStock]:
    """Storage bins of the warehouse holding free units of the SKU and lot."""
    counting = exists().where(CT.location_id == LV.location_id, CT.state == "open",
                              (CT.sku_id.is_(None)) | (CT.sku_id == sku_id))
    rows = conn.execute(
        select(LV.location_id, LOC.code, LOC.aisle, LOC.bay, (LV.on_hand - LV.reserved)
               .label("free"))
        .join(LOCATIONS, LOC.id == LV.location_id)
        .where(LOC.warehouse_id == warehouse_id, LOC.kind == LocationKind.STORAGE.value,
               LOC.active.is_(True), LV.sku_id == sku_id, LV.lot_id == lot_id,
               LV.on_hand - LV.reserved > 0, ~counting))
    return [BinStock(r.location_id, r.code, r.aisle or "A", r.bay or 1, r.free) for r in rows]


def choose_bins(stock: Sequence[BinStock], qty: int) -> list[tuple[BinStock, int]]:
    """Take ``qty``: one bin that holds it all (the smallest such), else fullest bins first.
    Returns what it could take (may be short)."""
    whole = [b for b in stock if b.free >= qty]
    if whole:
        best = min(whole, key=lambda b: (b.free, b.code))
        return [(best, qty)]
    picks, left = [], qty
    for b in sorted(stock, key=lambda b: (-b.free, b.code)):
        if left == 0:
            break
        take = min(left, b.free)
        picks.append((b, take))
        left -= take
    return picks


def plan_line(conn: Connection, warehouse_id: int, sku_id: int, reference: str,
              qty: int) -> tuple[list[BinPick], int]:
    """Bins for ``qty`` units of an order line's reserved stock; returns (picks, short)."""
    picks: list[BinPick] = []
    left = qty
    for lot_id, held in reserved_lots(conn, warehouse_id, reference):
        want = min(left, held)
        for b, take in choose_bins(bin_stock(conn, warehouse_id, sku_id, lot_id), want):
            picks.append(BinPick(b.location_id, b.code, b.aisle, b.bay, lot_id, take))
            left -= take
        if left == 0:
            break
    return picks, left


def reserve(conn: Connection, location_id: int, sku_id: int, lot_id: int, qty: int) -> bool:
    """Hold ``qty`` units on a bin; False if they are no longer free (nothing changed)."""
    return bool(conn.execute(_RESERVE, {"loc": location_id, "sku": sku_id, "lot": lot_id,
                                        "q": qty}).rowcount == 1)


def free(conn: Connection, location_id: int, sku_id: int, lot_id: int, qty: int) -> None:
    if qty > 0:
        conn.execute(_FREE, {"loc": location_id, "sku": sku_id, "lot": lot_id, "q": qty})


def cancel_tasks(conn: Connection, task_ids: list[int]) -> None:
    """Cancel open pick tasks and free what they still held on their bins."""
    if not task_ids:
        return
    rows = conn.execute(select(T.id, T.location_id, T.sku_id, T.lot_id,
                               (T.qty - T.qty_picked - T.qty_short).label("held"))
                        .where(and_(T.id.in_(task_ids), T.state == "open"))
                        .order_by(T.sku_id, T.location_id, T.lot_id)).all()
    for r in rows:
        free(conn, r.location_id, r.sku_id, r.lot_id, r.held)
    conn.execute(update(PICK_TASKS).where(T.id.in_([r.id for r in rows]))
                 .values(state="cancelled", done_at=clock.now()))
