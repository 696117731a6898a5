"""Backorders filled automatically when stock arrives.

``install()`` registers a hook on the outbox (``core.events.add_record_hook``): whenever a
use case records ``stock.moved`` events that bring sellable stock into a warehouse from
outside it — a receipt from a supplier, a transfer arriving, a return, a count that found
units — the backordered order lines of those SKUs are allocated again, oldest order first,
in the same transaction (a chunk of orders at a time, as ``allocation.allocate_ready`` does:
one that cannot be filled leaves nothing behind and never fails the receipt). The API and CLI
install it at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import Connection

from backroom.core.events import DomainEvent, add_record_hook
from backroom.db.uow import UnitOfWork

OUTSIDE = frozenset({"supplier", "transit", "returns", "customer", "loss"})
SELLABLE = frozenset({"input", "storage", "pack", "output"})
_running: ContextVar[bool] = ContextVar("backroom_backorders_running", default=False)


def arrived_skus(events: Sequence[DomainEvent]) -> set[int]:
    """SKUs whose sellable stock in a warehouse grew from outside it."""
    return {int(e.payload["sku_id"]) for e in events if e.type == "stock.moved"
            and e.payload.get("to_kind") in SELLABLE
            and e.payload.get("from_kind") in OUTSIDE}


def on_record(conn: Connection, events: Sequence[DomainEvent], _at: datetime) -> None:
    if _running.get():
        return  # our own reservations and moves do not trigger us again
    skus = arrived_skus(events)
    if not skus:
        return
    from backroom.fulfillment.allocation import fill_backorders

    token = _running.set(True)
    try:
        fill_backorders(UnitOfWork.joined(conn), skus)
    finally:
        _running.reset(token)


def install() -> None:
    """Fill backorders when stock arrives (idempotent)."""
    add_record_hook(on_record)
