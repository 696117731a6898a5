"""Shopify and WooCommerce order webhooks over HTTP on SQLite and PostgreSQL: a good signature
imports the order once however often it is delivered; a missing or bad one is 401 and nothing
is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backroom.db.uow import UnitOfWork
from tests.api.helpers import assert_problem, client_for
from tests.orders.conftest import (
    SHOP_SECRET,
    events,
    order_count,
    raw,
    receipts,
    shopify_headers,
    woo_headers,
)

SHOPIFY_URL = "/api/v1/webhooks/shopify/SHOP"
WOO_URL = "/api/v1/webhooks/woocommerce/WOO"


@pytest.fixture
def client(store: UnitOfWork) -> Iterator[TestClient]:
    with client_for(store.engine) as test_client:
        yield test_client


def nothing_stored(uow: UnitOfWork) -> bool:
    return order_count(uow) == 0 and receipts(uow) == 0 and events(uow) == []


def test_shopify_webhook_creates_order_once_when_delivered_twice(
        client: TestClient, store: UnitOfWork) -> None:
    body = raw("shopify_orders_create.json")
    first = client.post(SHOPIFY_URL, content=body, headers=shopify_headers(body))
    assert first.status_code == 200, first.text
    assert (first.json()["outcome"], first.json()["number"]) == ("new", "#1001")
    again = client.post(SHOPIFY_URL, content=body, headers=shopify_headers(body))
    assert again.json()["outcome"] == "duplicate"
    retried_elsewhere = client.post(SHOPIFY_URL, content=body,
                                    headers=shopify_headers(body, webhook_id="wh-2"))
    assert retried_elsewhere.json()["outcome"] == "unchanged"
    assert order_count(store) == 1
    assert [t for t, _ in events(store)].count("order.created") == 1


def test_shopify_updated_and_cancelled_topics_apply_when_signed(
        client: TestClient, store: UnitOfWork) -> None:
    for n, (name, topic) in enumerate([("shopify_orders_create.json", "orders/create"),
                                       ("shopify_orders_updated.json", "orders/updated"),
                                       ("shopify_orders_cancelled.json", "orders/cancelled")]):
        body = raw(name)
        response = client.post(SHOPIFY_URL, content=body,
                               headers=shopify_headers(body, topic, f"wh-{n}"))
        assert response.status_code == 200, response.text
    assert response.json()["state"] == "cancelled"
    kinds = [t for t, _ in events(store)]
    assert kinds.count("order.updated") == 2 and kinds.count("order.cancelled") == 1


@pytest.mark.parametrize("bad", ["missing", "wrong secret", "tampered body"])
def test_shopify_webhook_answers_401_and_stores_nothing_when_signature_is_bad(
        client: TestClient, store: UnitOfWork, bad: str) -> None:
    body = raw("shopify_orders_create.json")
    sent = shopify_headers(body, secret="not-the-secret" if bad == "wrong secret" else SHOP_SECRET)
    if bad == "missing":
        del sent["X-Shopify-Hmac-Sha256"]
    content = body.replace(b'"73.40"', b'"0.01"') if bad == "tampered body" else body
    problem = assert_problem(client.post(SHOPIFY_URL, content=content, headers=sent), 401)
    assert problem["code"] in ("bad_signature", "unauthorized")
    assert nothing_stored(store)


def test_webhook_answers_503_when_channel_has_no_secret(
        client: TestClient, store: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKROOM_CHANNEL_SHOP_SECRET")
    body = raw("shopify_orders_create.json")
    problem = assert_problem(client.post(SHOPIFY_URL, content=body,
                                         headers=shopify_headers(body)), 503)
    assert "BACKROOM_CHANNEL_SHOP_SECRET" in problem["detail"] and nothing_stored(store)


def test_malformed_webhook_is_refused_and_nothing_stored_when_signed(
        client: TestClient, store: UnitOfWork) -> None:
    body = b'{"id": 1, "currency": "USD", "line_items": [{"id": 9, "quantity": -1'
    assert_problem(client.post(SHOPIFY_URL, content=body, headers=shopify_headers(body)), 422)
    order = json.loads(raw("shopify_orders_create.json"))
    order["line_items"][0]["quantity"] = -1
    bad = json.dumps(order).encode()
    problem = assert_problem(client.post(SHOPIFY_URL, content=bad,
                                         headers=shopify_headers(bad)), 422)
    assert problem["errors"][0]["field"] == "line_items[0].quantity"
    assert nothing_stored(store)


def test_other_shopify_topics_are_acknowledged_and_ignored_when_signed(
        client: TestClient, store: UnitOfWork) -> None:
    body = b'{"id": 123, "title": "Mug"}'
    response = client.post(SHOPIFY_URL, content=body,
                           headers=shopify_headers(body, topic="products/update"))
    assert response.json() == {"ignored": True, "topic": "products/update"}
    assert nothing_stored(store)


def test_woocommerce_webhook_creates_order_once_when_delivered_twice(
        client: TestClient, store: UnitOfWork) -> None:
    body = raw("woocommerce_order.json")
    first = client.post(WOO_URL, content=body, headers=woo_headers(body))
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "new"
    assert client.post(WOO_URL, content=body,
                       headers=woo_headers(body)).json()["outcome"] == "duplicate"
    assert order_count(store) == 1


def test_woocommerce_webhook_answers_401_when_signature_is_bad(
        client: TestClient, store: UnitOfWork) -> None:
    body = raw("woocommerce_order.json")
    sent = woo_headers(body, secret="guess")
    assert_problem(client.post(WOO_URL, content=body, headers=sent), 401, "bad_signature")
    del sent["X-WC-Webhook-Signature"]
    assert_problem(client.post(WOO_URL, content=body, headers=sent), 401)
    assert nothing_stored(store)


def test_woocommerce_ping_is_answered_when_webhook_is_set_up(
        client: TestClient, store: UnitOfWork) -> None:
    response = client.post(WOO_URL, content=b"webhook_id=14",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.json() == {"ping": True} and nothing_stored(store)


def test_woocommerce_deleted_topic_cancels_order_when_it_exists(
        client: TestClient, store: UnitOfWork) -> None:
    body = raw("woocommerce_order.json")
    client.post(WOO_URL, content=body, headers=woo_headers(body))
    deleted = b'{"id":4271}'
    response = client.post(WOO_URL, content=deleted,
                           headers=woo_headers(deleted, topic="order.deleted", delivery="d-2"))
    assert response.json()["state"] == "cancelled"
    again = client.post(WOO_URL, content=deleted,
                        headers=woo_headers(deleted, topic="order.deleted", delivery="d-3"))
    assert again.json()["ignored"] is True
