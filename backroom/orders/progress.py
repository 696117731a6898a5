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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select, update

from backroom.core.errors import NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.orders import lifecycle
from backroom.orders.errors import OrderOnHold
from backroom.orders.lifecycle import reservation_reference
from backroom.orders.model import LineCounts, OrderState
from backroom.orders.tables import ORDER_LINES, ORDERS

OC, L = ORDERS.c, ORDER_LINES.c
__all__ = ["BackorderedLine", "assert_releasable", "backordered_lines", "fill_backorders",
           "record_backordered", "record_reserved", "record_returned", "record_shipped",
           "record_unreserved", "reservation_reference"]


@dataclass(frozen=True, slots=True)
class BackorderedLine:
    line_id: int
    order_id: int
    product_id: int
    qty: int  # units waiting for stock
    placed_at: Any
    reference: str  # reserve stock for it under this reference


def assert_releasable(uow: UnitOfWork, order_id: int) -> None:
    """``OrderOnHold`` unless the order may go to fulfillment (open or processing, no hold)."""
    with uow.transaction() as conn:
        order = lifecycle.lock_order(conn, order_id)
        holds = lifecycle.active_holds(conn, order_id)
        if holds or order.state not in (OrderState.OPEN, OrderState.PROCESSING):
            kinds = ", ".join(h.kind for h in holds) or order.state
            raise OrderOnHold(f"order {order.number} cannot be released to fulfillment: {kinds}",
                              data={"order_id": order_id, "holds": [h.kind for h in holds]})


def _line(conn: Connection, line_id: int) -> tuple[Row[Any], LineCounts]:
    order_id = conn.execute(select(L.order_id).where(L.id == line_id)).scalar_one_or_none()
    if order_id is None:
        raise NotFound(f"no order line {line_id}", data={"line_id": line_id})
    lifecycle.lock_order(conn, order_id)
    row = conn.execute(select(ORDER_LINES).where(L.id == line_id)).one()
    return row, lifecycle.counts_of(row)


def _positive(qty: int) -> None:
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise ValidationFailed.single("qty", qty, "must be a positive whole number")


def _change(uow: UnitOfWork, line_id: int, qty: int, actor: str, action: str,
            step: Callable[[LineCounts, int], dict[str, int]]) -> dict[str, Any]:
    _positive(qty)
    with uow.transaction() as conn:
        row, counts = _line(conn, line_id)
        try:
            deltas = step(counts, qty)
        except ValueError as exc:
            raise ValidationFailed.single("qty", qty, f"line {line_id}: {exc}") from None
        after = LineCounts(**{**_fields(counts), **{k: getattr(counts, k) + v
                                                     for k, v in deltas.items()}})
        if after.problems():
            raise ValidationFailed.single("qty", qty, f"line {line_id}: "
                                          + "; ".join(after.problems()))
        conn.execute(update(ORDER_LINES).where(L.id == line_id).values(
            **{f"qty_{k}": getattr(L, f"qty_{k}") + v for k, v in deltas.items()}))
        lifecycle.note(conn, row.order_id, actor, action, before={"line_id": line_id,
                       **_fields(counts)}, after={"line_id": line_id, **_fields(after)})
        state = lifecycle.refresh(conn, row.order_id, actor)
        return {"line_id": line_id, "order_id": row.order_id, "state": state,
                **_fields(after), "open": after.open}


def _fields(c: LineCounts) -> dict[str, Any]:
    return {"qty": c.qty, "cancelled": c.cancelled, "reserved": c.reserved,
            "shipped": c.shipped, "returned": c.returned, "backordered": c.backordered,
            "requires_shipping": c.requires_shipping}


def _reserve(c: LineCounts, q: int) -> dict[str, int]:
    if q > c.open:
        raise ValueError(f"only {c.open} units are open")
    # Reserving for a backordered line fills its backorder first.
    return {"reserved": q, "backordered": -min(q, c.backordered)}


def record_reserved(uow: UnitOfWork, line_id: int, qty: int, *,
                    actor: str = "fulfillment") -> dict[str, Any]:
    """``qty`` open units of the line are now reserved (the caller reserved the stock)."""
    return _change(uow, line_id, qty, actor, "reserved", _reserve)


def record_unreserved(uow: UnitOfWork, line_id: int, qty: int, *,
                      actor: str = "fulfillment") -> dict[str, Any]:
    """``qty`` reserved units are open again (the caller released their reservation)."""
    return _change(uow, line_id, qty, actor, "unreserved", lambda c, q: {"reserved": -q})


def record_shipped(uow: UnitOfWork, line_id: int, qty: int, *,
                   actor: str = "fulfillment") -> dict[str, Any]:
    """``qty`` units left the building: reserved units first, then open ones."""
    def step(c: LineCounts, q: int) -> dict[str, int]:
        if q > c.reserved + c.open:
            raise ValueError(f"only {c.reserved + c.open} units can still ship "
                             f"({c.shipped} already shipped, {c.cancelled} cancelled)")
        from_reserved = min(q, c.reserved)
        from_open = q - from_reserved
        return {"reserved": -from_reserved, "shipped": q,
                "backordered": -max(0, from_open - (c.open - c.backordered))}
    return _change(uow, line_id, qty, actor, "shipped", step)


def record_returned(uow: UnitOfWork, line_id: int, qty: int, *,
                    actor: str = "service") -> dict[str, Any]:
    return _change(uow, line_id, qty, actor, "returned", lambda c, q: {"returned": q})


def record_backordered(uow: UnitOfWork, line_id: int, qty: int, *,
                       actor: str = "fulfillment") -> dict[str, Any]:
    """``qty`` open units wait for stock; ``fill_backorders`` reserves them when it comes."""
    def step(c: LineCounts, q: int) -> dict[str, int]:
        if q > c.open - c.backordered:
            raise ValueError(f"only {c.open - c.backordered} open units are not backordered")
        return {"backordered": q}
    result = _change(uow, line_id, qty, actor, "backordered", step)
    with uow.transaction() as conn:
        lifecycle.emit(conn, result["order_id"], "order.backordered",
                       {"line_id": line_id, "qty": qty})
    return result


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
