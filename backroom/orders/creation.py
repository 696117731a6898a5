"""Creating a new order from a draft: everything is decided first (products, address,
automatic holds, the derived states), then written in a handful of statements: the order row,
its lines, its holds, its history and its events.

This is the hot path of intake (the pipeline benchmark imports thousands of orders a second),
so statements are compiled once and rows go in as batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Insert, Row
from sqlalchemy.dialects import postgresql, sqlite

from backroom.core import clock
from backroom.core.events import DomainEvent, record
from backroom.db import bulk
from backroom.orders import channels, rows
from backroom.orders.address import hold_reason, normalise
from backroom.orders.drafts import AddressDraft, LineDraft, OrderDraft
from backroom.orders.model import (
    SETTLED_PAYMENT,
    SYSTEM,
    HoldKind,
    LineCounts,
    OrderState,
    derive_state,
    fulfillment_state,
    payment_state,
    unknown_sku_reason,
)
from backroom.orders.payloads import paid_payload, refund_payload
from backroom.orders.tables import ORDER_HISTORY, ORDER_HOLDS, ORDER_LINES, ORDERS

OC = ORDERS.c
PAYMENT_HOLD_REASON = "the channel reports the payment as not (fully) received"


@dataclass(frozen=True, slots=True)
class NewOrder:
    """What a new order will look like, decided before anything is written."""

    lines: list[LineDraft]
    products: dict[str, int]
    address: AddressDraft
    holds: list[tuple[HoldKind, str]]
    counts: list[LineCounts]
    state: OrderState


def plan(conn: Connection, channel_id: int, draft: OrderDraft) -> NewOrder:
    return plan_many(conn, channel_id, [draft])[0]


def plan_many(conn: Connection, channel_id: int, drafts: Sequence[OrderDraft]) -> list[NewOrder]:
    """What each new order will look like (products resolved for all of them at once)."""
    lines = [[ln for ln in draft.lines if ln.qty > 0] for draft in drafts]
    return [_plan(draft, wanted, products) for draft, wanted, products in zip(
        drafts, lines, channels.resolve_many(conn, channel_id, lines), strict=True)]


def _plan(draft: OrderDraft, lines: list[LineDraft], products: dict[str, int]) -> NewOrder:
    address, issues = normalise(draft.ship_to)
    holds: list[tuple[HoldKind, str]] = []
    if not draft.cancelled:
        unknown = [ln.channel_sku or ln.variant_ref or f"(no SKU: {ln.name})" for ln in lines
                   if ln.requires_shipping and ln.external_id not in products]
        if unknown:
            holds.append((HoldKind.UNKNOWN_SKU, unknown_sku_reason(unknown)))
        if issues:
            holds.append((HoldKind.ADDRESS_PROBLEM, hold_reason(issues)))
        pay = draft.payment
        if payment_state(draft.total_minor, pay.authorized_minor, pay.paid_minor,
                         pay.refunded_minor) not in SETTLED_PAYMENT:
            holds.append((HoldKind.PAYMENT_PENDING, PAYMENT_HOLD_REASON))
    counts = [LineCounts(ln.qty, cancelled=ln.qty if draft.cancelled else 0,
                         requires_shipping=ln.requires_shipping) for ln in lines]
    return NewOrder(lines, products, address, holds, counts, derive_state(counts, len(holds)))


@cache
def _order_insert(dialect: str) -> Insert:
    module = postgresql if dialect == "postgresql" else sqlite
    return (module.insert(ORDERS)
            .on_conflict_do_nothing(index_elements=["channel_id", "external_id"])
            .returning(OC.id))


def insert_order(conn: Connection, ch: Row[Any], draft: OrderDraft, new: NewOrder) -> int | None:
    """The new order's id, or None if the channel already has an order with this id (a
    concurrent import of the same order waits here until the other one commits)."""
    found = conn.execute(_order_insert(conn.dialect.name),
                         _order_values(ch, draft, new, clock.now())).scalar_one_or_none()
    return None if found is None else int(found)


def insert_orders(conn: Connection, ch: Row[Any],
                  planned: Sequence[tuple[OrderDraft, NewOrder]]) -> dict[str, int]:
    """``insert_order`` for many orders of one channel (distinct external ids the caller found
    missing in this transaction): the new ids by external id. On PostgreSQL an order a
    concurrent import committed meanwhile is left out (the caller updates it instead); SQLite
    writers hold the database's write lock for the whole transaction, so nobody can."""
    now = clock.now()
    values = [_order_values(ch, d, n, now) for d, n in planned]
    if not values:
        return {}
    if conn.dialect.name == "sqlite":
        ids = bulk.insert_ids(conn, ORDERS, values)
        return {v["external_id"]: i for v, i in zip(values, ids, strict=True)}
    stmt = (postgresql.insert(ORDERS)
            .on_conflict_do_nothing(index_elements=["channel_id", "external_id"])
            .returning(OC.id, OC.external_id))
    return {r.external_id: int(r.id) for r in conn.execute(stmt, values)}


def _order_values(ch: Row[Any], draft: OrderDraft, new: NewOrder, now: Any) -> dict[str, Any]:
    pay = draft.payment
    return {
        "channel_id": ch.id, "external_id": draft.external_id,
        "number": (draft.number or draft.external_id)[:64], "currency": draft.currency,
        "state": new.state.value,
        "payment_state": payment_state(draft.total_minor, pay.authorized_minor,
                                       pay.paid_minor, pay.refunded_minor).value,
        "fulfillment_state": fulfillment_state(new.counts).value,
        "placed_at": draft.placed_at or now, "channel_updated_at": draft.updated_at,
        "paid_at": now if pay.paid_minor >= draft.total_minor else None,
        "cancelled_at": now if new.state == OrderState.CANCELLED else None,
        "created_at": now, "updated_at": now, **rows.header_values(draft),
        **rows.address_values(new.address), **rows.money_values(draft)}


def create(conn: Connection, order_id: int, ch: Row[Any], draft: OrderDraft, new: NewOrder,
           actor: str) -> rows.Outcome:
    """Write the lines, holds, history and events of the order just inserted."""
    return create_many(conn, ch, [(order_id, draft, new)], actor)[0]


def create_many(conn: Connection, ch: Row[Any],
                created: Sequence[tuple[int, OrderDraft, NewOrder]],
                actor: str) -> list[rows.Outcome]:
    """``create`` for many orders just inserted: their lines, holds, history and events go in
    with one statement per table."""
    now = clock.now()
    line_ids = iter(bulk.insert_ids(conn, ORDER_LINES, [
        row for order_id, draft, new in created
        for row in rows.line_rows(order_id, new.lines, new.products, cancelled=draft.cancelled)]))
    hold_ids = iter(bulk.insert_ids(conn, ORDER_HOLDS, [
        {"order_id": order_id, "kind": kind.value, "reason": reason[:500], "placed_at": now,
         "placed_by": SYSTEM, "released_at": None, "released_by": None, "release_note": ""}
        for order_id, _, new in created for kind, reason in new.holds]))
    history: list[dict[str, Any]] = []
    events: list[DomainEvent] = []
    outcomes = []
    for order_id, draft, new in created:
        lines = [next(line_ids) for _ in new.lines]
        holds = [next(hold_ids) for _ in new.holds]
        _written(order_id, ch, draft, new, actor, now, lines, holds, history, events)
        outcomes.append(rows.Outcome("new", draft.external_id, order_id,
                                     draft.number or draft.external_id, new.state.value,
                                     [kind.value for kind, _ in new.holds]))
    bulk.insert_rows(conn, ORDER_HISTORY, history)
    record(conn, events)
    return outcomes


def _written(order_id: int, ch: Row[Any], draft: OrderDraft, new: NewOrder, actor: str,
             now: Any, line_ids: list[int], hold_ids: list[int],
             history: list[dict[str, Any]], events: list[DomainEvent]) -> None:
    """The history entries and events of one new order."""
    cancelled = draft.cancelled
    number = draft.number or draft.external_id
    history.append(_entry(order_id, now, actor, "created", "", {
        "channel": ch.code, "external_id": draft.external_id, "lines": len(new.lines),
        "total": draft.total_minor, "currency": draft.currency, "state": new.state.value}))
    events.append(_event(order_id, "order.created", {
        "number": number, "channel": ch.code, "external_id": draft.external_id,
        "currency": draft.currency, "total": draft.total_minor,
        "lines": [{"line_id": i, "sku": ln.channel_sku, "qty": ln.qty}
                  for i, ln in zip(line_ids, new.lines, strict=True)]}))
    for hold_id, (kind, reason) in zip(hold_ids, new.holds, strict=True):
        history.append(_entry(order_id, now, SYSTEM, "held", reason,
                              {"hold_id": hold_id, "kind": kind.value}))
        events.append(_event(order_id, "order.held", {"hold_id": hold_id, "kind": kind.value,
                                                      "reason": reason[:500]}))
    if cancelled:
        done = [{"line_id": i, "sku": ln.channel_sku, "qty": ln.qty, "released": 0}
                for i, ln in zip(line_ids, new.lines, strict=True)]
        reason = draft.cancel_reason or "cancelled in the channel"
        history.append(_entry(order_id, now, actor, "cancelled", reason,
                              {"lines": done, "whole": True}))
        events.append(_event(order_id, "order.cancelled", {
            "number": number, "whole": True, "reason": reason[:200], "lines": done}))
    if new.state == OrderState.OPEN:
        events.append(_event(order_id, "order.released", {"number": number}))
    _payment_events(order_id, draft, actor, now, history, events)


def _payment_events(order_id: int, draft: OrderDraft, actor: str, now: Any,
                    history: list[dict[str, Any]], events: list[DomainEvent]) -> None:
    pay = draft.payment
    order = SimpleNamespace(number=draft.number or draft.external_id, fx_rate=draft.fx_rate,
                            currency=draft.currency, **rows.money_values(draft))
    if pay.paid_minor >= draft.total_minor:
        history.append(_entry(order_id, now, actor, "paid", "", {"paid": pay.paid_minor}))
        events.append(_event(order_id, "order.paid", paid_payload(order)))
    if pay.refunded_minor:
        events.append(_event(order_id, "order.refunded",
                             refund_payload(order, pay.refunded_minor)))


def _entry(order_id: int, at: Any, actor: str, action: str, note: str,
           after: dict[str, Any] | None) -> dict[str, Any]:
    return {"order_id": order_id, "at": at, "actor": actor[:100], "action": action,
            "note": note[:500], "before": None, "after": after}


def _event(order_id: int, kind: str, payload: dict[str, Any]) -> DomainEvent:
    return DomainEvent(kind, {"order_id": order_id, **payload}, aggregate=f"order:{order_id}")
