"""Sales channels, their webhook secrets and their SKU mapping.

Webhook secrets are not stored in the database: Shopify and WooCommerce sign with the raw
secret, so Backroom needs the raw secret too, and the environment (or the process manager's
secret store feeding it) is the simplest place that keeps it out of backups and dumps. Channel
``SHOP-US`` reads ``BACKROOM_CHANNEL_SHOP_US_SECRET``. The value is never logged or printed.

A line's product is found by, in order: the channel's mapping of its variant key
(``variant:4426`` for Shopify, ``product:77`` for WooCommerce), the mapping of its SKU text,
then a catalog product with exactly that SKU. A line found by none is kept without a product
and the order goes on an ``unknown_sku`` hold; ``map_sku`` later resolves it and lifts the hold.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, ProblemCollector, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.orders import lifecycle
from backroom.orders.availability_compute import lock_cursor, zero_exported
from backroom.orders.drafts import CURRENCY, LineDraft
from backroom.orders.model import FINAL_STATES, SYSTEM, ChannelKind, HoldKind, OrderState
from backroom.orders.model import unknown_sku_reason as reason_for
from backroom.orders.tables import CHANNEL_SKUS, CHANNELS, ORDER_LINES, ORDERS

ACTIVATED, DEACTIVATED = "channel.activated", "channel.deactivated"
CODE = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{0,30}[A-Z0-9])?")
C, M, L, OC, P = CHANNELS.c, CHANNEL_SKUS.c, ORDER_LINES.c, ORDERS.c, PRODUCTS.c


def secret_env_name(code: str) -> str:
    return f"BACKROOM_CHANNEL_{code.upper().replace('-', '_')}_SECRET"


def channel_secret(code: str) -> str:
    """The channel's webhook secret from the environment ("" if not set)."""
    return os.environ.get(secret_env_name(code), "")


_BY_CODE = select(CHANNELS).where(C.code == bindparam("code"))
_MAPPED = select(M.external_sku, M.product_id).where(
    M.channel_id == bindparam("channel"), M.external_sku.in_(bindparam("keys", expanding=True)))
_CATALOG = select(P.sku, P.id).where(P.sku.in_(bindparam("skus", expanding=True)))


def get_channel(conn: Connection, code: str) -> Row[Any]:
    row = conn.execute(_BY_CODE, {"code": code.strip().upper()}).first()
    if row is None:
        raise NotFound(f"no channel {code!r}; create one with `backroom orders channel-create`",
                       data={"channel": code})
    return row


def channel_view(row: Any) -> dict[str, Any]:
    kind = ChannelKind(row.kind)
    signed = kind in (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE)
    view = {"id": row.id, "code": row.code, "kind": row.kind, "name": row.name,
            "currency": row.currency, "active": bool(row.active), "created_at": row.created_at}
    if signed:
        view["webhook_secret_env"] = secret_env_name(row.code)
        view["webhook_secret_set"] = bool(channel_secret(row.code))
        view["webhook_path"] = f"/api/v1/webhooks/{row.kind}/{row.code}"
    return view


def create_channel(uow: UnitOfWork, code: str, kind: str, name: str,
                   currency: str | None = None) -> dict[str, Any]:
    """A new sales channel; ``currency`` fixes the currency its orders must be in."""
    problems = ProblemCollector()
    code = code.strip().upper()
    if not CODE.fullmatch(code):
        problems.add("code", "must be 1-32 upper-case letters, digits or '-' (not at either "
                     "end)", code)
    if kind not in {k.value for k in ChannelKind}:
        problems.add("kind", f"must be one of {', '.join(k.value for k in ChannelKind)}", kind)
    cur = currency.strip().upper() if currency else None
    if cur is not None and not CURRENCY.fullmatch(cur):
        problems.add("currency", "must be a three-letter ISO 4217 code", currency)
    name = name.strip() or code
    if len(name) > 100:
        problems.add("name", "must be at most 100 characters", name[:40] + "…")
    problems.raise_if_any()
    with uow.transaction() as conn:
        if conn.execute(select(C.id).where(C.code == code)).first() is not None:
            raise Conflict(f"channel {code} already exists", data={"channel": code})
        cid = conn.execute(insert(CHANNELS).values(
            code=code, kind=kind, name=name, currency=cur, active=True,
            created_at=clock.now()).returning(C.id)).scalar_one()
        record(conn, [DomainEvent("channel.created", {"channel_id": cid, "code": code,
                                                      "kind": kind}, f"channel:{code}")])
        return channel_view(conn.execute(select(CHANNELS).where(C.id == cid)).one())


def set_channel_active(uow: UnitOfWork, code: str, active: bool) -> dict[str, Any]:
    """Deactivate (no orders taken, nothing sold) or reactivate a channel. Deactivating sends
    ``available: 0`` for every level last exported with another value and stores 0, in the same
    transaction, so the channel stops selling; the sync then skips it. Reactivating writes
    ``channel.activated``, after which the next sync sends the live values again."""
    with uow.transaction() as conn:
        lock_cursor(conn)  # no sync batch between reading the channel and the zeros
        ch = get_channel(conn, code)
        changed = bool(ch.active) != active
        if changed:
            conn.execute(update(CHANNELS).where(C.id == ch.id).values(active=active))
            record(conn, [DomainEvent(ACTIVATED if active else DEACTIVATED,
                                      {"channel_id": ch.id, "code": ch.code},
                                      f"channel:{ch.code}")])
        zeroed = 0 if active else zero_exported(conn, ch.id)
        view = channel_view(conn.execute(select(CHANNELS).where(C.id == ch.id)).one())
        return {**view, "changed": changed, "levels_zeroed": zeroed}


def list_channels(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.read() as conn:
        return [channel_view(r) for r in conn.execute(select(CHANNELS).order_by(C.code))]


# ---------------------------------------------------------------------------------------------
# SKU mapping


def resolve(conn: Connection, channel_id: int, lines: Sequence[LineDraft]) -> dict[str, int]:
    """Product id by line external id, for the lines whose product is known."""
    return resolve_many(conn, channel_id, [lines])[0]


def resolve_many(conn: Connection, channel_id: int,
                 orders: Sequence[Sequence[LineDraft]]) -> list[dict[str, int]]:
    """``resolve`` for the lines of many orders with two queries in all."""
    keys = sorted({k for lines in orders for ln in lines for k in ln.mapping_keys()})
    mapped: dict[str, int] = {}
    if keys:
        mapped = {r.external_sku: r.product_id for r in conn.execute(
            _MAPPED, {"channel": channel_id, "keys": keys})}
    texts = sorted({ln.channel_sku for lines in orders for ln in lines if ln.channel_sku})
    catalog = {r.sku: r.id for r in conn.execute(_CATALOG, {"skus": texts})} if texts else {}
    out: list[dict[str, int]] = []
    for lines in orders:
        found: dict[str, int] = {}
        for ln in lines:
            product = next((mapped[k] for k in ln.mapping_keys() if k in mapped), None)
            if product is None:
                product = catalog.get(ln.channel_sku)
            if product is not None:
                found[ln.external_id] = product
        out.append(found)
    return out


def unknown_skus(conn: Connection, order_id: int) -> list[str]:
    """The channel SKUs of the order's lines that still have no product (and need one)."""
    rows = conn.execute(select(L.channel_sku, L.variant_ref, L.name, L.qty, L.qty_cancelled)
                        .where(L.order_id == order_id, L.product_id.is_(None),
                               L.requires_shipping.is_(True))
                        .order_by(L.position)).all()
    return [r.channel_sku or r.variant_ref or f"(no SKU: {r.name})" for r in rows
            if r.qty > r.qty_cancelled]


def sync_unknown_hold(conn: Connection, order_id: int, actor: str = SYSTEM) -> None:
    """Place, re-word or lift the order's ``unknown_sku`` hold to match its lines."""
    missing = unknown_skus(conn, order_id)
    if missing:
        lifecycle.place_hold(conn, order_id, HoldKind.UNKNOWN_SKU, reason_for(missing), SYSTEM)
    else:
        lifecycle.lift_automatic(conn, order_id, HoldKind.UNKNOWN_SKU,
                                 "every line now maps to a product")


def map_sku(uow: UnitOfWork, channel: str, external: str, sku: str,
            actor: str = "cli") -> dict[str, Any]:
    """Map the channel's ``external`` SKU (or ``variant:ID`` key) to catalog ``sku``; lines
    waiting for it get the product, and orders with nothing else unknown are released."""
    external = external.strip()
    if not external or len(external) > 128:
        raise ValidationFailed.single("external", external, "must be 1-128 characters")
    with uow.transaction() as conn:
        ch = get_channel(conn, channel)
        product = conn.execute(select(P.id).where(P.sku == sku.strip())).scalar_one_or_none()
        if product is None:
            raise NotFound(f"no product {sku!r} in the catalog", data={"sku": sku})
        _upsert_mapping(conn, ch.id, external, product)
        orders = _resolve_waiting(conn, ch.id, external, product, sku, actor)
        record(conn, [DomainEvent("channel.sku_mapped", {
            "channel": ch.code, "external": external, "sku": sku.strip(),
            "orders": orders}, f"channel:{ch.code}")])
        released = [o for o in orders if not lifecycle.active_holds(conn, o)]
        return {"channel": ch.code, "external": external, "sku": sku.strip(),
                "orders_updated": orders, "orders_released": released}


def _upsert_mapping(conn: Connection, channel_id: int, external: str, product_id: int) -> None:
    existing = conn.execute(select(M.id).where(M.channel_id == channel_id,
                                               M.external_sku == external)).scalar_one_or_none()
    if existing is None:
        conn.execute(insert(CHANNEL_SKUS).values(channel_id=channel_id, external_sku=external,
                                                 product_id=product_id, created_at=clock.now()))
    else:
        conn.execute(update(CHANNEL_SKUS).where(M.id == existing).values(product_id=product_id))


def _resolve_waiting(conn: Connection, channel_id: int, external: str, product_id: int,
                     sku: str, actor: str) -> list[int]:
    open_states = [s.value for s in OrderState if s not in FINAL_STATES]
    rows = conn.execute(select(L.id, L.order_id).join(ORDERS, OC.id == L.order_id).where(
        OC.channel_id == channel_id, OC.state.in_(open_states), L.product_id.is_(None),
        (L.channel_sku == external) | (L.variant_ref == external))
        .order_by(L.order_id, L.id)).all()
    by_order: dict[int, list[int]] = {}
    for r in rows:
        by_order.setdefault(r.order_id, []).append(r.id)
    for order_id, line_ids in by_order.items():
        lifecycle.lock_order(conn, order_id)
        conn.execute(update(ORDER_LINES).where(L.id.in_(line_ids)).values(product_id=product_id))
        lifecycle.note(conn, order_id, actor, "sku_mapped", text=f"{external} → {sku}",
                       after={"lines": line_ids, "sku": sku})
        sync_unknown_hold(conn, order_id)
        lifecycle.refresh(conn, order_id, actor)
    return list(by_order)


def product_skus(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {r.id: r.sku for r in conn.execute(select(P.id, P.sku).where(P.id.in_(wanted)))}
