"""Allocation: source an order, reserve its stock and open its fulfillment orders.

One transaction per order: the sourcing plan (``sourcing.service.plan_order``, a pure read)
says which warehouse ships which units; each assignment is reserved with the inventory
area's guarded reservation (so a concurrent order can never take the same units — if one got
there first, the whole allocation is retried with a fresh plan), the order lines are told
(``record_reserved`` / ``record_backordered``), one fulfillment order per warehouse collects
the units, and the decision with its reason is kept on the order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, select

from backroom.catalog.tables import PRODUCTS
from backroom.core.errors import BackroomError
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fulfillment_orders
from backroom.inventory import reservations
from backroom.inventory.errors import InsufficientStock
from backroom.orders import demand as order_demand
from backroom.orders import progress
from backroom.orders.lifecycle import reservation_reference

RETRIES = 3


def reserve_line(uow: UnitOfWork, conn: Connection, warehouse_id: int, order_line_id: int,
                 sku_id: int, qty: int) -> None:
    """Reserve ``qty`` units of an order line's SKU in a warehouse and tell the order."""
    tracking = conn.execute(select(PRODUCTS.c.tracking).where(PRODUCTS.c.id == sku_id)
                            ).scalar_one()
    reservations.reserve(conn, warehouse_id=warehouse_id, sku_id=sku_id, qty=qty,
                         reference=reservation_reference(order_line_id), tracking=tracking)
    progress.record_reserved(uow, order_line_id, qty)


@dataclass
class Allocated:
    order_id: int
    fulfillment_order_ids: list[int] = field(default_factory=list)
    reserved_units: int = 0
    backordered_units: int = 0
    reason: str = ""
    strategy: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "fulfillment_order_ids": self.fulfillment_order_ids,
                "reserved_units": self.reserved_units,
                "backordered_units": self.backordered_units, "reason": self.reason,
                "strategy": self.strategy}


def allocate_order(uow: UnitOfWork, order_id: int, *, strategy: str | None = None,
                   backorders: bool = False) -> Allocated:
    """Source and reserve every open unit of the order (backorder what no warehouse has);
    with ``backorders`` also the units already waiting on a backorder."""
    for attempt in range(RETRIES):
        try:
            # A savepoint per attempt: a failed one leaves nothing behind, also when this runs
            # inside a larger transaction (backorders filled by a receipt).
            with uow.transaction() as conn, conn.begin_nested():
                return _allocate(uow, order_id, strategy, backorders)
        except InsufficientStock:
            if attempt == RETRIES - 1:
                raise  # stock kept moving under us; the caller may try again later
    raise AssertionError("unreachable")


def _allocate(uow: UnitOfWork, order_id: int, strategy: str | None,
              backorders: bool) -> Allocated:
    from backroom.fulfillment.sourcing import service as sourcing

    want = order_demand.demand(uow, order_id)
    waiting = {line.line_id: line.backordered for line in want.lines}
    if backorders:
        want = replace(want, lines=tuple(replace(line, qty=line.qty + line.backordered)
                                         for line in want.lines))
    out = Allocated(order_id)
    if not any(line.qty for line in want.lines):
        return out
    with uow.transaction() as conn:
        plan = sourcing.plan_order(conn, want, strategy=strategy)
        per_warehouse: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        got: dict[int, int] = defaultdict(int)
        for a in plan.assignments:
            got[a.line_id] += a.qty
            reserve_line(uow, conn, a.warehouse_id, a.line_id, a.sku_id, a.qty)
            per_warehouse[a.warehouse_id].append((a.line_id, a.sku_id, a.qty))
            out.reserved_units += a.qty
        for line_id, qty in plan.backordered:
            # Reserving fills a line's backorder first; what still waits counts as backordered.
            still = waiting.get(line_id, 0) - min(got[line_id], waiting.get(line_id, 0))
            new = qty - still if backorders else qty
            if new > 0:
                progress.record_backordered(uow, line_id, new)
            out.backordered_units += qty
        for warehouse_id, lines in sorted(per_warehouse.items()):
            route = plan.shipments.get(warehouse_id)
            out.fulfillment_order_ids.append(fulfillment_orders.create(
                conn, order_id, warehouse_id, lines, promised_date=want.promised_date,
                carrier=getattr(route, "carrier", "") or "",
                service=getattr(route, "service", "") or "",
                estimated_cost_minor=getattr(route, "cost_minor", None)))
        sourcing.record_decision(conn, order_id, plan)
        out.reason, out.strategy = plan.reason, plan.strategy
    return out


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


def allocate_ready(uow: UnitOfWork, *, limit: int = 10_000, strategy: str | None = None,
                   order_ids: Iterable[int] | None = None) -> AllocationRun:
    """Allocate every order ready for fulfillment (oldest first), one transaction each; an
    order that fails is reported and the run goes on."""
    run = AllocationRun()
    ids = list(order_ids) if order_ids is not None else _ready(uow, limit)
    for order_id in ids:
        try:
            done = allocate_order(uow, order_id, strategy=strategy)
        except BackroomError as err:
            run.failed.append({"order_id": order_id, "code": err.code, "error": str(err)})
            continue
        run.orders += 1
        run.fulfillment_orders += len(done.fulfillment_order_ids)
        run.reserved_units += done.reserved_units
        run.backordered_units += done.backordered_units
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
    """Stock arrived for these products: re-source waiting backorders, oldest order first."""
    orders = sorted({line.order_id for line in progress.backordered_lines(uow, product_ids)})
    filled = []
    for order_id in orders:
        try:
            done = allocate_order(uow, order_id, backorders=True)
        except BackroomError:
            continue  # held meanwhile or stock gone: it stays backordered (savepoint undone)
        if done.reserved_units:
            filled.append(done.as_dict())
    return filled
