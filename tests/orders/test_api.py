"""Orders over HTTP on SQLite and PostgreSQL: create through the API channel (idempotent),
list and show, holds, release, cancel, channels and SKU mapping, roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backroom.db.uow import UnitOfWork
from tests.api.helpers import assert_problem, client_for, headers
from tests.orders.conftest import SHOP_SECRET, events, order_count


@pytest.fixture
def client(store: UnitOfWork) -> Iterator[TestClient]:
    with client_for(store.engine) as test_client:
        yield test_client


@pytest.fixture
def integration(store: UnitOfWork) -> dict[str, str]:
    return headers(store.engine, "integration")


def body(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "external_id": "WEB-1001", "currency": "USD", "email": "ann@example.com",
        "customer_name": "Ann Lee",
        "ship_to": {"name": "Ann Lee", "line1": "1 Main St", "city": "Springfield",
                    "region": "IL", "postal_code": "62701", "country": "us"},
        "lines": [{"sku": "MUG-RED", "qty": 2, "unit_price": "12.50", "tax": "1.84"},
                  {"sku": "TOWEL-2", "qty": 1, "unit_price": "9.99"}],
        "shipping": "4.90", "discount": "3.00", "total": "38.73",
        "payment": {"status": "paid", "fee": "1.42"}}
    return {**order, **changes}


def test_post_order_creates_it_once_when_retried_with_idempotency_key(
        client: TestClient, integration: dict[str, str], store: UnitOfWork) -> None:
    send = {**integration, "Idempotency-Key": "checkout-77"}
    first = client.post("/api/v1/orders", json=body(), headers=send)
    assert first.status_code == 201, first.text
    order = first.json()["order"]
    assert (first.json()["outcome"], order["channel"], order["state"]) == ("new", "API", "open")
    assert [ln["discount"] for ln in order["lines"]] == ["2.14", "0.86"]
    assert order["ship_to"]["country"] == "US" and order["amounts"]["payment_fee"] == "1.42"
    again = client.post("/api/v1/orders", json=body(), headers=send)
    assert again.headers.get("idempotent-replayed") == "true"
    plain = client.post("/api/v1/orders", json=body(), headers=integration)
    assert plain.json()["outcome"] == "unchanged"
    assert order_count(store) == 1
    assert [t for t, _ in events(store)].count("order.created") == 1


def test_post_order_answers_422_and_stores_nothing_when_quantities_are_bad(
        client: TestClient, integration: dict[str, str], store: UnitOfWork) -> None:
    lines = [{"sku": "MUG-RED", "qty": -2, "unit_price": "12.50"}]
    problem = assert_problem(client.post("/api/v1/orders", json=body(lines=lines, total=None),
                                         headers=integration), 422, "validation_failed")
    assert {"field": "lines[0].qty", "message": "must not be negative", "value": -2} in \
        problem["errors"]
    fractional = [{"sku": "MUG-RED", "qty": 1.5, "unit_price": "12.50"}]
    assert_problem(client.post("/api/v1/orders", json=body(lines=fractional),
                               headers=integration), 422)
    assert order_count(store) == 0


def test_post_order_names_total_when_it_does_not_add_up(
        client: TestClient, integration: dict[str, str]) -> None:
    problem = assert_problem(client.post("/api/v1/orders", json=body(total="38.70"),
                                         headers=integration), 422)
    assert problem["errors"][0]["field"] == "total" and "38.73 USD" in problem["detail"]


def test_list_and_show_return_orders_when_read_only_token_asks(
        client: TestClient, integration: dict[str, str], store: UnitOfWork) -> None:
    for n in range(3):
        client.post("/api/v1/orders", json=body(external_id=f"WEB-{n}"), headers=integration)
    reader = headers(store.engine, "read-only")
    page = client.get("/api/v1/orders", params={"limit": 2}, headers=reader).json()
    assert [o["external_id"] for o in page["items"]] == ["WEB-2", "WEB-1"]
    rest = client.get("/api/v1/orders", params={"limit": 2, "cursor": page["next_cursor"]},
                      headers=reader).json()
    assert [o["external_id"] for o in rest["items"]] == ["WEB-0"] and rest["next_cursor"] is None
    detail = client.get(f"/api/v1/orders/{rest['items'][0]['id']}", headers=reader).json()
    assert len(detail["lines"]) == 2 and detail["history"][0]["action"] == "created"
    assert_problem(client.get("/api/v1/orders", params={"state": "lost"}, headers=reader), 422)
    assert_problem(client.get("/api/v1/orders/999", headers=reader), 404, "not_found")


def test_hold_release_and_cancel_work_when_service_role_acts(
        client: TestClient, integration: dict[str, str], store: UnitOfWork) -> None:
    order_id = client.post("/api/v1/orders", json=body(), headers=integration).json()["order_id"]
    service = headers(store.engine, "service")
    held = client.post(f"/api/v1/orders/{order_id}/holds", headers=service,
                       json={"kind": "fraud_review", "reason": "3 cards tried"})
    assert held.status_code == 201 and held.json()["order"]["state"] == "on_hold"
    listed = client.get("/api/v1/orders", params={"hold": "fraud_review"}, headers=service)
    assert [o["id"] for o in listed.json()["items"]] == [order_id]
    released = client.post(f"/api/v1/orders/{order_id}/holds/{held.json()['hold_id']}/release",
                           headers=service, json={"note": "verified by phone"})
    assert released.json()["state"] == "open"
    line_id = released.json()["lines"][0]["id"]
    cancelled = client.post(f"/api/v1/orders/{order_id}/cancel", headers=service,
                            json={"reason": "out of stock", "lines": [{"line_id": line_id,
                                                                       "qty": 1}]})
    assert cancelled.json()["cancelled"][0]["qty"] == 1
    assert_problem(client.post(f"/api/v1/orders/{order_id}/cancel", headers=service, json={
        "reason": "x", "lines": [{"line_id": line_id, "qty": 5}]}), 422)


def test_writes_are_forbidden_when_role_is_warehouse(
        client: TestClient, store: UnitOfWork) -> None:
    warehouse = headers(store.engine, "warehouse")
    assert_problem(client.post("/api/v1/orders", json=body(), headers=warehouse), 403,
                   "forbidden")
    assert client.get("/api/v1/orders", headers=warehouse).status_code == 200


def test_channels_and_sku_mapping_work_when_integration_sets_them_up(
        client: TestClient, integration: dict[str, str]) -> None:
    created = client.post("/api/v1/channels", headers=integration,
                          json={"code": "shop-eu", "kind": "shopify", "currency": "EUR"})
    assert created.status_code == 201
    assert created.json()["webhook_secret_env"] == "BACKROOM_CHANNEL_SHOP_EU_SECRET"
    assert created.json()["webhook_secret_set"] is False
    response = client.get("/api/v1/channels", headers=integration)
    assert SHOP_SECRET not in response.text  # secrets are never shown
    listed = response.json()["items"]
    assert next(c for c in listed if c["code"] == "SHOP")["webhook_secret_set"] is True
    assert {"API", "SHOP-EU", "SHOP"} <= {c["code"] for c in listed}
    mapped = client.post("/api/v1/channels/SHOP-EU/skus", headers=integration,
                         json={"external": "variant:77", "sku": "MUG-RED"})
    assert mapped.json()["orders_updated"] == []
    assert_problem(client.post("/api/v1/channels/SHOP-EU/skus", headers=integration,
                               json={"external": "x", "sku": "NOPE"}), 404)
    assert_problem(client.post("/api/v1/channels", headers=integration,
                               json={"code": "SHOP-EU", "kind": "csv"}), 409, "conflict")
