"""What the fulfillment area calls to move order lines along (the orders area owns the counters).

Sourcing, fulfillment orders, picking and shipping live in the fulfillment area; they tell the
order what happened to its lines through these functions, each inside the caller's
transaction (``uow.transaction()`` is re-entrant), so a fulfillment step and the line counters
commit together or not at all:

- ``assert_releasable`` before sourcing an order (refuses held and final orders);
- ``record_reserved`` after reserving stock under ``reservation_reference(line_id)``;
- ``record_unreserved`` after releasing such a reservation without cancelling the units;
- ``record_shipped`` when units leave (from reserved units first);
- ``record_returned`` when shipped units come back;
- ``record_backordered`` when sourcing finds no stock; ``fill_backorders`` when stock arrives
  (call it after receipts, transfer arrivals and positive adjustments of those SKUs).

Every call locks the order row, checks the line invariant (CHECK constraints back it up),
writes history and recomputes the order's states.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update

from backroom.core import clock
from backroom.core.errors import NotFound, Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.bulk import insert_rows
from backroom.db.prepared import Prepared
from backroom.db.uow import UnitOfWork
from backroom.orders import demand, lifecycle
from backroom.orders.lifecycle import reservation_reference
from backroom.orders.model import LineCounts, OrderState
from backroom.orders.tables import ORDER_HISTORY, ORDER_LINES, ORDERS

OC, L = ORDERS.c, ORDER_LINES.c
__all__ = [
    "ACTIONS",
    "BackorderedLine",
    "LineChange",
    "assert_releasable",
    "backordered_lines",
    "fill_backorders",
    "record_backordered",
    "record_many",
    "record_reserved",
    "record_returned",
    "record_shipped",
    "record_unreserved",
    "reservation_reference",
]


@dataclass(frozen=True, slots=True)
class BackorderedLine:
    line_id: int
    order_id: int
    product_id: int
    qty: int  # units waiting for stock
    placed_at: Any
    reference: str  # reserve stock for it under this reference


def assert_releasable(uow: UnitOfWork, order_id: int) -> None:
    """``OrderOnHold`` unless the order may go to fulfillment (open or processing, no hold);
    ``NotFound`` for an unknown order."""
    with uow.transaction() as conn:
        refused = demand.blocked(conn, [order_id]).get(order_id)
    if refused is not None:
        raise refused


@dataclass(frozen=True, slots=True)
class LineChange:
    """One counter change of an order line: ``action`` is one of ``ACTIONS``."""

    line_id: int
    qty: int
    action: str


def _positive(qty: int) -> bool:
    return isinstance(qty, int) and not isinstance(qty, bool) and qty > 0


def record_many(uow: UnitOfWork, changes: Sequence[LineChange], *,
                actor: str = "fulfillment") -> list[dict[str, Any]]:
    """Apply ``changes`` in order, in one transaction, with a handful of statements.

    The same checks, history and derived order states as the one-line functions (which are
    this with one change). All or nothing: ``ValidationFailed`` names every bad change and
    nothing is written; ``NotFound`` names a line that does not exist. Returns one result per
    change (the line's counters after it; ``state`` is the order's state after the batch).
    """
    if not changes:
        return []
    many = len(changes) > 1
    bad = [Problem(f"changes[{n}].qty" if many else "qty", "must be a positive whole number",
                   c.qty) for n, c in enumerate(changes) if not _positive(c.qty)]
    if bad:
        raise ValidationFailed.of(bad)
    with uow.transaction() as conn:
        rows, orders = _lines(conn, {c.line_id for c in changes})
        counts = {i: lifecycle.counts_of(r) for i, r in rows.items()}
        before = dict(counts)
        problems: list[Problem] = []
        results: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        now = clock.now()
        for n, change in enumerate(changes):
            old = counts[change.line_id]
            after = _apply(old, change, problems, n if many else None)
            if after is None:
                continue
            counts[change.line_id] = after
            order_id = rows[change.line_id].order_id
            history.append({"order_id": order_id, "at": now, "actor": actor[:100],
                            "action": change.action, "note": "",
                            "before": {"line_id": change.line_id, **_fields(old)},
                            "after": {"line_id": change.line_id, **_fields(after)}})
            results.append({"line_id": change.line_id, "order_id": order_id,
                            **_fields(after), "open": after.open})
        if problems:
            raise ValidationFailed.of(problems)
        _UPDATE_COUNTS.executemany(conn, [_deltas(i, before[i], counts[i]) for i in sorted(
            i for i in counts if counts[i] != before[i])])
        insert_rows(conn, ORDER_HISTORY, history)
        states = lifecycle.refresh_many(conn, {r["order_id"] for r in results}, actor,
                                        locked=orders)
        record(conn, [DomainEvent("order.backordered", {
            "order_id": rows[c.line_id].order_id, "line_id": c.line_id, "qty": c.qty},
            aggregate=f"order:{rows[c.line_id].order_id}")
            for c in changes if c.action == "backordered"])
    return [{**r, "state": states[r["order_id"]]} for r in results]


def _lines(conn: Connection, line_ids: set[int]) -> tuple[dict[int, Row[Any]],
                                                          dict[int, Row[Any]]]:
    """The lines, read after locking their orders (in id order), and the locked order rows;
    ``NotFound`` for a missing line."""
    ids = sorted(line_ids)
    owners = {r.id: r.order_id for start in range(0, len(ids), 500)
              for r in conn.execute(_OWNERS, {"ids": ids[start:start + 500]})}
    for line_id in ids:
        if line_id not in owners:
            raise NotFound(f"no order line {line_id}", data={"line_id": line_id})
    orders = lifecycle.lock_orders(conn, list(owners.values()))
    return {r.id: r for start in range(0, len(ids), 500)
            for r in conn.execute(_ROWS, {"ids": ids[start:start + 500]})}, orders


def _apply(counts: LineCounts, change: LineChange, problems: list[Problem],
           n: int | None) -> LineCounts | None:
    """The counts after ``change``, or None with the reason added to ``problems``."""
    field = "qty" if n is None else f"changes[{n}].qty"
    try:
        deltas = ACTIONS[change.action](counts, change.qty)
    except ValueError as exc:
        problems.append(Problem(field, f"line {change.line_id}: {exc}", change.qty))
        return None
    after = replace(counts, **{k: getattr(counts, k) + v for k, v in deltas.items()})
    if after.problems():
        problems.append(Problem(field, f"line {change.line_id}: " + "; ".join(after.problems()),
                                change.qty))
        return None
    return after


def _deltas(line_id: int, old: LineCounts, new: LineCounts) -> dict[str, int]:
    return {"b_id": line_id, **{f"b_{k}": getattr(new, k) - getattr(old, k) for k in _COUNTED}}


def _fields(c: LineCounts) -> dict[str, Any]:
    return {"qty": c.qty, "cancelled": c.cancelled, "reserved": c.reserved,
            "shipped": c.shipped, "returned": c.returned, "backordered": c.backordered,
            "requires_shipping": c.requires_shipping}


def _reserve(c: LineCounts, q: int) -> dict[str, int]:
    if q > c.open:
        raise ValueError(f"only {c.open} units are open")
    # Reserving for a backordered line fills its backorder first.
    return {"reserved": q, "backordered": -min(q, c.backordered)}


def _ship(c: LineCounts, q: int) -> dict[str, int]:
    """Reserved units leave first, then open ones."""
    if q > c.reserved + c.open:
        raise ValueError(f"only {c.reserved + c.open} units can still ship "
                         f"({c.shipped} already shipped, {c.cancelled} cancelled)")
    from_reserved = min(q, c.reserved)
    from_open = q - from_reserved
    return {"reserved": -from_reserved, "shipped": q,
            "backordered": -max(0, from_open - (c.open - c.backordered))}


def _backorder(c: LineCounts, q: int) -> dict[str, int]:
    if q > c.open - c.backordered:
        raise ValueError(f"only {c.open - c.backordered} open units are not backordered")
    return {"backordered": q}


ACTIONS: dict[str, Callable[[LineCounts, int], dict[str, int]]] = {
    "reserved": _reserve, "unreserved": lambda c, q: {"reserved": -q}, "shipped": _ship,
    "returned": lambda c, q: {"returned": q}, "backordered": _backorder}
_COUNTED = ("reserved", "shipped", "returned", "backordered")
_OWNERS = select(L.id, L.order_id).where(L.id.in_(bindparam("ids", expanding=True)))
_ROWS = select(ORDER_LINES).where(L.id.in_(bindparam("ids", expanding=True)))
_UPDATE_COUNTS = Prepared(update(ORDER_LINES).where(L.id == bindparam("b_id")).values(
    **{f"qty_{k}": getattr(L, f"qty_{k}") + bindparam(f"b_{k}") for k in _COUNTED}))


def _one(uow: UnitOfWork, line_id: int, qty: int, action: str, actor: str) -> dict[str, Any]:
    return record_many(uow, [LineChange(line_id, qty, action)], actor=actor)[0]


def record_reserved(uow: UnitOfWork, line_id: int, qty: int, *,
                    actor: str = "fulfillment") -> dict[str, Any]:
    """``qty`` open units of the line are now reserved (the caller reserved the stock)."""
    return _one(uow, line_id, qty, "reserved", actor)


def record_unreserved(uow: UnitOfWork, line_id: int, qty: int, *,
                      actor: str = "fulfillment") -> dict[str, Any]:
    """``qty`` reserved units are open again (the caller released their reservation)."""
    return _one(uow, line_id, qty, "unreserved", actor)


def record_shipped(uow: UnitOfWork, line_id: int, qty: int, *,
                   actor: str = "fulfillment") -> dict[str, Any]:
    """``qty`` units left the building: reserved units first, then open ones."""
    return _one(uow, line_id, qty, "shipped", actor)


def record_returned(uow: UnitOfWork, line_id: int, qty: int, *,
                    actor: str = "service") -> dict[str, Any]:
    return _one(uow, line_id, qty, "returned", actor)


def record_backordered(uow: UnitOfWork, line_id: int, qty: int, *,
                       actor: str = "fulfillment") -> dict[str, Any]:
    """``qty`` open units wait for stock; ``fill_backorders`` reserves them when it comes."""
    return _one(uow, line_id, qty, "backordered", actor)


def backordered_lines(uow: UnitOfWork, product_ids: Iterable[int] | None = None
                      ) -> list[BackorderedLine]:
    """Lines waiting for stock, oldest order first (the order they are filled in); only orders
    that may go to fulfillment."""
    query = (select(L.id, L.order_id, L.product_id, L.qty_backordered, OC.placed_at)
             .join(ORDERS, OC.id == L.order_id)
             .where(L.qty_backordered > 0, L.product_id.is_not(None),
                    OC.state.in_([OrderState.OPEN.value, OrderState.PROCESSING.value]))
             .order_by(OC.placed_at, OC.id, L.position))
    if product_ids is not None:
        query = query.where(L.product_id.in_(sorted(set(product_ids))))
    with uow.read() as conn:
        return [BackorderedLine(r.id, r.order_id, r.product_id, r.qty_backordered, r.placed_at,
                                reservation_reference(r.id)) for r in conn.execute(query)]


def fill_backorders(uow: UnitOfWork, product_ids: Iterable[int],
                    allocate: Callable[[UnitOfWork, BackorderedLine], int], *,
                    actor: str = "fulfillment") -> list[dict[str, Any]]:
    """Stock of ``product_ids`` arrived: offer it to backordered lines, oldest first.

    ``allocate`` (the fulfillment area's sourcing) reserves stock for the line under
    ``line.reference`` and returns how many units it reserved (0: none left, stop for that
    product). The line's counters are updated here; do not call ``record_reserved`` too.
    Runs in one transaction with the allocations.
    """
    filled: list[dict[str, Any]] = []
    with uow.transaction():
        exhausted: set[int] = set()
        for line in backordered_lines(uow, product_ids):
            if line.product_id in exhausted:
                continue
            got = allocate(uow, line)
            if not 0 <= got <= line.qty:
                raise ValueError(f"allocate returned {got} for a backorder of {line.qty}")
            if got == 0:
                exhausted.add(line.product_id)
                continue
            filled.append(record_reserved(uow, line.line_id, got, actor=actor))
    return filled
