"""Order use cases: one transaction each (``UnitOfWork``), history and events included.

Intake lives in ``intake`` (``import_order``) and ``batch`` (files); channel set-up and SKU
mapping in ``channels``; what the fulfillment area calls in ``progress``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.orders import channels, lifecycle, queries
from backroom.orders.errors import OrderNotEditable
from backroom.orders.model import FINAL_STATES, HoldKind, OrderState
from backroom.orders.tables import CHANNELS, ORDERS

OC = ORDERS.c
REASON_MAX = 500


def find_order_id(conn: Connection, ref: str | int) -> int:
    """An order by id, or by ``CHANNEL:EXTERNAL_ID``."""
    if isinstance(ref, int) or str(ref).strip().isdigit():
        return int(ref)
    channel, sep, external = str(ref).partition(":")
    if not sep:
        raise ValidationFailed.single("order", ref, "must be an order id or CHANNEL:EXTERNAL_ID")
    found = conn.execute(select(OC.id).join(CHANNELS, CHANNELS.c.id == OC.channel_id).where(
        CHANNELS.c.code == channel.strip().upper(), OC.external_id == external.strip())
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no order {external.strip()!r} from channel {channel.strip().upper()}",
                       data={"order": ref})
    return int(found)


def _reason(reason: str, field: str = "reason") -> str:
    text = " ".join(reason.split())
    if not text:
        raise ValidationFailed.single(field, reason, "is required")
    if len(text) > REASON_MAX:
        raise ValidationFailed.single(field, text[:40] + "…",
                                      f"must be at most {REASON_MAX} characters")
    return text


def place_hold(uow: UnitOfWork, order: str | int, kind: str, reason: str,
               actor: str) -> dict[str, Any]:
    """Hold the order (fraud review, address problem, …): it is not released to fulfillment
    until every hold is released."""
    try:
        hold_kind = HoldKind(kind)
    except ValueError:
        raise ValidationFailed.single("kind", kind, "must be one of " + ", ".join(
            k.value for k in HoldKind)) from None
    text = _reason(reason)
    with uow.transaction() as conn:
        order_id = find_order_id(conn, order)
        hold_id = lifecycle.place_hold(conn, order_id, hold_kind, text, actor)
        lifecycle.refresh(conn, order_id, actor)
        return {"hold_id": hold_id, "order": queries.get_order(conn, order_id)}


def release_hold(uow: UnitOfWork, order: str | int, hold_id: int, actor: str,
                 note: str = "") -> dict[str, Any]:
    """Release one hold; releasing the last one emits ``order.released``."""
    with uow.transaction() as conn:
        order_id = find_order_id(conn, order)
        _check_release(conn, order_id, hold_id)
        lifecycle.release_hold(conn, order_id, hold_id, actor, " ".join(note.split())[:500])
        lifecycle.refresh(conn, order_id, actor)
        return queries.get_order(conn, order_id)


def release_holds(uow: UnitOfWork, order: str | int, actor: str, *, kind: str | None = None,
                  note: str = "") -> dict[str, Any]:
    """Release every active hold of the order (or of one kind) in one go."""
    with uow.transaction() as conn:
        order_id = find_order_id(conn, order)
        holds = [h for h in lifecycle.active_holds(conn, order_id)
                 if kind is None or h.kind == kind]
        if not holds:
            raise Conflict(f"order {order} has no active {kind or ''} hold".replace("  ", " "),
                           data={"order_id": order_id})
        for hold in holds:
            release_hold(uow, order_id, hold.id, actor, note)
        return queries.get_order(conn, order_id)


def _check_release(conn: Connection, order_id: int, hold_id: int) -> None:
    hold = next((h for h in lifecycle.active_holds(conn, order_id) if h.id == hold_id), None)
    if hold is not None and hold.kind == HoldKind.UNKNOWN_SKU.value:
        missing = channels.unknown_skus(conn, order_id)
        if missing:
            raise Conflict(f"lines still have no product ({', '.join(missing[:5])}): map them "
                           "with `backroom orders map-sku` first", data={"skus": missing})


def cancel_order(uow: UnitOfWork, order: str | int, *, reason: str, actor: str,
                 lines: Sequence[tuple[int, int | None]] | None = None) -> dict[str, Any]:
    """Cancel the whole order (``lines`` None) or ``qty`` of given lines (None: all that can
    be). Reserved units have their inventory reservations released; shipped units cannot be
    cancelled (they come back as returns). All or nothing."""
    text = _reason(reason)
    with uow.transaction() as conn:
        order_id = find_order_id(conn, order)
        row = lifecycle.lock_order(conn, order_id)
        if OrderState(row.state) in FINAL_STATES:
            raise OrderNotEditable(f"order {row.number} is already {row.state}",
                                   data={"order_id": order_id, "state": row.state})
        if lines is not None and not lines:
            raise ValidationFailed.single("lines", [], "name at least one line, or leave the "
                                          "lines out to cancel the whole order")
        done = lifecycle.cancel_lines(uow, conn, order_id, lines, text, actor)
        if not done:
            raise Conflict(f"order {row.number} has nothing left to cancel: every unit has "
                           "shipped", data={"order_id": order_id})
        lifecycle.refresh(conn, order_id, actor)
        return {"cancelled": done, "order": queries.get_order(conn, order_id)}
