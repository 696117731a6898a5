"""Allocation: source orders, reserve their stock and open their fulfillment orders.

The work is done a chunk of orders at a time by ``alloc_batch`` (one transaction per chunk,
set-based reads and writes, the same plans as one order at a time, oldest first): the
sourcing plan (``sourcing.service``) says which warehouse ships which units; the units are
reserved with the inventory area's guarded reservation (so a concurrent order can never take
the same units — if one got there first, the order is planned again), the order lines are
told (``record_many``: reserved / backordered), one fulfillment order per warehouse collects
the units, and the decision with its reason is kept on the order. ``allocate_order`` is the
one-order case; ``allocate_ready`` runs every order ready for fulfillment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from backroom.catalog.tables import PRODUCTS
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.alloc_batch import (
    CHUNK,
    RETRIES,
    Allocated,
    allocate_chunk,
    allocate_one,
)
from backroom.inventory import reservations
from backroom.orders import demand as order_demand
from backroom.orders import progress as order_progress
from backroom.orders.lifecycle import reservation_reference

__all__ = ["CHUNK", "RETRIES", "Allocated", "AllocationRun", "allocate_order", "allocate_ready",
           "fill_backorders", "reserve_line"]


def reserve_line(uow: UnitOfWork, conn: Connection, warehouse_id: int, order_line_id: int,
                 sku_id: int, qty: int) -> None:
    """Reserve ``qty`` units of an order line's SKU in a warehouse and tell the order."""
    tracking = conn.execute(select(PRODUCTS.c.tracking).where(PRODUCTS.c.id == sku_id)
                            ).scalar_one()
    reservations.reserve(conn, warehouse_id=warehouse_id, sku_id=sku_id, qty=qty,
                         reference=reservation_reference(order_line_id), tracking=tracking)
    order_progress.record_reserved(uow, order_line_id, qty)


def allocate_order(uow: UnitOfWork, order_id: int, *, strategy: str | None = None,
                   backorders: bool = False) -> Allocated:
    """Source and reserve every open unit of the order (backorder what no warehouse has);
    with ``backorders`` also the units already waiting on a backorder. Raises the order's
    error (held, not found, unreadable ship-to, stock taken meanwhile ``RETRIES`` times)."""
    return allocate_one(uow, order_id, strategy=strategy, backorders=backorders)


@dataclass
class AllocationRun:
    orders: int = 0
    fulfillment_orders: int = 0
    reserved_units: int = 0
    backordered_units: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"orders": self.orders, "fulfillment_orders": self.fulfillment_orders,
                "reserved_units": self.reserved_units,
                "backordered_units": self.backordered_units, "failed": self.failed}


Progress = Callable[[int, int], None]  # (orders done so far, orders in the run)


def allocate_ready(uow: UnitOfWork, *, limit: int = 10_000, strategy: str | None = None,
                   order_ids: Iterable[int] | None = None, chunk: int = CHUNK,
                   progress: Progress | None = None) -> AllocationRun:
    """Allocate every order ready for fulfillment (oldest first) — or ``order_ids``, in that
    order — ``chunk`` orders per transaction; an order that fails is reported and the run
    goes on. ``progress(done, total)`` is called after each chunk."""
    run = AllocationRun()
    ids = list(dict.fromkeys(order_ids)) if order_ids is not None else _ready(uow, limit)
    quotes = None
    for start in range(0, len(ids), max(1, chunk)):
        part = ids[start:start + max(1, chunk)]
        result = allocate_chunk(uow, part, strategy=strategy, quotes=quotes)
        quotes = result.quotes
        for order_id in part:
            err = result.failed.get(order_id)
            if err is not None:
                run.failed.append({"order_id": order_id, "code": err.code, "error": str(err)})
                continue
            done = result.done[order_id]
            run.orders += 1
            run.fulfillment_orders += len(done.fulfillment_order_ids)
            run.reserved_units += done.reserved_units
            run.backordered_units += done.backordered_units
        if progress is not None:
            progress(start + len(part), len(ids))
    return run


def _ready(uow: UnitOfWork, limit: int) -> list[int]:
    ids: list[int] = []
    while len(ids) < limit:
        page = order_demand.releasable_order_ids(uow, limit=min(500, limit - len(ids)),
                                                 after_id=ids[-1] if ids else None)
        if not page:
            break
        ids.extend(page)
    return ids


def fill_backorders(uow: UnitOfWork, product_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Stock arrived for these products: re-source waiting backorders, oldest order first
    (a chunk at a time; an order that cannot be filled stays backordered, nothing of it is
    kept, and the receipt goes on)."""
    waiting = order_progress.backordered_lines(uow, product_ids)
    orders = sorted({line.order_id for line in waiting})
    filled = []
    quotes = None
    for start in range(0, len(orders), CHUNK):
        part = orders[start:start + CHUNK]
        result = allocate_chunk(uow, part, backorders=True, quotes=quotes)
        quotes = result.quotes
        filled += [result.done[i].as_dict() for i in part
                   if i in result.done and result.done[i].reserved_units]
    return filled

