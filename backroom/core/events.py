"""Domain events written to the outbox table in the same transaction as the change.

Accounting and outgoing webhooks read the outbox later; nothing is published from inside a
use case, so a rolled-back transaction never leaks an event.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, insert

from backroom.core import clock
from backroom.db.prepared import Prepared


@dataclass(frozen=True, slots=True)
class DomainEvent:
    type: str
    payload: dict[str, Any]
    aggregate: str = ""
    event_id: str = field(default_factory=lambda: new_event_id())


def new_event_id() -> str:
    """A 32-hex-digit id that sorts by creation time (milliseconds, then 80 random bits).

    Time-ordered ids land at the right edge of the outbox's unique index instead of on a
    random page, so a commit rewrites one index page rather than a fresh one each time.
    """
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


# Called by ``record`` after the outbox insert, on the same connection and transaction, with
# the events and their ``occurred_at``. Another area registers one to act in the same
# transaction (accounting's optional inline posting, ``BACKROOM_BOOKS_POST_INLINE``); core
# knows nothing about who. With none registered ``record`` pays one empty-list test.
RecordHook = Callable[[Connection, Sequence[DomainEvent], datetime], None]
_hooks: list[RecordHook] = []


def add_record_hook(hook: RecordHook) -> None:
    """Call ``hook`` after every ``record`` (once, however often it is added)."""
    if hook not in _hooks:
        _hooks.append(hook)


def remove_record_hook(hook: RecordHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def record(conn: Connection, events: Iterable[DomainEvent]) -> None:
    """Append ``events`` to the outbox on ``conn`` (inside the caller's transaction)."""
    from backroom.db.tables import OUTBOX

    at = clock.now()
    batch = events if isinstance(events, list) else list(events)
    rows = [
        {"event_id": e.event_id, "type": e.type, "aggregate": e.aggregate,
         "payload": e.payload, "occurred_at": at}
        for e in batch
    ]
    if len(rows) == 1:
        _single_insert().execute(conn, rows[0])  # the hot path: one event per reservation
    elif rows:
        from backroom.db.bulk import insert_rows

        insert_rows(conn, OUTBOX, rows)
    if _hooks and batch:
        for hook in tuple(_hooks):
            hook(conn, batch, at)


@cache
def _single_insert() -> Prepared:
    from backroom.db.tables import OUTBOX

    columns = ("event_id", "type", "aggregate", "payload", "occurred_at")
    # inline(): no RETURNING of the new id (PostgreSQL would add one); nobody needs it.
    return Prepared(insert(OUTBOX).values({c: bindparam(c) for c in columns}).inline())
