"""The order lifecycle on storage: recompute the derived states, write history and events,
place and lift holds, cancel orders or lines (releasing their reservations).

These helpers work on the caller's connection; the public use cases in ``services`` wrap them
in one transaction each. The order row is locked first (PostgreSQL ``FOR UPDATE``; SQLite
writers are serialised by ``BEGIN IMMEDIATE``), then its lines, always in that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, select, update

from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.bulk import insert_rows
from backroom.db.prepared import Prepared
from backroom.db.uow import UnitOfWork
from backroom.orders.errors import OrderNotEditable
from backroom.orders.model import (
    AUTOMATIC_HOLDS,
    FINAL_STATES,
    SYSTEM,
    CancelPlan,
    HoldKind,
    InvalidTransition,
    LineCounts,
    OrderState,
    derive_state,
    fulfillment_state,
    payment_state,
    plan_cancel,
    transition,
)
from backroom.orders.payloads import paid_payload
from backroom.orders.tables import ORDER_HISTORY, ORDER_HOLDS, ORDER_LINES, ORDERS

OC, L, H = ORDERS.c, ORDER_LINES.c, ORDER_HOLDS.c
RESERVATION_PREFIX = "order-line:"


def reservation_reference(line_id: int) -> str:
    """The reference inventory reservations for an order line are made under."""
    return f"{RESERVATION_PREFIX}{line_id}"


# Built once: these run several times for every imported order.
_ORDER = select(ORDERS).where(OC.id == bindparam("id"))
_LINES = select(ORDER_LINES).where(L.order_id == bindparam("id")).order_by(L.position, L.id)
_HOLDS = (select(ORDER_HOLDS).where(H.order_id == bindparam("id"), H.released_at.is_(None))
          .order_by(H.id))
_LOCKED = {False: (_ORDER, _LINES), True: (_ORDER.with_for_update(), _LINES.with_for_update())}


def lock_order(conn: Connection, order_id: int) -> Row[Any]:
    stmt = _LOCKED[conn.dialect.name == "postgresql"][0]
    row = conn.execute(stmt, {"id": order_id}).first()
    if row is None:
        raise NotFound(f"no order with id {order_id}", data={"order_id": order_id})
    return row


def lines_of(conn: Connection, order_id: int) -> list[Row[Any]]:
    stmt = _LOCKED[conn.dialect.name == "postgresql"][1]
    return list(conn.execute(stmt, {"id": order_id}).all())


def counts_of(line: Any) -> LineCounts:
    return LineCounts(qty=line.qty, cancelled=line.qty_cancelled, reserved=line.qty_reserved,
                      shipped=line.qty_shipped, returned=line.qty_returned,
                      backordered=line.qty_backordered,
                      requires_shipping=bool(line.requires_shipping))


def active_holds(conn: Connection, order_id: int) -> list[Row[Any]]:
    return list(conn.execute(_HOLDS, {"id": order_id}).all())


def note(conn: Connection, order_id: int, actor: str, action: str, *, text: str = "",
         before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Append one entry to the order's history."""
    conn.execute(insert(ORDER_HISTORY), _note_row(order_id, clock.now(), actor, action,
                                                  text=text, before=before, after=after))


def emit(conn: Connection, order_id: int, kind: str, payload: dict[str, Any]) -> None:
    record(conn, [_event(order_id, kind, payload)])


# ---------------------------------------------------------------------------------------------
# Derived states


def refresh(conn: Connection, order_id: int, actor: str, *, created: bool = False) -> str:
    """Recompute state, payment and fulfillment states from the lines, holds and payments;
    record the change, and emit ``order.released`` / ``order.paid`` when they happen."""
    return refresh_many(conn, [order_id], actor, created=created)[order_id]


def refresh_many(conn: Connection, order_ids: Iterable[int], actor: str, *,
                 created: bool = False,
                 locked: dict[int, Row[Any]] | None = None) -> dict[int, str]:
    """``refresh`` for many orders with a handful of statements (orders locked in id order);
    returns each order's state. ``locked``: the order rows the caller already locked in this
    transaction (their derived columns unchanged since), so they are not read again."""
    ids = sorted(set(order_ids))
    orders = locked if locked is not None and all(i in locked for i in ids) \
        else lock_orders(conn, ids)
    counts: dict[int, list[LineCounts]] = {i: [] for i in ids}
    for line in _in_chunks(conn, _LINES_OF, ids):
        counts[line.order_id].append(counts_of(line))
    holds: dict[int, int] = dict.fromkeys(ids, 0)
    for row in _in_chunks(conn, _HOLD_COUNTS, ids):
        holds[row.order_id] = row.n
    now = clock.now()
    changes: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    events: list[DomainEvent] = []
    states: dict[int, str] = {}
    for order_id in ids:
        order = orders[order_id]
        state, values = _derived(order, counts[order_id], holds[order_id], now)
        states[order_id] = state.value
        current = OrderState(order.state)
        if any(getattr(order, k) != v for k, v in values.items()):
            changes.append({"b_id": order_id, "b_now": now, **{f"b_{k}": v
                                                               for k, v in values.items()}})
        if state != current and not created:
            history.append(_note_row(order_id, now, actor, "state", before={
                "state": current.value}, after={"state": state.value}))
        if state in (OrderState.OPEN, OrderState.PROCESSING) and (
                created or current == OrderState.ON_HOLD):
            events.append(_event(order_id, "order.released", {"number": order.number}))
        if order.paid_at is None and values["paid_at"] is not None:
            history.append(_note_row(order_id, now, actor, "paid",
                                     after={"paid": order.paid_minor}))
            events.append(_event(order_id, "order.paid", paid_payload(order)))
    if changes:
        _UPDATE_DERIVED.executemany(conn, changes)
    if history:
        insert_rows(conn, ORDER_HISTORY, history)
    if events:
        record(conn, events)
    return states


def _derived(order: Any, counts: list[LineCounts], holds: int,
             now: Any) -> tuple[OrderState, dict[str, Any]]:
    """The order's target state and the derived columns' new values."""
    target = derive_state(counts, holds)
    try:
        state = transition(OrderState(order.state), target)
    except InvalidTransition as exc:
        raise OrderNotEditable(f"order {order.number}: {exc}",
                               data={"order_id": order.id}) from None
    cancelled_at = order.cancelled_at
    if state == OrderState.CANCELLED and cancelled_at is None:
        cancelled_at = now
    paid_at = order.paid_at
    if paid_at is None and order.paid_minor >= order.total_minor:
        paid_at = now
    return state, {
        "state": state.value,
        "payment_state": payment_state(order.total_minor, order.authorized_minor,
                                       order.paid_minor, order.refunded_minor).value,
        "fulfillment_state": fulfillment_state(counts).value,
        "cancelled_at": cancelled_at, "paid_at": paid_at}


def lock_orders(conn: Connection, order_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The orders' rows, locked in id order (PostgreSQL ``FOR UPDATE``); ``NotFound`` names
    the first id that does not exist."""
    ids = sorted(set(order_ids))
    stmt = _ORDERS_LOCKED if conn.dialect.name == "postgresql" else _ORDERS_IN
    found = {r.id: r for r in _in_chunks(conn, stmt, ids)}
    for order_id in ids:
        if order_id not in found:
            raise NotFound(f"no order with id {order_id}", data={"order_id": order_id})
    return found


def _in_chunks(conn: Connection, stmt: Any, ids: Sequence[int], size: int = 500) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(ids), size):
        rows += conn.execute(stmt, {"ids": list(ids[start:start + size])}).all()
    return rows


def _note_row(order_id: int, at: Any, actor: str, action: str, *, text: str = "",
              before: dict[str, Any] | None = None,
              after: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"order_id": order_id, "at": at, "actor": actor[:100], "action": action,
            "note": text[:500], "before": before, "after": after}


def _event(order_id: int, kind: str, payload: dict[str, Any]) -> DomainEvent:
    return DomainEvent(kind, {"order_id": order_id, **payload}, aggregate=f"order:{order_id}")


_ORDERS_IN = select(ORDERS).where(OC.id.in_(bindparam("ids", expanding=True))).order_by(OC.id)
_ORDERS_LOCKED = _ORDERS_IN.with_for_update()
_LINES_OF = (select(ORDER_LINES).where(L.order_id.in_(bindparam("ids", expanding=True)))
             .order_by(L.order_id, L.position, L.id))
_HOLD_COUNTS = (select(H.order_id, func.count().label("n"))
                .where(H.order_id.in_(bindparam("ids", expanding=True)), H.released_at.is_(None))
                .group_by(H.order_id))
_UPDATE_DERIVED = Prepared(update(ORDERS).where(OC.id == bindparam("b_id")).values(
    state=bindparam("b_state"), payment_state=bindparam("b_payment_state"),
    fulfillment_state=bindparam("b_fulfillment_state"),
    cancelled_at=bindparam("b_cancelled_at"), paid_at=bindparam("b_paid_at"),
    updated_at=bindparam("b_now")))


# ---------------------------------------------------------------------------------------------
# Holds


def place_hold(conn: Connection, order_id: int, kind: HoldKind, reason: str, actor: str) -> int:
    """Put the order on hold; an automatic hold already active just gets the new reason."""
    order = lock_order(conn, order_id)
    if OrderState(order.state) in FINAL_STATES:
        raise OrderNotEditable(f"order {order.number} is {order.state}: it cannot be held",
                               data={"order_id": order_id})
    existing = next((h for h in active_holds(conn, order_id) if h.kind == kind.value), None)
    if existing is not None:
        if actor != SYSTEM or kind not in AUTOMATIC_HOLDS:
            raise Conflict(f"order {order.number} already has an active {kind} hold "
                           f"(id {existing.id})", data={"hold_id": existing.id})
        if existing.reason != reason[:500]:
            conn.execute(update(ORDER_HOLDS).where(H.id == existing.id)
                         .values(reason=reason[:500]))
            note(conn, order_id, actor, "hold_reason", before={"reason": existing.reason},
                 after={"reason": reason[:500]})
        return int(existing.id)
    hold_id = int(conn.execute(insert(ORDER_HOLDS).values(
        order_id=order_id, kind=kind.value, reason=reason[:500], placed_at=clock.now(),
        placed_by=actor[:100], release_note="").returning(H.id)).scalar_one())
    note(conn, order_id, actor, "held", text=reason,
         after={"hold_id": hold_id, "kind": kind.value})
    emit(conn, order_id, "order.held", {"hold_id": hold_id, "kind": kind.value,
                                        "reason": reason[:500]})
    return hold_id


def release_hold(conn: Connection, order_id: int, hold_id: int, actor: str,
                 text: str = "") -> Row[Any]:
    lock_order(conn, order_id)
    hold = conn.execute(select(ORDER_HOLDS).where(H.id == hold_id,
                                                  H.order_id == order_id)).first()
    if hold is None:
        raise NotFound(f"order {order_id} has no hold {hold_id}", data={"hold_id": hold_id})
    if hold.released_at is not None:
        raise Conflict(f"hold {hold_id} was already released by {hold.released_by}",
                       data={"hold_id": hold_id})
    conn.execute(update(ORDER_HOLDS).where(H.id == hold_id).values(
        released_at=clock.now(), released_by=actor[:100], release_note=text[:500]))
    note(conn, order_id, actor, "hold_released", text=text,
         before={"hold_id": hold_id, "kind": hold.kind})
    return hold


def lift_automatic(conn: Connection, order_id: int, kind: HoldKind, text: str) -> bool:
    """Release the system's active hold of ``kind`` (the cause is gone); manual holds stay."""
    for hold in active_holds(conn, order_id):
        if hold.kind == kind.value and hold.placed_by == SYSTEM:
            release_hold(conn, order_id, hold.id, SYSTEM, text)
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Cancellation


def cancel_lines(uow: UnitOfWork, conn: Connection, order_id: int,
                 wanted: Sequence[tuple[int, int | None]] | None, reason: str,
                 actor: str) -> list[dict[str, Any]]:
    """Cancel ``qty`` (None: all that can be) of each (line id, qty); ``wanted`` None cancels
    the whole order. Reserved units have their reservations released. All or nothing."""
    order = lock_order(conn, order_id)
    lines = {line.id: line for line in lines_of(conn, order_id)}
    plans = _plans(order, lines, wanted)
    done = []
    for line_id, plan in plans:
        line = lines[line_id]
        if plan.from_reserved:
            _release_reservations(uow, conn, line_id, plan.from_reserved)
        conn.execute(update(ORDER_LINES).where(L.id == line_id).values(
            qty_cancelled=L.qty_cancelled + plan.qty,
            qty_reserved=L.qty_reserved - plan.from_reserved,
            qty_backordered=L.qty_backordered - plan.from_backorder))
        done.append({"line_id": line_id, "sku": line.channel_sku, "qty": plan.qty,
                     "released": plan.from_reserved})
    if not done:
        return []
    whole = wanted is None
    if whole and reason:
        conn.execute(update(ORDERS).where(OC.id == order_id).values(cancel_reason=reason[:200]))
    note(conn, order_id, actor, "cancelled", text=reason, after={"lines": done, "whole": whole})
    emit(conn, order_id, "order.cancelled", {"number": order.number, "whole": whole,
                                             "reason": reason[:200], "lines": done})
    return done


def _plans(order: Any, lines: dict[int, Any], wanted: Sequence[tuple[int, int | None]] | None
           ) -> list[tuple[int, CancelPlan]]:
    if wanted is None:
        plans = [(i, plan_cancel(counts_of(line))) for i, line in lines.items()]
        return [(i, p) for i, p in plans if p.qty]
    problems: list[tuple[str, str, int | None]] = []
    plans = []
    for n, (line_id, qty) in enumerate(wanted):
        line = lines.get(line_id)
        if line is None:
            problems.append((f"lines[{n}].line_id", f"is not a line of order {order.number}",
                             line_id))
            continue
        if qty is not None and qty <= 0:
            problems.append((f"lines[{n}].qty", "must be a positive whole number", qty))
            continue
        try:
            plans.append((line_id, plan_cancel(counts_of(line), qty)))
        except ValueError as exc:
            problems.append((f"lines[{n}].qty", f"line {line_id}: {exc}", qty))
    if problems:
        raise ValidationFailed.of([Problem(f, m, v) for f, m, v in problems])
    return [(i, p) for i, p in plans if p.qty]


def _release_reservations(uow: UnitOfWork, conn: Connection, line_id: int, qty: int) -> None:
    # Units in fulfillment orders are given back there (in their warehouse); the hook is
    # imported here because fulfillment builds on orders, not the other way round.
    from backroom.fulfillment.fulfillment_orders import release_for_cancel
    from backroom.inventory import services as inventory

    left = release_for_cancel(conn, line_id, qty)
    if left:
        inventory.release(uow, reference=reservation_reference(line_id), qty=left)
