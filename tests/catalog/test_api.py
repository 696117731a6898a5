"""Catalog HTTP API: auth, problem+json errors, idempotent POSTs, paging and CSV import."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backroom.api.app import create_app
from backroom.api.auth import create_token
from backroom.db.uow import UnitOfWork
from tests.catalog.conftest import gtin13, product_count

PROBLEM = "application/problem+json"
MUG = {"sku": "MUG-1", "name": "Mug", "barcodes": [{"code": gtin13(1)}], "weight_g": 350,
       "inner_qty": 6, "case_qty": 24, "standard_cost": "2.50", "tracking": "lot"}


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with TestClient(create_app(uow.engine)) as test_client:
        yield test_client


def auth(uow: UnitOfWork, role: str = "admin") -> dict[str, str]:
    with uow.transaction() as conn:
        _, secret = create_token(conn, role, f"test {role}")
    return {"Authorization": f"Bearer {secret}"}


def errors(response: Any) -> list[tuple[Any, ...]]:
    assert response.headers["content-type"].startswith(PROBLEM)
    return [(e.get("line"), e["field"], e.get("value")) for e in response.json()["errors"]]


def test_products_need_a_token_when_called_without_one(client: TestClient) -> None:
    response = client.get("/api/v1/products")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


def test_create_is_forbidden_when_role_is_service(client: TestClient, uow: UnitOfWork) -> None:
    headers = auth(uow, "service")
    assert client.post("/api/v1/products", json=MUG, headers=headers).status_code == 403
    assert client.get("/api/v1/products", headers=headers).status_code == 200
    assert product_count(uow) == 0


def test_create_returns_product_when_body_is_valid(client: TestClient, uow: UnitOfWork) -> None:
    headers = auth(uow, "integration")
    response = client.post("/api/v1/products", json=MUG, headers=headers)
    assert response.status_code == 201
    body = response.json()
    assert (body["sku"], body["standard_cost"], body["currency"]) == ("MUG-1", "2.50", "USD")
    assert body["barcodes"] == [{"code": gtin13(1), "packaging": "each"}]
    assert client.get("/api/v1/products/MUG-1", headers=headers).json() == body
    found = client.get(f"/api/v1/barcodes/0{gtin13(1)}", headers=headers).json()
    assert (found["qty"], found["product"]["sku"]) == (1, "MUG-1")


@pytest.mark.parametrize("change, field", [({"weight_g": "350"}, "weight_g"),
                                           ({"active": "yes"}, "active"),
                                           ({"weight_g": 1.5}, "weight_g"),
                                           ({"tracking": "batch"}, "tracking"),
                                           ({"colour": "red"}, "colour"),
                                           ({"barcodes": ["4006381333931"]}, "barcodes.0")])
def test_create_is_422_problem_when_json_has_wrong_types(client: TestClient, uow: UnitOfWork,
                                                         change: dict[str, Any],
                                                         field: str) -> None:
    response = client.post("/api/v1/products", json={**MUG, **change}, headers=auth(uow))
    assert response.status_code == 422
    assert [e[1] for e in errors(response)] == [field]
    assert product_count(uow) == 0


def test_create_lists_field_and_value_when_domain_rules_fail(client: TestClient,
                                                             uow: UnitOfWork) -> None:
    body = {**MUG, "weight_g": -1, "case_qty": 20, "barcodes": [{"code": "4006381333932"}]}
    response = client.post("/api/v1/products", json=body, headers=auth(uow))
    assert response.status_code == 422
    assert errors(response) == [(None, "weight_g", -1), (None, "case_qty", 20),
                                (None, "barcode", "4006381333932")]


def test_create_is_409_when_sku_exists(client: TestClient, uow: UnitOfWork) -> None:
    headers = auth(uow)
    client.post("/api/v1/products", json=MUG, headers=headers)
    response = client.post("/api/v1/products", json={**MUG, "barcodes": []}, headers=headers)
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_retry_replays_answer_when_idempotency_key_is_reused(client: TestClient,
                                                             uow: UnitOfWork) -> None:
    headers = {**auth(uow), "Idempotency-Key": "create-mug-1"}
    first = client.post("/api/v1/products", json=MUG, headers=headers)
    second = client.post("/api/v1/products", json=MUG, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert product_count(uow) == 1


def test_patch_changes_given_fields_when_body_is_partial(client: TestClient,
                                                         uow: UnitOfWork) -> None:
    headers = auth(uow)
    client.post("/api/v1/products", json=MUG, headers=headers)
    response = client.patch("/api/v1/products/MUG-1", headers=headers,
                            json={"active": False, "standard_cost": None, "weight_g": 400})
    assert response.status_code == 200
    body = response.json()
    assert (body["active"], body["standard_cost"], body["weight_g"], body["name"]) == \
        (False, None, 400, "Mug")


def test_patch_is_refused_when_required_field_is_null_or_sku_unknown(client: TestClient,
                                                                     uow: UnitOfWork) -> None:
    headers = auth(uow)
    client.post("/api/v1/products", json=MUG, headers=headers)
    response = client.patch("/api/v1/products/MUG-1", json={"name": None}, headers=headers)
    assert response.status_code == 422 and errors(response) == [(None, "name", None)]
    assert client.patch("/api/v1/products/NOPE", json={"name": "x"},
                        headers=headers).status_code == 404


def test_list_pages_with_cursor_when_more_items_exist(client: TestClient, uow: UnitOfWork) -> None:
    headers = auth(uow)
    for sku in ("C", "A", "B"):
        client.post("/api/v1/products", json={"sku": sku, "name": sku}, headers=headers)
    first = client.get("/api/v1/products?limit=2", headers=headers).json()
    assert [p["sku"] for p in first["items"]] == ["A", "B"]
    rest = client.get(f"/api/v1/products?limit=2&cursor={first['next_cursor']}",
                      headers=headers).json()
    assert [p["sku"] for p in rest["items"]] == ["C"] and rest["next_cursor"] is None
    bad = client.get("/api/v1/products?cursor=nonsense", headers=headers)
    assert bad.status_code == 422


def test_import_writes_nothing_and_lists_lines_when_a_row_is_bad(client: TestClient,
                                                                 uow: UnitOfWork) -> None:
    csv_text = "sku,name,weight_g\nA,a,1\nB,b,-2\nC,,x\n"
    response = client.post("/api/v1/products/import", content=csv_text,
                           headers={**auth(uow), "Content-Type": "text/csv"})
    assert response.status_code == 422
    assert errors(response) == [(3, "weight_g", -2), (4, "weight_g", "x"), (4, "name", None)]
    assert product_count(uow) == 0


def test_import_writes_good_rows_when_skip_invalid(client: TestClient, uow: UnitOfWork) -> None:
    csv_text = b"sku,name,weight_g\nA,a,1\nB,b,-2\n"
    response = client.post("/api/v1/products/import?skip_invalid=true", headers=auth(uow),
                           files={"file": ("products.csv", csv_text, "text/csv")})
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["invalid_rows"]) == (1, 1)
    assert body["errors"] == [{"field": "weight_g", "message": "must be positive", "value": -2,
                               "line": 3}]


def test_import_is_415_when_body_is_not_csv(client: TestClient, uow: UnitOfWork) -> None:
    response = client.post("/api/v1/products/import", json={"sku": "A"}, headers=auth(uow))
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
