"""Importing one channel order: create it, or apply an update to the stored one. Idempotent.

The key is (channel, external id): the same order imported twice is stored once, and a
webhook delivery seen before (its delivery or event id) changes nothing at all. Everything
happens in one transaction; a bad order raises and leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backroom.core import clock
from backroom.db.uow import UnitOfWork
from backroom.orders import channels, creation, lifecycle, rows, updates
from backroom.orders.drafts import OrderDraft, checked
from backroom.orders.errors import CurrencyMismatch, WrongChannel
from backroom.orders.model import ChannelKind
from backroom.orders.tables import ORDERS, WEBHOOK_RECEIPTS

OC, W = ORDERS.c, WEBHOOK_RECEIPTS.c


@dataclass(frozen=True, slots=True)
class Receipt:
    """A webhook delivery: the ids it can be recognised by again, and its topic."""

    keys: tuple[str, ...]
    topic: str


def import_order(uow: UnitOfWork, channel: str, draft: OrderDraft, *, actor: str,
                 kind: ChannelKind | None = None, receipt: Receipt | None = None) -> rows.Outcome:
    """Create or update the channel's order ``draft`` in one transaction."""
    checked(draft)
    with uow.transaction() as conn:
        ch = channels.get_channel(conn, channel)
        check_channel(ch, draft, kind)
        if receipt is not None and not _first_delivery(conn, ch.id, receipt):
            return rows.Outcome("duplicate", draft.external_id)
        result = create_or_update(uow, conn, ch, draft, actor)
        if receipt is not None and result.order_id is not None:
            conn.execute(update(WEBHOOK_RECEIPTS).where(
                W.channel_id == ch.id, W.dedupe_key.in_(receipt.keys))
                .values(order_id=result.order_id))
        return result


def create_or_update(uow: UnitOfWork, conn: Connection, ch: Row[Any], draft: OrderDraft,
                      actor: str) -> rows.Outcome:
    order_id = _find(conn, ch.id, draft.external_id)
    if order_id is None:
        new = creation.plan(conn, ch.id, draft)
        created = creation.insert_order(conn, ch, draft, new)
        if created is not None:
            return creation.create(conn, created, ch, draft, new, actor)
        # A concurrent import of the same order committed first: this one is an update.
        order_id = int(conn.execute(_FIND, {"channel": ch.id,
                                            "external": draft.external_id}).scalar_one())
    return updates.apply(uow, conn, lifecycle.lock_order(conn, order_id), draft, actor)


def check_channel(ch: Row[Any], draft: OrderDraft, kind: ChannelKind | None) -> None:
    """``WrongChannel`` / ``CurrencyMismatch`` unless the channel takes this order."""
    if not ch.active:
        raise WrongChannel.single("channel", ch.code, "is deactivated")
    if kind is not None and ch.kind != kind.value:
        raise WrongChannel.single("channel", ch.code, f"is a {ch.kind} channel: it does not "
                                  f"take {kind.value} orders")
    if ch.currency and draft.currency != ch.currency:
        raise CurrencyMismatch.single(
            draft.label("currency"), draft.currency,
            f"order {draft.external_id!r} is in {draft.currency} but channel {ch.code} sells "
            f"in {ch.currency}")


def _first_delivery(conn: Connection, channel_id: int, receipt: Receipt) -> bool:
    """Record the delivery's keys; False if any of them was recorded before."""
    now = clock.now()
    fresh = True
    for key in receipt.keys:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(WEBHOOK_RECEIPTS).values(
            channel_id=channel_id, dedupe_key=key[:200], topic=receipt.topic[:64],
            received_at=now).on_conflict_do_nothing(
                index_elements=["channel_id", "dedupe_key"]).returning(W.id)
        fresh = conn.execute(stmt).first() is not None and fresh
    return fresh


_FIND = select(OC.id).where(OC.channel_id == bindparam("channel"),
                            OC.external_id == bindparam("external"))


def _find(conn: Connection, channel_id: int, external_id: str) -> int | None:
    found = conn.execute(_FIND, {"channel": channel_id, "external": external_id}).scalar()
    return None if found is None else int(found)
