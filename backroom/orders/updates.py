"""Applying a channel's update to a stored order: change what may still change.

- An update older than the last one applied (the channel's ``updated_at``) is stale: ignored.
- Contact, payment and money fields always follow the channel (they move no stock).
- The ship-to address changes only while nothing is committed to a warehouse (state open or
  on hold); later changes are refused and recorded.
- A line's quantity may rise at any time before the order is final; it may fall only by units
  still open (never reserved or shipped ones): the fall cancels those units. A line the
  channel no longer lists is treated as quantity 0. New lines are added.
- ``cancelled`` in the channel cancels whatever can still be cancelled.
Refused changes come back in ``Outcome.ignored`` and are written to the history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, update

from backroom.core import clock
from backroom.db.uow import UnitOfWork
from backroom.orders import channels, lifecycle, rows
from backroom.orders.address import hold_reason, normalise
from backroom.orders.drafts import LineDraft, OrderDraft
from backroom.orders.errors import CurrencyMismatch
from backroom.orders.model import (
    EDITABLE_STATES,
    FINAL_STATES,
    SETTLED_PAYMENT,
    HoldKind,
    OrderState,
    payment_state,
    plan_quantity,
)
from backroom.orders.payloads import refund_payload
from backroom.orders.tables import ORDER_LINES, ORDERS

OC, L = ORDERS.c, ORDER_LINES.c
_LINE_MONEY = ("name", "unit_price_minor", "gross_minor", "discount_minor", "tax_minor")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


class _Changes:
    """What an update changed (before/after for the history) and what it was refused."""

    def __init__(self) -> None:
        self.before: dict[str, Any] = {}
        self.after: dict[str, Any] = {}
        self.ignored: list[str] = []
        self.cancel: list[tuple[int, int | None]] = []

    def diff(self, stored: Any, values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        changed = {k: v for k, v in values.items() if getattr(stored, k) != v}
        for k, v in changed.items():
            self.before[prefix + k] = _json(getattr(stored, k))
            self.after[prefix + k] = _json(v)
        return changed

    def __bool__(self) -> bool:
        return bool(self.after or self.cancel)


def apply(uow: UnitOfWork, conn: Connection, order: Row[Any], draft: OrderDraft,
          actor: str) -> rows.Outcome:
    if draft.currency != order.currency:
        raise CurrencyMismatch.single(draft.label("currency"), draft.currency,
                                      f"order {order.number} is in {order.currency}; an update "
                                      "cannot change its currency")
    if (draft.updated_at is not None and order.channel_updated_at is not None
            and draft.updated_at < order.channel_updated_at):
        return _outcome(conn, "stale", order, draft)
    state = OrderState(order.state)
    changes = _Changes()
    values = changes.diff(order, {"number": (draft.number or draft.external_id)[:64],
                                  "placed_at": draft.placed_at or order.placed_at,
                                  **_header(draft), **rows.money_values(draft)})
    address, issues = normalise(draft.ship_to)
    new_address = changes.diff(order, rows.address_values(address)) if address_changed(
        order, address) else {}
    if new_address and state not in EDITABLE_STATES:
        changes.ignored.append(f"ship_to: the order is already {state}; the address was not "
                               "changed")
        for key in new_address:
            changes.before.pop(key)
            changes.after.pop(key)
        new_address = {}
    if draft.updated_at is not None and (order.channel_updated_at is None
                                         or draft.updated_at > order.channel_updated_at):
        values["channel_updated_at"] = draft.updated_at
    if values or new_address:
        conn.execute(update(ORDERS).where(OC.id == order.id).values(
            **values, **new_address, updated_at=clock.now()))
    _lines(conn, order, draft, state, changes)
    if state == OrderState.CANCELLED and not draft.cancelled:
        changes.ignored.append("the order was cancelled here; it stays cancelled")
    # A repeat of the update last applied (same channel time) does not note its refusals again.
    repeat = draft.updated_at is not None and draft.updated_at == order.channel_updated_at
    _record(conn, order, changes, actor, note_refused=not repeat)
    if not changes and not (draft.cancelled and state not in FINAL_STATES):
        holds = [h.kind for h in lifecycle.active_holds(conn, order.id)]  # nothing to redo
        return rows.Outcome("unchanged", draft.external_id, order.id, order.number,
                            order.state, holds, changes.ignored)
    if state not in FINAL_STATES:
        _apply_cancellations(uow, conn, order, draft, changes, actor)
        _holds(conn, order.id, draft, issues if new_address else None)
    lifecycle.refresh(conn, order.id, actor)
    return _outcome(conn, "updated" if changes else "unchanged", order, draft, changes.ignored)


def _header(draft: OrderDraft) -> dict[str, Any]:
    values = rows.header_values(draft)
    values.pop("cancel_reason")
    return values


def address_changed(order: Any, address: Any) -> bool:
    return any(getattr(order, k) != v for k, v in rows.address_values(address).items())


def _lines(conn: Connection, order: Row[Any], draft: OrderDraft, state: OrderState,
           changes: _Changes) -> None:
    stored = {ln.external_id: ln for ln in lifecycle.lines_of(conn, order.id)}
    unresolved = [ln for ln in draft.lines if ln.external_id not in stored
                  or stored[ln.external_id].product_id is None]
    products = channels.resolve(conn, order.channel_id, unresolved) if unresolved else {}
    new: list[LineDraft] = []
    for ln in draft.lines:
        row = stored.pop(ln.external_id, None)
        if row is None:
            if ln.qty and state in FINAL_STATES:
                changes.ignored.append(f"{ln.where}: the order is {state}; new lines are not "
                                       "added")
            elif ln.qty:
                new.append(ln)
            continue
        _line_money(conn, row, ln, products.get(ln.external_id), changes)
        _line_qty(conn, row, ln.qty, ln.where, state, changes)
    for row in stored.values():  # lines the channel no longer lists
        _line_qty(conn, row, 0, f"line {row.external_id}", state, changes)
    if new:
        start = max((r.position for r in lifecycle.lines_of(conn, order.id)), default=0) + 1
        ids = rows.insert_lines(conn, order.id, new, products, start)
        changes.after["lines_added"] = [{"line_id": i, "sku": ln.channel_sku, "qty": ln.qty}
                                        for i, ln in zip(ids, new, strict=True)]


def _line_money(conn: Connection, row: Row[Any], ln: LineDraft, product_id: int | None,
                changes: _Changes) -> None:
    wanted = {k: v for k, v in rows.line_values(ln, None).items() if k in _LINE_MONEY}
    if row.product_id is None and product_id is not None:
        wanted["product_id"] = product_id
    values = changes.diff(row, wanted, prefix=f"line {row.external_id}.")
    if values:
        conn.execute(update(ORDER_LINES).where(L.id == row.id).values(**values))


def _line_qty(conn: Connection, row: Row[Any], target: int, where: str, state: OrderState,
              changes: _Changes) -> None:
    plan = plan_quantity(lifecycle.counts_of(row), target)
    if not (plan.add or plan.cancel or plan.refused):
        return
    if state in FINAL_STATES:
        changes.ignored.append(f"{where}: the order is {state}; its quantities no longer change")
    elif plan.refused:
        changes.ignored.append(f"{where}: {plan.refused}")
    elif plan.add:
        conn.execute(update(ORDER_LINES).where(L.id == row.id).values(qty=L.qty + plan.add))
        changes.before[f"line {row.external_id}.qty"] = row.qty - row.qty_cancelled
        changes.after[f"line {row.external_id}.qty"] = target
    elif plan.cancel is not None:
        changes.cancel.append((row.id, plan.cancel.qty))


def _apply_cancellations(uow: UnitOfWork, conn: Connection, order: Row[Any],
                         draft: OrderDraft, changes: _Changes, actor: str) -> None:
    if draft.cancelled:  # the whole order, whatever the lines say
        reason = draft.cancel_reason or "cancelled in the channel"
        changes.cancel = [(0, None)] if lifecycle.cancel_lines(
            uow, conn, order.id, None, reason, actor) else []
    elif changes.cancel:
        lifecycle.cancel_lines(uow, conn, order.id, changes.cancel,
                               "quantity lowered in the channel", actor)


def _holds(conn: Connection, order_id: int, draft: OrderDraft,
           address_issues: list[str] | None) -> None:
    if lifecycle.lock_order(conn, order_id).state == OrderState.CANCELLED.value:
        return
    channels.sync_unknown_hold(conn, order_id)
    if address_issues is not None:
        if address_issues:
            lifecycle.place_hold(conn, order_id, HoldKind.ADDRESS_PROBLEM,
                                 hold_reason(address_issues), "system")
        else:
            lifecycle.lift_automatic(conn, order_id, HoldKind.ADDRESS_PROBLEM,
                                     "the channel sent a valid address")
    pay = draft.payment
    if payment_state(draft.total_minor, pay.authorized_minor, pay.paid_minor,
                     pay.refunded_minor) in SETTLED_PAYMENT:
        lifecycle.lift_automatic(conn, order_id, HoldKind.PAYMENT_PENDING,
                                 "the channel reports the payment")


def _record(conn: Connection, order: Row[Any], changes: _Changes, actor: str, *,
            note_refused: bool) -> None:
    refunded = changes.after.get("refunded_minor", order.refunded_minor)
    if refunded > order.refunded_minor:  # amounts as they are now (the update is written)
        lifecycle.emit(conn, order.id, "order.refunded", refund_payload(
            lifecycle.lock_order(conn, order.id), refunded - order.refunded_minor))
    if changes.after:
        lifecycle.note(conn, order.id, actor, "updated", before=changes.before,
                       after=changes.after)
        lifecycle.emit(conn, order.id, "order.updated", {
            "number": order.number, "changes": sorted(changes.after)})
    if changes.ignored and note_refused:
        lifecycle.note(conn, order.id, actor, "update_refused",
                       text="; ".join(changes.ignored))


def _outcome(conn: Connection, outcome: str, order: Row[Any], draft: OrderDraft,
             ignored: list[str] | None = None) -> rows.Outcome:
    fresh = lifecycle.lock_order(conn, order.id)
    holds = [h.kind for h in lifecycle.active_holds(conn, order.id)]
    return rows.Outcome(outcome, draft.external_id, order.id, fresh.number, fresh.state,
                          holds, ignored or [])
