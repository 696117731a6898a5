"""Order test helpers: a small catalog, channels, payload files, signed requests and reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.orders import channels, webhooks
from backroom.orders.tables import ORDER_LINES, ORDERS, WEBHOOK_RECEIPTS

PAYLOADS = Path(__file__).parent / "payloads"
SKUS = ("MUG-RED", "TOWEL-2", "TEA-SAMPLER", "CUP-SET-4", "JUG-350")
SHOP_SECRET = "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"
WOO_SECRET = "wc_whsec_K3t7pQ9zR2mX"


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"), parse_float=Decimal)


def raw(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def add_products(uow: UnitOfWork, skus: tuple[str, ...] = SKUS) -> dict[str, int]:
    now = clock.now()
    with uow.transaction() as conn:
        conn.execute(insert(PRODUCTS), [
            {"sku": s, "name": s.title(), "description": "", "tracking": "none",
             "active": True, "created_at": now, "updated_at": now, "standard_cost_minor": 100}
            for s in skus])
        return {r.sku: r.id for r in conn.execute(select(PRODUCTS.c.sku, PRODUCTS.c.id))}


@pytest.fixture
def store(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    """Products, a Shopify (USD) and a WooCommerce (EUR) channel with secrets, a CSV channel."""
    add_products(uow)
    channels.create_channel(uow, "SHOP", "shopify", "Kettle & Clay", "USD")
    channels.create_channel(uow, "WOO", "woocommerce", "Kaffeehaus", "EUR")
    channels.create_channel(uow, "CSV", "csv", "Marketplace exports")
    monkeypatch.setenv(channels.secret_env_name("SHOP"), SHOP_SECRET)
    monkeypatch.setenv(channels.secret_env_name("WOO"), WOO_SECRET)
    yield uow


def shopify_headers(body: bytes, topic: str = "orders/create", webhook_id: str = "wh-1",
                    secret: str = SHOP_SECRET) -> dict[str, str]:
    return {"X-Shopify-Hmac-Sha256": webhooks.sign(body, secret), "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-Shop-Domain": "kettle-and-clay"
            ".myshopify.com", "X-Shopify-API-Version": "2026-10",
            "Content-Type": "application/json"}


def woo_headers(body: bytes, topic: str = "order.created", delivery: str = "d-1",
                secret: str = WOO_SECRET) -> dict[str, str]:
    return {"X-WC-Webhook-Signature": webhooks.sign(body, secret), "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": topic.split(".")[1],
            "X-WC-Webhook-ID": "14", "X-WC-Webhook-Delivery-ID": delivery,
            "X-WC-Webhook-Source": "https://shop.example.de/", "Content-Type": "application/json"}


def count(uow: UnitOfWork, table: Any) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def order_count(uow: UnitOfWork) -> int:
    return count(uow, ORDERS)


def receipts(uow: UnitOfWork) -> int:
    return count(uow, WEBHOOK_RECEIPTS)


def events(uow: UnitOfWork, prefix: str = "order.") -> list[tuple[str, dict[str, Any]]]:
    with uow.read() as conn:
        rows = conn.execute(select(OUTBOX.c.type, OUTBOX.c.payload).where(
            OUTBOX.c.type.like(f"{prefix}%")).order_by(OUTBOX.c.id))
        return [(r.type, r.payload) for r in rows]


def line_rows(uow: UnitOfWork, order_id: int) -> list[Any]:
    with uow.read() as conn:
        return list(conn.execute(select(ORDER_LINES).where(ORDER_LINES.c.order_id == order_id)
                                 .order_by(ORDER_LINES.c.position)).all())
