"""Importing many orders of one channel at once: a chunk per transaction, set-based.

New orders (the common case) are planned together (their SKUs resolved with two queries) and
written with one statement per table; orders the channel already has, and a second copy of an
order within the chunk, go through ``intake.create_or_update`` one by one. Each bad order
is reported in its place (its error) while the others are imported; if the set-based write of
a chunk fails for a reason no check caught, that chunk is redone one order at a time, each in
its own savepoint, so only the bad order fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.exc import DBAPIError

from backroom.core.errors import BackroomError, NotFound
from backroom.db.uow import UnitOfWork
from backroom.orders import channels, creation, rows
from backroom.orders.drafts import OrderDraft, checked
from backroom.orders.intake import check_channel, create_or_update
from backroom.orders.model import ChannelKind
from backroom.orders.tables import ORDERS

CHUNK = 500
Result = rows.Outcome | BackroomError
OC = ORDERS.c
_EXISTING = select(OC.external_id).where(OC.channel_id == bindparam("channel"),
                                         OC.external_id.in_(bindparam("ids", expanding=True)))


def import_many(uow: UnitOfWork, channel: str, drafts: Sequence[OrderDraft], *, actor: str,
                kind: ChannelKind | None = None, chunk: int = CHUNK,
                progress: Callable[[int], None] | None = None) -> list[Result]:
    """Create or update each draft; one result per draft, in order: its ``Outcome`` or the
    error that stopped it. ``NotFound`` (the channel does not exist) stops everything."""
    results: list[Result] = []
    for start in range(0, len(drafts), chunk):
        part = drafts[start:start + chunk]
        with uow.transaction() as conn:
            ch = channels.get_channel(conn, channel)
            results += _chunk(uow, conn, ch, part, actor, kind)
        if progress:
            progress(len(part))
    return results


def _chunk(uow: UnitOfWork, conn: Connection, ch: Row[Any], drafts: Sequence[OrderDraft],
           actor: str, kind: ChannelKind | None) -> list[Result]:
    out: list[Result | None] = [None] * len(drafts)
    fresh: list[int] = []  # positions of valid drafts for orders the channel does not have
    later: list[int] = []  # updates and repeats: one at a time, after the new ones
    known = _existing(conn, ch.id, drafts)
    seen: set[str] = set()
    for n, draft in enumerate(drafts):
        try:
            checked(draft)
            check_channel(ch, draft, kind)
        except BackroomError as exc:
            out[n] = exc
            continue
        (later if draft.external_id in known or draft.external_id in seen else fresh).append(n)
        seen.add(draft.external_id)
    savepoint = conn.begin_nested()
    try:
        created = _create(conn, ch, [drafts[n] for n in fresh], actor)
    except NotFound:
        raise
    except (BackroomError, DBAPIError):
        savepoint.rollback()
        later = sorted(fresh + later)
    else:
        savepoint.commit()
        for n in fresh:
            found = created.get(drafts[n].external_id)
            if found is None:
                later.append(n)  # a concurrent import committed it first: an update now
            else:
                out[n] = found
    for n in sorted(later):
        out[n] = _one(uow, conn, ch, drafts[n], actor)
    return [r for r in out if r is not None]


def _existing(conn: Connection, channel_id: int, drafts: Sequence[OrderDraft]) -> set[str]:
    ids = sorted({d.external_id for d in drafts if d.external_id})
    return set(conn.execute(_EXISTING, {"channel": channel_id, "ids": ids}).scalars()) if ids \
        else set()


def _create(conn: Connection, ch: Row[Any], drafts: list[OrderDraft],
            actor: str) -> dict[str, rows.Outcome]:
    if not drafts:
        return {}
    planned = list(zip(drafts, creation.plan_many(conn, ch.id, drafts), strict=True))
    ids = creation.insert_orders(conn, ch, planned)
    made = [(ids[d.external_id], d, new) for d, new in planned if d.external_id in ids]
    return {o.external_id: o for o in creation.create_many(conn, ch, made, actor)}


def _one(uow: UnitOfWork, conn: Connection, ch: Row[Any], draft: OrderDraft,
         actor: str) -> Result:
    savepoint = conn.begin_nested()
    try:
        outcome = create_or_update(uow, conn, ch, draft, actor)
    except NotFound:
        raise
    except BackroomError as exc:
        savepoint.rollback()
        return exc
    savepoint.commit()
    return outcome
