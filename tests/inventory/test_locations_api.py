"""HTTP routes for warehouses and locations (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backroom.db.uow import UnitOfWork
from tests.api.helpers import assert_problem, client_for, headers

WAREHOUSE = {"code": "WH1", "name": "Main", "postal_code": "SW1A 1AA", "country": "GB",
             "address_line1": "1 Dock Rd", "city": "London", "latitude": 51.5,
             "longitude": -0.12}


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with client_for(uow.engine) as test_client:
        yield test_client


@pytest.fixture
def admin(uow: UnitOfWork) -> dict[str, str]:
    return headers(uow.engine, "admin")


@pytest.fixture
def wh(client: TestClient, admin: dict[str, str]) -> str:
    response = client.post("/api/v1/warehouses", json=WAREHOUSE, headers=admin)
    assert response.status_code == 201, response.text
    return "WH1"


def test_creates_warehouse_with_standard_locations_when_posted(client: TestClient,
                                                               admin: dict[str, str]) -> None:
    response = client.post("/api/v1/warehouses", json=WAREHOUSE, headers=admin)
    assert response.status_code == 201
    body = response.json()
    assert (body["code"], body["postal_code"], body["latitude"]) == ("WH1", "SW1A 1AA", 51.5)
    assert body["standard_locations"] == {"input": "WH1-INPUT", "pack": "WH1-PACK",
                                          "output": "WH1-OUTPUT",
                                          "quarantine": "WH1-QUARANTINE"}
    fetched = client.get("/api/v1/warehouses/wh1", headers=admin).json()
    assert fetched == body


def test_refuses_unknown_fields_when_warehouse_body_has_extras(client: TestClient,
                                                               admin: dict[str, str]) -> None:
    response = client.post("/api/v1/warehouses", json={**WAREHOUSE, "manager": "Ann"},
                           headers=admin)
    assert assert_problem(response, 422)["errors"][0]["field"] == "manager"


def test_refuses_with_403_when_role_may_only_move_stock(client: TestClient, uow: UnitOfWork,
                                                        wh: str) -> None:
    warehouse_role = headers(uow.engine, "warehouse")
    assert_problem(client.post("/api/v1/warehouses", json={**WAREHOUSE, "code": "WH2"},
                               headers=warehouse_role), 403, "forbidden")
    assert_problem(client.post("/api/v1/warehouses/WH1/bins", json={"spec": "A x 1 x 1"},
                               headers=warehouse_role), 403)
    assert client.get("/api/v1/warehouses/WH1", headers=warehouse_role).status_code == 200
    assert client.get("/api/v1/locations", headers=warehouse_role).status_code == 200


def test_creates_bins_and_reports_existing_when_spec_is_posted(client: TestClient,
                                                               admin: dict[str, str],
                                                               wh: str) -> None:
    url = "/api/v1/warehouses/WH1/bins"
    first = client.post(url, json={"spec": "A-C x 1-5 x 1-2", "zone": "pick"}, headers=admin)
    assert first.status_code == 200
    assert (first.json()["created"], first.json()["zone"]) == (30, "PICK")
    again = client.post(url, json={"spec": "A-D x 1-5 x 1-2"}, headers=admin).json()
    assert (again["created"], again["existing"], again["requested"]) == (10, 30, 40)
    assert client.get("/api/v1/warehouses/WH1", headers=admin).json()["bins"] == 40


def test_answers_422_naming_the_part_when_spec_is_bad(client: TestClient,
                                                      admin: dict[str, str], wh: str) -> None:
    response = client.post("/api/v1/warehouses/WH1/bins", json={"spec": "A-J x 30-1 x 1"},
                           headers=admin)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["field"] == "spec.bays"
    assert "reversed" in body["detail"]


def test_answers_404_when_bins_target_unknown_warehouse(client: TestClient,
                                                        admin: dict[str, str]) -> None:
    assert_problem(client.post("/api/v1/warehouses/NOPE/bins", json={"spec": "A x 1 x 1"},
                               headers=admin), 404, "not_found")


def test_filters_locations_when_query_is_given(client: TestClient, admin: dict[str, str],
                                               wh: str) -> None:
    client.post("/api/v1/warehouses/WH1/bins", json={"spec": "A-B x 1-2 x 1"}, headers=admin)
    def codes(**params: str) -> list[str]:
        response = client.get("/api/v1/locations", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()["items"]]

    assert codes(warehouse="WH1", kind="storage") == ["WH1-A-01-1", "WH1-A-02-1",
                                                      "WH1-B-01-1", "WH1-B-02-1"]
    assert codes(kind="input") == ["WH1-INPUT"]
    assert set(codes(kind="supplier")) == {"SUPPLIER"}
    assert codes(q="b-01") == ["WH1-B-01-1"]
    assert codes(q="%") == []
    assert codes(q="customers") == ["CUSTOMER"]
    assert len(codes()) == 5 + 4 + 4


def test_answers_problem_when_location_filter_is_unknown(client: TestClient,
                                                         admin: dict[str, str]) -> None:
    assert_problem(client.get("/api/v1/locations", params={"kind": "shelf"}, headers=admin),
                   422)
    assert_problem(client.get("/api/v1/locations", params={"warehouse": "NOPE"},
                              headers=admin), 404)


def test_shows_a_location_with_its_stock_when_fetched(client: TestClient,
                                                      admin: dict[str, str], wh: str) -> None:
    body = client.get("/api/v1/locations/wh1-input", headers=admin).json()
    assert (body["code"], body["kind"], body["warehouse"], body["physical"]) == (
        "WH1-INPUT", "input", "WH1", True)
    assert body["stock"] == {"lines": 0, "on_hand": 0, "reserved": 0}
    assert_problem(client.get("/api/v1/locations/NOPE", headers=admin), 404)


def test_adds_and_deactivates_a_bin_when_posted(client: TestClient, admin: dict[str, str],
                                                wh: str) -> None:
    created = client.post("/api/v1/warehouses/WH1/locations", headers=admin,
                          json={"aisle": "D", "bay": 7, "level": 3, "zone": "bulk"})
    assert created.status_code == 201
    assert (created.json()["code"], created.json()["zone"]) == ("WH1-D-07-3", "BULK")
    assert_problem(client.post("/api/v1/warehouses/WH1/locations", headers=admin,
                               json={"aisle": "D", "bay": 7, "level": 3}), 409, "conflict")
    retired = client.post("/api/v1/locations/WH1-D-07-3/deactivate", headers=admin)
    assert retired.status_code == 200
    assert retired.json()["active"] is False
    assert_problem(client.post("/api/v1/locations/LOSS/deactivate", headers=admin), 409)


def test_replays_bins_answer_when_retried_with_the_same_key(client: TestClient,
                                                            admin: dict[str, str],
                                                            wh: str) -> None:
    keyed = {**admin, "Idempotency-Key": "layout-1"}
    url = "/api/v1/warehouses/WH1/bins"
    first = client.post(url, json={"spec": "A x 1-4 x 1"}, headers=keyed)
    second = client.post(url, json={"spec": "A x 1-4 x 1"}, headers=keyed)
    assert first.json()["created"] == second.json()["created"] == 4
    assert second.headers["idempotent-replayed"] == "true"
