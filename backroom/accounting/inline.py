"""Optional inline posting: events with posting rules are posted in the transaction that
records them (``BACKROOM_BOOKS_POST_INLINE=true``).

``backroom.core.events.record`` calls the hooks registered with it after writing the outbox
rows; with the setting on, this module registers ``post_inline``. For each event whose type
has posting rules it builds the entry exactly as the worker would (``posting.draft_for``) and
writes it with ``source_event_id`` = the event's id, so the worker, which skips events already
posted, never posts it again. Events of types without rules (``stock.reserved`` on the hot
reservation path) cost one set lookup. What cannot be posted inline (no matching rule, an
inactive account, a missing rate, a period closed a moment ago) is left to the worker, which
records it as a failure as usual: inline posting never makes an operation fail.

The rules, the chart and the closed months are cached on the engine for two seconds, as the
valuation method is; a change made in this process is seen at once (``forget``), one made in
another process within two seconds. A stale "open" month is caught by the database trigger:
the journal part is rolled back to a savepoint and the worker posts the event later.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from backroom.accounting import journal, posting
from backroom.accounting.model import EntryDraft
from backroom.accounting.rules import EventData
from backroom.core.events import DomainEvent, add_record_hook, remove_record_hook
from backroom.core.settings import get_settings

INLINE = "books inline"
_CACHE_S = 2.0
_ATTR = "_backroom_books_inline"


def _context(conn: Connection) -> posting.PostingContext:
    hit = getattr(conn.engine, _ATTR, None)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        ctx: posting.PostingContext = hit[1]
        return ctx
    ctx = posting.load_context(conn, get_settings().base_currency.upper())
    setattr(conn.engine, _ATTR, (now + _CACHE_S, ctx))
    return ctx


def forget(engine: Engine) -> None:
    """Drop the cached rules, chart and closed months (after changing one of them)."""
    setattr(engine, _ATTR, None)


def post_inline(conn: Connection, events: Sequence[DomainEvent], at: datetime) -> None:
    """The ``record`` hook: post ``events`` that have rules, in the caller's transaction."""
    ctx = _context(conn)
    types = ctx.rules.types
    wanted = [e for e in events if e.type in types]
    if not wanted:
        return
    day = at.date()
    drafts = []
    for e in wanted:
        outcome = posting.draft_for(EventData(e.event_id, e.type, e.payload, day), ctx)
        if isinstance(outcome, EntryDraft):
            drafts.append(outcome)
    if not drafts:
        return
    try:
        with conn.begin_nested():
            journal.post_entries(conn, drafts, created_by=INLINE, accounts=ctx.accounts,
                                 closed=ctx.closed, checked=True)
    except DBAPIError:
        forget(conn.engine)  # e.g. a month closed since the cache was filled: the worker posts


def enable() -> None:
    add_record_hook(post_inline)


def disable() -> None:
    remove_record_hook(post_inline)


def sync_with_settings() -> bool:
    """Register or unregister the hook as ``BACKROOM_BOOKS_POST_INLINE`` says; whether on."""
    on = get_settings().books_post_inline
    if on:
        enable()
    else:
        disable()
    return on


sync_with_settings()
