"""Domain events written to the outbox table in the same transaction as the change.

Accounting and outgoing webhooks read the outbox later; nothing is published from inside a
use case, so a rolled-back transaction never leaks an event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert

from backroom.core import clock


@dataclass(frozen=True, slots=True)
class DomainEvent:
    type: str
    payload: dict[str, Any]
    aggregate: str = ""
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def record(conn: Connection, events: Iterable[DomainEvent]) -> None:
    """Append ``events`` to the outbox on ``conn`` (inside the caller's transaction)."""
    from backroom.db.tables import OUTBOX

    at = clock.now()
    rows = [
        {"event_id": e.event_id, "type": e.type, "aggregate": e.aggregate,
         "payload": e.payload, "occurred_at": at}
        for e in events
    ]
    if rows:
        conn.execute(insert(OUTBOX), rows)
