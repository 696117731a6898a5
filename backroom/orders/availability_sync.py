"""The availability sync: reads the outbox after a stored cursor, collects the SKUs whose
stock (or whose channel settings) changed, recomputes their levels on every active channel and
writes a ``channel.inventory_level`` event only for levels whose value changed.

Each batch is one transaction: lock the cursor, read the next events, recompute, write the
events and the exported values, move the cursor; a crash rolls all of it back. Recomputing is
idempotent (it compares with the last exported value), so reading an event twice is harmless;
missing one is not. On PostgreSQL outbox ids come from a sequence, so an id can be missing for
good (a rolled-back insert) or only for now (a transaction that took its id earlier commits
after a higher id was read). Ids skipped below the cursor are therefore kept as *gaps* with
the time they were first seen: every batch reads the gaps that have since appeared (late
commits) and forgets those older than ``gap_timeout_s`` (default five minutes). On SQLite
writers are serialized and there are no gaps.

The first sync (no cursor yet) and ``full=True`` move the cursor to the end of the outbox
without reading payloads, then recompute every SKU of every active channel. Inactive channels
are skipped (deactivating one already exported its zeros); reactivating one
(``channel.activated``) recomputes it entirely, against the zeros stored at deactivation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.orders.availability import CONFIGURED
from backroom.orders.availability_compute import (
    CHUNK,
    CONSUMER,
    ExportCounts,
    active_channel_ids,
    chunks,
    lock_cursor,
    recompute,
    universe,
)
from backroom.orders.availability_tables import SYNC_CURSOR, SYNC_GAPS
from backroom.orders.channels import ACTIVATED

DEFAULT_BATCH = 1000
DEFAULT_GAP_TIMEOUT_S = 300.0
SKIP_BATCH = 10_000
# Events that change a SKU's free stock in a warehouse (payload ``sku_id``).
STOCK_EVENTS = frozenset({"stock.moved", "stock.reserved", "stock.released"})
# Events after which a channel is recomputed entirely.
WHOLE_CHANNEL = frozenset({"channel.created", ACTIVATED})
WATCHED = STOCK_EVENTS | WHOLE_CHANNEL | {"stock.safety_changed", "product.updated", CONFIGURED}
OB, G = OUTBOX.c, SYNC_GAPS.c


@dataclass
class SyncResult:
    full: bool = False
    events: int = 0  # outbox events read (or passed over by a full recompute)
    late: int = 0  # of which committed late (found in a gap)
    batches: int = 0
    levels: int = 0  # (channel, SKU, level) values recomputed
    exported: int = 0  # channel.inventory_level events written
    unaddressable: int = 0  # Shopify SKUs without an inventory item (not exported)
    cursor: int = 0
    gaps: int = 0  # outbox ids still awaited

    def add(self, counts: ExportCounts) -> None:
        self.levels += counts.levels
        self.exported += counts.exported
        self.unaddressable += counts.unaddressable

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def sync_availability(uow: UnitOfWork, *, full: bool = False, batch: int = DEFAULT_BATCH,
                      gap_timeout_s: float = DEFAULT_GAP_TIMEOUT_S) -> SyncResult:
    """Bring every channel's exported levels up to date with stock; see the module doc."""
    result = SyncResult(full=full)
    with uow.transaction() as conn:
        started = lock_cursor(conn) is not None
    if full or not started:
        result.full = True
        _drain(uow, SKIP_BATCH, gap_timeout_s, result, read=False)
        _recompute_all(uow, result, batch)
    else:
        _drain(uow, batch, gap_timeout_s, result, read=True)
    with uow.read() as conn:
        result.cursor = int(conn.execute(select(SYNC_CURSOR.c.last_id).where(
            SYNC_CURSOR.c.consumer == CONSUMER)).scalar() or 0)
        result.gaps = int(conn.execute(select(func.count()).select_from(SYNC_GAPS)).scalar_one())
    return result


def _drain(uow: UnitOfWork, size: int, gap_timeout_s: float, result: SyncResult, *,
           read: bool) -> None:
    while True:
        with uow.transaction() as conn:
            fetched = _batch(conn, size, gap_timeout_s, result, read=read)
        result.batches += 1
        if fetched < size:
            return


def _batch(conn: Connection, size: int, gap_timeout_s: float, result: SyncResult, *,
           read: bool) -> int:
    last = lock_cursor(conn) or 0
    rows = conn.execute(select(OB.id, OB.type).where(OB.id > last).order_by(OB.id).limit(size)).all()
    late = conn.execute(select(OB.id, OB.type).join(SYNC_GAPS, G.outbox_id == OB.id)
                        .order_by(OB.id)).all()
    if read:
        wanted = [r.id for r in (*late, *rows) if r.type in WATCHED]
        counts = ExportCounts()
        recompute(conn, touched(conn, _payloads(conn, wanted)), counts)
        result.add(counts)
    _advance(conn, last, [r.id for r in rows], [r.id for r in late], gap_timeout_s)
    result.events += len(rows) + len(late)
    result.late += len(late)
    return len(rows)


def _payloads(conn: Connection, ids: list[int]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for chunk in chunks(sorted(ids)):
        out += [(r.type, r.payload or {}) for r in conn.execute(
            select(OB.type, OB.payload).where(OB.id.in_(chunk)).order_by(OB.id))]
    return out


def _advance(conn: Connection, last: int, fetched: list[int], late: list[int],
             gap_timeout_s: float) -> None:
    """Forget late gaps that were read and gaps that timed out; remember the ids skipped
    below the new cursor; move the cursor to the last id read."""
    wall = datetime.now(UTC)
    for chunk in chunks(late):
        conn.execute(delete(SYNC_GAPS).where(G.outbox_id.in_(chunk)))
    conn.execute(delete(SYNC_GAPS).where(
        G.first_seen_at <= wall - timedelta(seconds=max(gap_timeout_s, 0))))
    if not fetched:
        return
    top = fetched[-1]
    holes = sorted(set(range(last + 1, top)) - set(fetched)) if gap_timeout_s > 0 else []
    for chunk in chunks(holes, CHUNK * 10):
        conn.execute(insert(SYNC_GAPS), [{"outbox_id": g, "first_seen_at": wall} for g in chunk])
    conn.execute(update(SYNC_CURSOR).where(SYNC_CURSOR.c.consumer == CONSUMER)
                 .values(last_id=top, updated_at=clock.now()))


def touched(conn: Connection, events: Iterable[tuple[str, dict[str, Any]]]) -> dict[int, set[int]]:
    """Active channel id -> the product ids whose levels the events may have changed."""
    found = _Touched()
    for kind, payload in events:
        found.note(kind, payload)
    for chunk in chunks(sorted(found.codes)):
        found.skus.update(conn.execute(select(PRODUCTS.c.id).where(PRODUCTS.c.sku.in_(chunk)))
                          .scalars())
    channels = active_channel_ids(conn)
    scope = {c: found.skus | found.per_channel.get(c, set()) for c in channels}
    for c, everything in universe(conn, [c for c in channels if c in found.whole]).items():
        scope[c] |= everything
    return scope


@dataclass
class _Touched:
    skus: set[int] = field(default_factory=set)  # on every channel
    codes: set[str] = field(default_factory=set)  # SKU codes, same
    per_channel: dict[int, set[int]] = field(default_factory=dict)
    whole: set[int] = field(default_factory=set)  # channels to recompute entirely

    def note(self, kind: str, p: dict[str, Any]) -> None:
        if kind in STOCK_EVENTS and isinstance(p.get("sku_id"), int):
            self.skus.add(p["sku_id"])
        elif kind == "stock.safety_changed" and isinstance(p.get("sku"), str):
            self.codes.add(p["sku"])
        elif kind == "product.updated" and "active" in (p.get("changed") or []):
            self.skus.add(int(p["product_id"]))
        elif kind in WHOLE_CHANNEL or (kind == CONFIGURED and p.get("sku_id") is None):
            self.whole.add(int(p["channel_id"]))
        elif kind == CONFIGURED:
            self.per_channel.setdefault(int(p["channel_id"]), set()).add(int(p["sku_id"]))


def _recompute_all(uow: UnitOfWork, result: SyncResult, batch: int) -> None:
    with uow.read() as conn:
        scope = universe(conn, active_channel_ids(conn))
    skus = sorted({p for ps in scope.values() for p in ps})
    for chunk in chunks(skus, max(batch, 1)):
        part = set(chunk)
        with uow.transaction() as conn:
            lock_cursor(conn)  # one sync at a time
            counts = ExportCounts()
            recompute(conn, {c: ps & part for c, ps in scope.items()}, counts)
        result.add(counts)
        result.batches += 1
