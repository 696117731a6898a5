"""Allocation of a chunk of orders in one transaction: the one code path of allocation.

For a chunk (a few hundred orders, oldest first) it reads the orders, holds and open demand
with a few ``IN`` queries (``orders.demand.blocked`` / ``demands``), reads the products and
available-to-sell of every SKU of the chunk once (``sourcing.service.Planner``), and plans
each order in turn against the stock the orders before it left (so the plans are the ones
each order would get on its own, oldest first); identical rate quotes are made once. Then it
writes the chunk set-based: the reservations with one guarded executemany
(``reservations.reserve_many``), the order lines' counters with ``progress.record_many``, the
fulfillment orders and their lines (``fulfillment_orders.create_many``) and the sourcing
decisions (``record_decisions``), each an executemany, and the events as lists.

An order that may not go to fulfillment (held, cancelled, missing) or cannot be planned (an
unreadable ship-to, an unknown strategy) is reported with its error and the rest go on. If
the set-based write fails anyway — a guard found the stock taken by another process in the
meantime (PostgreSQL), a counter check refused a line — the chunk's savepoint is rolled back
and its orders are allocated one at a time, each in its own savepoint with fresh reads and up
to ``RETRIES`` attempts, so only the order at fault fails. ``allocate_order`` is a chunk of
one.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection

from backroom.core.errors import BackroomError
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fulfillment_orders
from backroom.fulfillment.sourcing.model import Plan
from backroom.fulfillment.sourcing.quotecache import QuoteCache
from backroom.inventory import reservations
from backroom.inventory.errors import InsufficientStock
from backroom.orders import demand as order_demand
from backroom.orders import progress
from backroom.orders.demand import Demand
from backroom.orders.lifecycle import reservation_reference

RETRIES = 3
CHUNK = 250  # orders per transaction


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


@dataclass
class ChunkResult:
    done: dict[int, Allocated] = field(default_factory=dict)
    failed: dict[int, BackroomError] = field(default_factory=dict)
    quotes: QuoteCache | None = None  # for the next chunk of the run


@dataclass(frozen=True, slots=True)
class _Order:
    """One order to place: its demand (quantities to place now) and what already waits on a
    backorder per line (before this allocation)."""

    want: Demand
    waiting: dict[int, int]


def allocate_chunk(uow: UnitOfWork, order_ids: Sequence[int], *, strategy: str | None = None,
                   backorders: bool = False, quotes: QuoteCache | None = None) -> ChunkResult:
    """Allocate ``order_ids`` (in this order) in one transaction (joined if one is open);
    every order is either allocated or reported failed with its error. ``quotes``: the rate
    quotes of the run's previous chunk, to reuse."""
    with _gc_paused(), uow.transaction() as conn:
        try:
            with conn.begin_nested():
                return _chunk(uow, conn, order_ids, strategy, backorders, quotes)
        except BackroomError:
            pass
        out = ChunkResult(quotes=quotes)  # one at a time: only the order at fault fails
        for order_id in order_ids:
            try:
                out.done[order_id] = allocate_one(uow, order_id, strategy=strategy,
                                                  backorders=backorders)
            except BackroomError as err:
                out.failed[order_id] = err
        return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk runs. A chunk makes and drops hundreds of
    thousands of short-lived objects (rows, plans, parameters); the collector would promote
    the live ones and walk the whole heap a few times per chunk for garbage that reference
    counting frees anyway. Collection resumes after the chunk."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def allocate_one(uow: UnitOfWork, order_id: int, *, strategy: str | None = None,
                 backorders: bool = False) -> Allocated:
    """One order in its own savepoint, tried again (with a fresh plan) if another process
    took the planned stock first; its error is raised."""
    for attempt in range(RETRIES):
        try:
            # A savepoint per attempt: a failed one leaves nothing behind, also when this runs
            # inside a larger transaction (backorders filled by a receipt).
            with uow.transaction() as conn, conn.begin_nested():
                result = _chunk(uow, conn, [order_id], strategy, backorders, None)
                if order_id in result.failed:
                    raise result.failed[order_id]
                return result.done[order_id]
        except InsufficientStock:
            if attempt == RETRIES - 1:
                raise  # stock kept moving under us; the caller may try again later
    raise AssertionError("unreachable")


def _chunk(uow: UnitOfWork, conn: Connection, order_ids: Sequence[int], strategy: str | None,
           backorders: bool, quotes: QuoteCache | None) -> ChunkResult:
    from backroom.fulfillment.sourcing.service import Planner

    out = ChunkResult(quotes=quotes)
    out.failed.update(order_demand.blocked(conn, order_ids))
    wants = order_demand.demands(conn, [i for i in order_ids if i not in out.failed])
    todo: list[_Order] = []
    for order_id in order_ids:
        if order_id in out.failed:
            continue
        item = _prepared(wants[order_id], backorders)
        if any(line.qty for line in item.want.lines):
            todo.append(item)
        else:
            out.done[order_id] = Allocated(order_id)
    if not todo:
        return out
    planner = Planner(conn, strategy=strategy, quotes=quotes)
    out.quotes = planner.quotes
    planner.load([item.want for item in todo])
    plans: list[tuple[_Order, Plan]] = []
    for item in todo:
        try:
            plan = planner.plan(item.want)
        except BackroomError as err:
            out.failed[item.want.order_id] = err
            continue
        planner.take(plan)
        plans.append((item, plan))
    out.done.update(_write(uow, conn, plans, planner.tracking, backorders))
    return out


def _prepared(want: Demand, backorders: bool) -> _Order:
    waiting = {line.line_id: line.backordered for line in want.lines}
    if backorders:
        want = replace(want, lines=tuple(replace(line, qty=line.qty + line.backordered)
                                         for line in want.lines))
    return _Order(want, waiting)


def _write(uow: UnitOfWork, conn: Connection, plans: list[tuple[_Order, Plan]],
           tracking: dict[int, str], backorders: bool) -> dict[int, Allocated]:
    """Reserve, tell the order lines, open the fulfillment orders and keep the decisions of
    every planned order, set-based."""
    reservations.reserve_many(conn, [
        reservations.ReserveRequest(a.warehouse_id, a.sku_id, a.qty,
                                    reservation_reference(a.line_id), tracking[a.sku_id])
        for _, plan in plans for a in plan.assignments])
    changes: list[progress.LineChange] = []
    units: list[fulfillment_orders.NewUnits] = []
    done: dict[int, Allocated] = {}
    for item, plan in plans:
        changes += _line_changes(item, plan, backorders)
        units += _new_units(item.want, plan)
        done[item.want.order_id] = Allocated(
            item.want.order_id, reserved_units=plan.assigned_units,
            backordered_units=plan.backordered_units, reason=plan.reason,
            strategy=plan.strategy)
    progress.record_many(uow, changes)
    for u, fo_id in zip(units, fulfillment_orders.create_many(conn, units), strict=True):
        done[u.order_id].fulfillment_order_ids.append(fo_id)
    from backroom.fulfillment.sourcing.service import record_decisions

    record_decisions(conn, [(item.want.order_id, plan) for item, plan in plans])
    return done


def _line_changes(item: _Order, plan: Plan, backorders: bool) -> list[progress.LineChange]:
    """What the order lines are told: the reserved units, then the units now backordered
    (reserving fills a line's backorder first; what still waits counts as backordered)."""
    changes = [progress.LineChange(a.line_id, a.qty, "reserved") for a in plan.assignments]
    got: dict[int, int] = defaultdict(int)
    for a in plan.assignments:
        got[a.line_id] += a.qty
    for line_id, qty in plan.backordered:
        waiting = item.waiting.get(line_id, 0)
        still = waiting - min(got[line_id], waiting)
        new = qty - still if backorders else qty
        if new > 0:
            changes.append(progress.LineChange(line_id, new, "backordered"))
    return changes


def _new_units(want: Demand, plan: Plan) -> list[fulfillment_orders.NewUnits]:
    """One fulfillment order's units per warehouse used, in warehouse id order."""
    per_warehouse: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for a in plan.assignments:
        per_warehouse[a.warehouse_id].append((a.line_id, a.sku_id, a.qty))
    out = []
    for warehouse_id, lines in sorted(per_warehouse.items()):
        route = plan.shipments.get(warehouse_id)
        out.append(fulfillment_orders.NewUnits(
            want.order_id, warehouse_id, lines, promised_date=want.promised_date,
            carrier=getattr(route, "carrier", "") or "",
            service=getattr(route, "service", "") or "",
            estimated_cost_minor=getattr(route, "cost_minor", None)))
    return out
