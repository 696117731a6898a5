"""Channel order webhooks over HTTP. No bearer token: the HMAC signature of the raw body with
the channel's secret is the authentication (see ``backroom.orders.webhooks``); a missing or bad
one is 401 problem+json and nothing is stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from backroom.api.deps import get_uow
from backroom.db.uow import UnitOfWork
from backroom.orders import webhooks

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks/shopify/{channel}")
async def shopify_webhook(channel: str, request: Request,
                          uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Shopify ``orders/create``, ``orders/updated``, ``orders/cancelled`` (and ``orders/paid``,
    ``orders/fulfilled``) signed with ``X-Shopify-Hmac-Sha256``; other topics are ignored."""
    body = await request.body()
    return await run_in_threadpool(webhooks.handle_shopify, uow, channel, body,
                                   dict(request.headers))


@router.post("/webhooks/woocommerce/{channel}")
async def woocommerce_webhook(channel: str, request: Request,
                              uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """WooCommerce ``order.created``/``order.updated``/``order.restored`` (create or update)
    and ``order.deleted`` (cancel), signed with ``X-WC-Webhook-Signature``."""
    body = await request.body()
    return await run_in_threadpool(webhooks.handle_woocommerce, uow, channel, body,
                                   dict(request.headers))
