"""Read side of orders: one order with lines, holds and history; keyset lists; channels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from backroom.catalog.tables import PRODUCTS
from backroom.core.errors import NotFound, ValidationFailed
from backroom.core.money import from_minor
from backroom.orders.lifecycle import counts_of, reservation_reference
from backroom.orders.model import FulfillmentState, HoldKind, OrderState, PaymentState
from backroom.orders.tables import (
    CHANNELS,
    ORDER_HISTORY,
    ORDER_HOLDS,
    ORDER_LINES,
    ORDERS,
)

OC, L, H, HI, C, P = (ORDERS.c, ORDER_LINES.c, ORDER_HOLDS.c, ORDER_HISTORY.c, CHANNELS.c,
                      PRODUCTS.c)
_AMOUNTS = ("subtotal", "discount", "shipping", "shipping_tax", "tax", "other", "total",
            "authorized", "paid", "refunded", "payment_fee")


def _money(minor: int, currency: str) -> str:
    return str(from_minor(minor, currency))


def _summary(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "channel": row.channel_code, "external_id": row.external_id,
        "number": row.number, "state": row.state, "payment_state": row.payment_state,
        "fulfillment_state": row.fulfillment_state, "currency": row.currency,
        "total": _money(row.total_minor, row.currency), "email": row.email,
        "customer_name": row.customer_name, "ship_country": row.ship_country,
        "placed_at": row.placed_at, "updated_at": row.updated_at}


def _base() -> Any:
    return select(ORDERS, C.code.label("channel_code")).join(CHANNELS, C.id == OC.channel_id)


def get_order(conn: Connection, order_id: int) -> dict[str, Any]:
    """The order with its ship-to, amounts, lines, holds and full history."""
    row = conn.execute(_base().where(OC.id == order_id)).first()
    if row is None:
        raise NotFound(f"no order with id {order_id}", data={"order_id": order_id})
    cur = row.currency
    view = _summary(row)
    view.update({
        "ship_to": {k: getattr(row, f"ship_{k}") for k in (
            "name", "company", "line1", "line2", "city", "region", "postal_code", "country",
            "phone")},
        "amounts": {k: _money(getattr(row, f"{k}_minor"), cur) for k in _AMOUNTS},
        "taxes_included": bool(row.taxes_included), "fx_rate": row.fx_rate,
        "promised_date": row.promised_date, "channel_updated_at": row.channel_updated_at,
        "paid_at": row.paid_at, "cancelled_at": row.cancelled_at,
        "cancel_reason": row.cancel_reason, "created_at": row.created_at,
        "lines": lines_view(conn, order_id, cur), "holds": holds_view(conn, order_id),
        "history": history_view(conn, order_id)})
    return view


def lines_view(conn: Connection, order_id: int, currency: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(ORDER_LINES, P.sku.label("sku"))
                        .outerjoin(PRODUCTS, P.id == L.product_id)
                        .where(L.order_id == order_id).order_by(L.position, L.id)).all()
    out = []
    for r in rows:
        counts = counts_of(r)
        out.append({
            "id": r.id, "position": r.position, "external_id": r.external_id, "sku": r.sku,
            "channel_sku": r.channel_sku, "variant_ref": r.variant_ref, "name": r.name,
            "requires_shipping": bool(r.requires_shipping), "qty": r.qty,
            "open": counts.open, "reserved": r.qty_reserved, "shipped": r.qty_shipped,
            "cancelled": r.qty_cancelled, "returned": r.qty_returned,
            "backordered": r.qty_backordered,
            "unit_price": _money(r.unit_price_minor, currency),
            "gross": _money(r.gross_minor, currency),
            "discount": _money(r.discount_minor, currency),
            "tax": _money(r.tax_minor, currency),
            "reservation_reference": reservation_reference(r.id)})
    return out


def holds_view(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(ORDER_HOLDS).where(H.order_id == order_id).order_by(H.id))
    return [{"id": h.id, "kind": h.kind, "reason": h.reason, "placed_at": h.placed_at,
             "placed_by": h.placed_by, "released_at": h.released_at,
             "released_by": h.released_by, "release_note": h.release_note,
             "active": h.released_at is None} for h in rows]


def history_view(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(ORDER_HISTORY).where(HI.order_id == order_id).order_by(HI.id))
    return [{"id": h.id, "at": h.at, "actor": h.actor, "action": h.action, "note": h.note,
             "before": h.before, "after": h.after} for h in rows]


def _enum(value: str | None, enum: Any, name: str) -> str | None:
    if value is None:
        return None
    if value not in {e.value for e in enum}:
        raise ValidationFailed.single(name, value, "must be one of " + ", ".join(
            e.value for e in enum))
    return value


def list_orders(conn: Connection, *, channel: str | None = None, state: str | None = None,
                payment_state: str | None = None, fulfillment_state: str | None = None,
                hold: str | None = None, number: str | None = None, limit: int = 50,
                after_id: int | None = None) -> list[dict[str, Any]]:
    """Orders newest first (by id), filtered; ``after_id`` continues a previous page."""
    conditions: list[ColumnElement[bool]] = []
    for col, value in ((OC.state, _enum(state, OrderState, "state")),
                       (OC.payment_state, _enum(payment_state, PaymentState, "payment_state")),
                       (OC.fulfillment_state, _enum(fulfillment_state, FulfillmentState,
                                                    "fulfillment_state"))):
        if value is not None:
            conditions.append(col == value)
    if channel:
        conditions.append(C.code == channel.strip().upper())
    if number:
        conditions.append(OC.number == number.strip())
    if hold is not None:
        _enum(hold, HoldKind, "hold")
        conditions.append(OC.id.in_(select(H.order_id).where(H.kind == hold,
                                                             H.released_at.is_(None))))
    if after_id is not None:
        conditions.append(OC.id < after_id)
    query = _base().where(*conditions).order_by(OC.id.desc()).limit(limit)
    return [_summary(r) for r in conn.execute(query)]
