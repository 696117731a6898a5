"""HTTP routes of orders and channels. Reads take ``orders:read``; writes ``orders:write`` and an
optional ``Idempotency-Key``. Channel webhooks are in ``api_webhooks`` (signed, no token)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from backroom.api.auth import Principal
from backroom.api.deps import WriteContext, get_uow, require, to_jsonable, write_context
from backroom.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from backroom.core.errors import ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.orders import apiformat, channels, queries, services
from backroom.orders.intake import import_order
from backroom.orders.model import ChannelKind

router = APIRouter(tags=["orders"])
AMOUNT = r"^-?\d+(\.\d+)?$"  # decimal strings; a negative one gets a clear error later


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ShipToIn(_In):
    name: StrictStr = ""
    company: StrictStr = ""
    line1: StrictStr = ""
    line2: StrictStr = ""
    city: StrictStr = ""
    region: StrictStr = Field("", description="state, province or county")
    postal_code: StrictStr = ""
    country: StrictStr = Field("", description="ISO 3166-1 alpha-2, e.g. US")
    phone: StrictStr = ""


class LineIn(_In):
    sku: StrictStr
    qty: StrictInt
    unit_price: StrictStr = Field(pattern=AMOUNT, description="decimal string, e.g. \"12.50\"")
    external_id: StrictStr | None = None
    name: StrictStr = ""
    discount: StrictStr | None = Field(None, pattern=AMOUNT)
    tax: StrictStr | None = Field(None, pattern=AMOUNT)
    requires_shipping: StrictBool = True


class PaymentIn(_In):
    status: Literal["paid", "authorized", "pending"] = "paid"
    fee: StrictStr | None = Field(None, pattern=r"^\d+(\.\d+)?$")


class OrderIn(_In):
    external_id: StrictStr = Field(description="your id of the order; the idempotency key")
    currency: StrictStr
    lines: list[LineIn]
    channel: StrictStr = Field("API", description="an api-kind channel")
    number: StrictStr = ""
    email: StrictStr = ""
    customer_name: StrictStr = ""
    ship_to: ShipToIn | None = None
    shipping: StrictStr | None = Field(None, pattern=AMOUNT)
    shipping_tax: StrictStr | None = Field(None, pattern=AMOUNT)
    discount: StrictStr | None = Field(None, pattern=AMOUNT,
                                       description="order discount, spread over the lines")
    taxes_included: StrictBool = False
    total: StrictStr | None = Field(None, pattern=AMOUNT,
                                    description="checked against the lines if given")
    payment: PaymentIn = Field(default_factory=lambda: PaymentIn(status="paid", fee=None))
    placed_at: datetime | None = None
    promised_date: date | None = None


class HoldIn(_In):
    kind: Literal["fraud_review", "address_problem", "payment_pending", "unknown_sku", "manual"]
    reason: StrictStr


class ReleaseIn(_In):
    note: StrictStr = ""


class CancelLineIn(_In):
    line_id: StrictInt
    qty: StrictInt | None = Field(None, description="default: all that can still be cancelled")


class CancelIn(_In):
    reason: StrictStr
    lines: list[CancelLineIn] | None = Field(None, description="default: the whole order")


class ChannelIn(_In):
    code: StrictStr
    kind: Literal["shopify", "woocommerce", "csv", "api"]
    name: StrictStr = ""
    currency: StrictStr | None = None


class SkuMapIn(_In):
    external: StrictStr = Field(description="the channel's SKU, or variant:ID / product:ID")
    sku: StrictStr = Field(description="the catalog SKU")


def _actor(principal: Principal) -> str:
    return f"api:{principal.name}"


def _create(uow: UnitOfWork, body: OrderIn, actor: str) -> dict[str, Any]:
    data = body.model_dump(mode="json", exclude={"channel"})
    draft = apiformat.parse_order(data)
    outcome = import_order(uow, body.channel, draft, actor=actor, kind=ChannelKind.API)
    with uow.transaction() as conn:
        return {**outcome.as_dict(), "order": queries.get_order(conn, outcome.order_id or 0)}


@router.post("/orders", status_code=201)
def post_order(body: OrderIn,
               ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Create an order in an API channel. Sending the same ``external_id`` again updates it
    (``outcome``: new, updated or unchanged); an ``Idempotency-Key`` replays the answer."""
    return ctx.run(lambda uow: _create(uow, body, _actor(ctx.principal)), status_code=201)


@router.get("/orders")
def list_orders(channel: str | None = None, state: str | None = None,
                payment_state: str | None = None, fulfillment_state: str | None = None,
                hold: str | None = Query(None, description="orders with an active hold of "
                                                           "this kind"),
                number: str | None = Query(None, max_length=64),
                limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                cursor: str | None = None, _: Principal = Depends(require("orders:read")),
                uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Orders newest first, a page at a time (pass ``next_cursor`` back as ``cursor``)."""
    key = decode_cursor(cursor)
    after = key.get("id") if key else None
    if key is not None and not isinstance(after, int):
        raise ValidationFailed.single("cursor", cursor, "is not a cursor this API issued")
    with uow.read() as conn:
        items = queries.list_orders(conn, channel=channel, state=state,
                                    payment_state=payment_state,
                                    fulfillment_state=fulfillment_state, hold=hold,
                                    number=number, limit=limit + 1, after_id=after)
    more = len(items) > limit
    return {"items": to_jsonable(items[:limit]),
            "next_cursor": encode_cursor({"id": items[limit - 1]["id"]}) if more else None}


@router.get("/orders/{order_id}")
def get_order(order_id: int, _: Principal = Depends(require("orders:read")),
              uow: UnitOfWork = Depends(get_uow)) -> Any:
    """The order with its lines (quantity buckets), holds and history."""
    with uow.read() as conn:
        return to_jsonable(queries.get_order(conn, order_id))


@router.post("/orders/{order_id}/holds", status_code=201)
def post_hold(order_id: int, body: HoldIn,
              ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Hold the order; it is not released to fulfillment until every hold is released."""
    return ctx.run(lambda uow: services.place_hold(uow, order_id, body.kind, body.reason,
                                                   _actor(ctx.principal)), status_code=201)


@router.post("/orders/{order_id}/holds/{hold_id}/release")
def post_release(order_id: int, hold_id: int, body: ReleaseIn | None = None,
                 ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Release a hold; releasing the last one emits ``order.released``."""
    note = body.note if body else ""
    return ctx.run(lambda uow: services.release_hold(uow, order_id, hold_id,
                                                     _actor(ctx.principal), note))


@router.post("/orders/{order_id}/cancel")
def post_cancel(order_id: int, body: CancelIn,
                ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Cancel the whole order or some lines; reservations of cancelled units are released."""
    lines = None if body.lines is None else [(ln.line_id, ln.qty) for ln in body.lines]
    return ctx.run(lambda uow: services.cancel_order(uow, order_id, reason=body.reason,
                                                     actor=_actor(ctx.principal), lines=lines))


@router.get("/channels", tags=["channels"])
def list_channels(_: Principal = Depends(require("orders:read")),
                  uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return {"items": to_jsonable(channels.list_channels(uow)), "next_cursor": None}


@router.post("/channels", status_code=201, tags=["channels"])
def post_channel(body: ChannelIn,
                 ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Create a sales channel. Shopify and WooCommerce channels verify webhooks with the
    secret in ``BACKROOM_CHANNEL_<CODE>_SECRET`` (never stored, never shown)."""
    return ctx.run(lambda uow: channels.create_channel(uow, body.code, body.kind, body.name,
                                                       body.currency), status_code=201)


@router.post("/channels/{code}/skus", tags=["channels"])
def post_sku_mapping(code: str, body: SkuMapIn,
                     ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Map a channel SKU to a catalog SKU; orders waiting on it are resolved and released."""
    return ctx.run(lambda uow: channels.map_sku(uow, code, body.external, body.sku,
                                                _actor(ctx.principal)))
