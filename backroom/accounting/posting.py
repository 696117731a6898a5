"""The posting worker: turns outbox events into journal entries, each event exactly once.

Each batch is one transaction: read the cursor (locked), fetch the next unsettled events, post
their entries, record failures, and move the cursor, all committed together. A crash anywhere
rolls the whole batch back, so nothing is lost and nothing is posted twice; on top of that
``journal_entries.source_event_id`` is UNIQUE and events already posted are skipped.

Why not a plain high-water mark: on PostgreSQL outbox ids come from a sequence, so an id can
be missing for good (a rolled-back insert) or only for now (a transaction that took its id
earlier and commits later, after a higher id is already visible). The cursor therefore keeps
a *low-water mark* below which every id is settled, and the settled ids above it
(``posting_settled``). An id missing below a settled one is a *gap*: it is remembered with the
time it was first seen and passed over only once it is older than ``gap_timeout_s`` (default
five minutes), so an event that commits late is still posted, and a rolled-back id does not
stall the worker. On SQLite writers are serialized and ids never commit out of order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, exists, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backroom.accounting import journal
from backroom.accounting.model import AccountInfo, EntryDraft, entry_problems, posting_date
from backroom.accounting.rules import (
    EventData,
    PostingError,
    Rule,
    RuleBook,
    build_entry,
    facts_of,
    parse_rule,
)
from backroom.accounting.tables import CURSOR, ENTRIES, FAILURES, GAPS, RULES, SETTLED
from backroom.core import clock
from backroom.core.settings import get_settings
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork

CONSUMER = "books"
WORKER = "books worker"
DEFAULT_GAP_TIMEOUT_S = 300.0

# Called after a batch's entries are written and before the cursor moves (tests inject crashes).
before_cursor_update: Callable[[], None] | None = None


@dataclass
class PostingRun:
    events: int = 0
    entries: int = 0
    ignored: int = 0
    failed: int = 0
    late: int = 0
    batches: int = 0
    low_water: int = 0
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "entries": self.entries, "ignored": self.ignored,
                "failed": self.failed, "late": self.late, "batches": self.batches,
                "low_water": self.low_water, "messages": self.messages[:50]}


def post_pending(uow: UnitOfWork, limit: int | None = None, *, batch: int = 500,
                 gap_timeout_s: float = DEFAULT_GAP_TIMEOUT_S,
                 progress: Callable[[PostingRun], None] | None = None) -> PostingRun:
    """Post every pending event (at most ``limit``), ``batch`` events per transaction."""
    run = PostingRun()
    base = get_settings().base_currency.upper()
    while limit is None or run.events < limit:
        size = batch if limit is None else min(batch, limit - run.events)
        with uow.transaction() as conn:
            fetched = _post_batch(conn, size, run, base, gap_timeout_s)
        run.batches += 1
        if progress:
            progress(run)
        if fetched < size:
            break
    return run


def load_rules(conn: Connection) -> list[Rule]:
    r = RULES.c
    return [parse_rule(row.definition, row.name) for row in conn.execute(
        select(r.name, r.definition).where(r.active.is_(True)).order_by(r.id))]


@dataclass
class PostingContext:
    """What turning events into entries needs: rules, the chart, closed months, currency."""

    rules: RuleBook
    accounts: dict[str, AccountInfo]
    closed: set[str]
    base: str


def load_context(conn: Connection, base: str) -> PostingContext:
    return PostingContext(RuleBook(load_rules(conn)), journal.load_accounts(conn),
                          journal.closed_periods(conn), base)


def _post_batch(conn: Connection, size: int, run: PostingRun, base: str,
                gap_timeout_s: float) -> int:
    low = _lock_cursor(conn)
    events = _fetch(conn, low, size)
    ctx = load_context(conn, base)
    posted = _already_posted(conn, [e.event_id for _, e in events])
    drafts: list[EntryDraft] = []
    failures: list[dict[str, Any]] = []
    for outbox_id, event in events:
        if event.event_id in posted:
            continue
        outcome = draft_for(event, ctx)
        if isinstance(outcome, EntryDraft):
            run.late += outcome.entry_date != outcome.operation_date
            drafts.append(outcome)
        elif isinstance(outcome, str):
            failures.append({"outbox_id": outbox_id, "event_id": event.event_id,
                             "event_type": event.type, "error": outcome,
                             "failed_at": clock.now()})
            run.messages.append(f"event {outbox_id} ({event.type}): {outcome}")
        else:
            run.ignored += 1
    journal.post_entries(conn, drafts, created_by=WORKER, accounts=ctx.accounts,
                         closed=ctx.closed, checked=True)
    _record_failures(conn, failures)
    if before_cursor_update is not None:
        before_cursor_update()
    run.low_water = _advance(conn, low, [i for i, _ in events], gap_timeout_s)
    run.events += len(events)
    run.entries += len(drafts)
    run.failed += len(failures)
    return len(events)


def draft_for(event: EventData, ctx: PostingContext) -> EntryDraft | str | None:
    """The entry for ``event``; a message saying why it cannot be posted; or None (nothing to
    post: no rule for its type, or every amount zero)."""
    if event.type not in ctx.rules.types:
        return None
    rule = ctx.rules.select(event.type, facts_of(event.type, event.payload))
    if rule is None:
        return f"no posting rule for {event.type} matches this event"
    try:
        draft = build_entry(rule, event, ctx.base)
    except PostingError as err:
        return str(err)
    if draft is None:
        return None
    problems = entry_problems(draft, ctx.accounts)
    if problems:
        return f"rule {rule.name}: " + "; ".join(str(p) for p in problems)
    day = posting_date(draft.entry_date, ctx.closed) if ctx.closed else draft.entry_date
    if day != draft.entry_date:
        note = f" [late: dated {draft.entry_date}, period {draft.period} closed]"
        draft = replace(draft, entry_date=day, description=(draft.description + note)[:500])
    return draft


def _lock_cursor(conn: Connection) -> int:
    ins = pg_insert(CURSOR) if conn.dialect.name == "postgresql" else sqlite_insert(CURSOR)
    conn.execute(ins.values(consumer=CONSUMER, low_water=0, updated_at=clock.now())
                 .on_conflict_do_nothing(index_elements=["consumer"]))
    stmt = select(CURSOR.c.low_water).where(CURSOR.c.consumer == CONSUMER)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return int(conn.execute(stmt).scalar_one())


def _fetch(conn: Connection, low: int, size: int) -> list[tuple[int, EventData]]:
    o = OUTBOX.c
    rows = conn.execute(select(o.id, o.event_id, o.type, o.payload, o.occurred_at)
                        .where(o.id > low, ~exists().where(SETTLED.c.outbox_id == o.id))
                        .order_by(o.id).limit(size))
    return [(int(r.id), EventData(r.event_id, r.type, r.payload or {}, r.occurred_at.date()))
            for r in rows]


# PostgreSQL: one index probe per id, whatever the table's size. A plain ``IN (…)`` list of
# bind parameters was planned as a sequential scan comparing every entry with every id (58% of
# the worker's time at 60,000 entries, growing with the books); a LATERAL … LIMIT 1 cannot be
# turned into a hash or merge join, so it stays a probe of the unique index.
_POSTED_PG = text("SELECT v.id FROM unnest(CAST(:ids AS varchar[])) AS v(id) CROSS JOIN "
                  "LATERAL (SELECT 1 FROM journal_entries e WHERE e.source_event_id = v.id "
                  "LIMIT 1) AS hit")


def _already_posted(conn: Connection, event_ids: list[str]) -> set[str]:
    """Which of ``event_ids`` already have their journal entry."""
    if not event_ids:
        return set()
    if conn.dialect.name == "postgresql":
        return set(conn.execute(_POSTED_PG, {"ids": event_ids}).scalars())
    found: set[str] = set()
    e = ENTRIES.c
    for i in range(0, len(event_ids), 500):
        chunk = event_ids[i:i + 500]
        found.update(conn.execute(select(e.source_event_id)
                                  .where(e.source_event_id.in_(chunk))).scalars())
    return found


def _record_failures(conn: Connection, failures: list[dict[str, Any]]) -> None:
    if failures:
        conn.execute(insert(FAILURES), failures)


def _advance(conn: Connection, low: int, fetched: list[int], gap_timeout_s: float) -> int:
    """Move the low-water mark over every settled id and every timed-out gap."""
    settled = set(conn.execute(select(SETTLED.c.outbox_id)
                               .where(SETTLED.c.outbox_id > low)).scalars())
    done = sorted(settled | set(fetched))
    known = {int(r.outbox_id): r.first_seen_at for r in conn.execute(
        select(GAPS.c.outbox_id, GAPS.c.first_seen_at).where(GAPS.c.outbox_id > low))}
    wall = datetime.now(UTC)
    expired = timedelta(seconds=gap_timeout_s)

    def passable(gap: int) -> bool:
        return gap_timeout_s <= 0 or (gap in known and wall - known[gap] >= expired)

    cur = low
    for i in done:
        if i != cur + 1 and not all(passable(g) for g in range(cur + 1, i)):
            break
        cur = i
    holes = sorted(set(range(cur + 1, done[-1] if done else cur)) - set(done) - set(known))
    if holes:
        conn.execute(insert(GAPS), [{"outbox_id": g, "first_seen_at": wall} for g in holes])
    above = [{"outbox_id": i} for i in fetched if i > cur]
    if above:
        conn.execute(insert(SETTLED), above)
    if cur != low:
        conn.execute(delete(SETTLED).where(SETTLED.c.outbox_id <= cur))
        conn.execute(delete(GAPS).where(GAPS.c.outbox_id <= cur))
        conn.execute(update(CURSOR).where(CURSOR.c.consumer == CONSUMER)
                     .values(low_water=cur, updated_at=clock.now()))
    return cur


def retry_failures(uow: UnitOfWork) -> PostingRun:
    """Post again every event that failed (after the rules or accounts were fixed)."""
    run = PostingRun()
    base = get_settings().base_currency.upper()
    o, f = OUTBOX.c, FAILURES.c
    with uow.transaction() as conn:
        ctx = load_context(conn, base)
        rows = conn.execute(select(o.id, o.event_id, o.type, o.payload, o.occurred_at)
                            .join(FAILURES, f.outbox_id == o.id).order_by(o.id)).all()
        posted = _already_posted(conn, [r.event_id for r in rows])
        drafts, fixed = [], []
        for r in rows:
            event = EventData(r.event_id, r.type, r.payload or {}, r.occurred_at.date())
            outcome = None if r.event_id in posted else draft_for(event, ctx)
            if isinstance(outcome, str):
                run.failed += 1
                run.messages.append(f"event {r.id} ({r.type}): {outcome}")
                conn.execute(update(FAILURES).where(f.outbox_id == r.id)
                             .values(error=outcome, failed_at=clock.now()))
                continue
            if isinstance(outcome, EntryDraft):
                drafts.append(outcome)
            fixed.append(r.id)
        journal.post_entries(conn, drafts, created_by=WORKER, accounts=ctx.accounts,
                             closed=ctx.closed)
        if fixed:
            conn.execute(delete(FAILURES).where(f.outbox_id.in_(fixed)))
        run.events, run.entries = len(rows), len(drafts)
    return run


def failures(uow: UnitOfWork, limit: int = 200) -> list[dict[str, Any]]:
    f = FAILURES.c
    with uow.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(f.outbox_id, f.event_id, f.event_type, f.error, f.failed_at)
            .order_by(f.outbox_id).limit(limit))]


def status(uow: UnitOfWork) -> dict[str, Any]:
    """Where the worker stands: low-water mark, settled ids above it, gaps, failures."""
    with uow.read() as conn:
        low = conn.execute(select(CURSOR.c.low_water).where(CURSOR.c.consumer == CONSUMER)
                           ).scalar() or 0
        top = conn.execute(select(func.max(OUTBOX.c.id))).scalar() or 0
        count = {name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                 for name, t in (("settled_above", SETTLED), ("gaps", GAPS),
                                 ("failures", FAILURES), ("entries", ENTRIES))}
    return {"low_water": int(low), "outbox_max_id": int(top), **count}
