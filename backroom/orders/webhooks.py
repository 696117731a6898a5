"""Order webhooks from Shopify and WooCommerce: the signature is the authentication.

Both sign the raw request body with the channel's secret: ``base64(HMAC-SHA256(secret, body))``
in ``X-Shopify-Hmac-Sha256`` or ``X-WC-Webhook-Signature``. The secret comes from
``BACKROOM_CHANNEL_<CODE>_SECRET`` (see ``backroom.orders.channels``). A missing or wrong
signature is 401 and nothing is read or stored; signatures are compared in constant time.

Repeats are recognised by ``X-Shopify-Webhook-Id`` / ``X-Shopify-Event-Id`` or
``X-WC-Webhook-Delivery-ID`` (stored with the order, in the same transaction), and in any case
by the order's (channel, id) key, so a repeated delivery creates nothing twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.orders import services, shopify, woocommerce
from backroom.orders.channels import channel_secret, secret_env_name
from backroom.orders.intake import Receipt, import_order
from backroom.orders.model import ChannelKind
from backroom.shipping.webhooks import BadSignature, WebhookNotConfigured

SHOPIFY_SIGNATURE = "X-Shopify-Hmac-Sha256"
SHOPIFY_TOPIC = "X-Shopify-Topic"
SHOPIFY_WEBHOOK_ID = "X-Shopify-Webhook-Id"
SHOPIFY_EVENT_ID = "X-Shopify-Event-Id"
WC_SIGNATURE = "X-WC-Webhook-Signature"
WC_TOPIC = "X-WC-Webhook-Topic"
WC_DELIVERY_ID = "X-WC-Webhook-Delivery-ID"
_WC_PING = re.compile(rb"webhook_id=\d{1,20}")
MAX_BODY = 5_000_000


def sign(body: bytes, secret: str) -> str:
    """The signature Shopify and WooCommerce send for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(body: bytes, signature: str | None, channel: str, header: str) -> None:
    """``BadSignature`` unless ``signature`` is the channel secret's signature of ``body``."""
    secret = channel_secret(channel)
    if not secret:
        raise WebhookNotConfigured(f"webhooks of channel {channel.upper()} are disabled: set "
                                   f"{secret_env_name(channel)} to the channel's secret")
    if not signature:
        raise BadSignature(f"missing {header} header")
    expected = sign(body, secret).encode()
    if not hmac.compare_digest(expected, signature.strip().encode()):
        raise BadSignature("signature does not match the body")


def _body_json(body: bytes) -> Any:
    if len(body) > MAX_BODY:
        raise ValidationFailed.single("body", None, f"is larger than {MAX_BODY:,} bytes")
    try:
        return json.loads(body, parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed.single("body", None, "is not valid JSON") from None


def _receipt(headers: Mapping[str, str], topic: str, names: dict[str, str]) -> Receipt | None:
    keys = tuple(f"{prefix}:{headers[name.lower()].strip()}" for name, prefix in names.items()
                 if headers.get(name.lower(), "").strip())
    return Receipt(keys, topic) if keys else None


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def handle_shopify(uow: UnitOfWork, channel: str, body: bytes,
                   headers: Mapping[str, str]) -> dict[str, Any]:
    """A verified Shopify ``orders/*`` webhook: create or update the order."""
    headers = _lower(headers)
    verify(body, headers.get(SHOPIFY_SIGNATURE.lower()), channel, SHOPIFY_SIGNATURE)
    topic = headers.get(SHOPIFY_TOPIC.lower(), "").strip()
    if not topic:
        raise ValidationFailed.single(SHOPIFY_TOPIC, None, "header is missing")
    if topic not in shopify.TOPICS:
        return {"ignored": True, "topic": topic}
    draft = shopify.parse_order(_body_json(body))
    receipt = _receipt(headers, topic, {SHOPIFY_WEBHOOK_ID: "webhook",
                                        SHOPIFY_EVENT_ID: "event"})
    outcome = import_order(uow, channel, draft, actor=f"webhook:{channel.upper()}",
                           kind=ChannelKind.SHOPIFY, receipt=receipt)
    return {"topic": topic, **outcome.as_dict()}


def handle_woocommerce(uow: UnitOfWork, channel: str, body: bytes,
                       headers: Mapping[str, str]) -> dict[str, Any]:
    """A verified WooCommerce order webhook (or the unsigned ping sent when one is set up)."""
    headers = _lower(headers)
    if not headers.get(WC_SIGNATURE.lower()) and _WC_PING.fullmatch(body.strip()):
        return {"ping": True}  # nothing is read or stored
    verify(body, headers.get(WC_SIGNATURE.lower()), channel, WC_SIGNATURE)
    topic = headers.get(WC_TOPIC.lower(), "").strip()
    if not topic:
        raise ValidationFailed.single(WC_TOPIC, None, "header is missing")
    if topic not in woocommerce.TOPICS:
        return {"ignored": True, "topic": topic}
    data = _body_json(body)
    actor = f"webhook:{channel.upper()}"
    if topic == "order.deleted":
        return {"topic": topic, **_deleted(uow, channel, woocommerce.deleted_id(data), actor)}
    receipt = _receipt(headers, topic, {WC_DELIVERY_ID: "delivery"})
    outcome = import_order(uow, channel, woocommerce.parse_order(data), actor=actor,
                           kind=ChannelKind.WOOCOMMERCE, receipt=receipt)
    return {"topic": topic, **outcome.as_dict()}


def _deleted(uow: UnitOfWork, channel: str, order_id: str | None,
             actor: str) -> dict[str, Any]:
    """WooCommerce deleted (trashed) the order: cancel what can still be cancelled."""
    if order_id is None:
        raise ValidationFailed.single("id", None, "an order.deleted body is {\"id\": <order id>}")
    try:
        result = services.cancel_order(uow, f"{channel}:{order_id}", actor=actor,
                                       reason="deleted in WooCommerce")
    except NotFound:
        return {"ignored": True, "external_id": order_id, "reason": "unknown order"}
    except Conflict as exc:  # already cancelled, or everything has shipped
        return {"ignored": True, "external_id": order_id, "reason": exc.message}
    return {"outcome": "cancelled", "external_id": order_id,
            "order_id": result["order"]["id"], "state": result["order"]["state"]}
