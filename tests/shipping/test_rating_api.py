"""``POST /api/v1/shipping/quotes`` and ``GET /api/v1/shipping/carriers`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from backroom.core import clock
from backroom.db.uow import UnitOfWork
from backroom.inventory.tables import WAREHOUSES
from tests.api.helpers import assert_problem, client_for, headers

URL = "/api/v1/shipping/quotes"
BODY: dict[str, Any] = {
    "origin_warehouse": "SFO1",
    "destination": {"country": "US", "postal_code": "94110", "residential": True},
    "packages": [{"length_mm": 300, "width_mm": 200, "height_mm": 100, "weight_g": 1200}],
    "promise_date": "2026-11-25",
    "ready_at": "2026-11-24T15:00:00Z",
}


def add_warehouse(uow: UnitOfWork, code: str = "SFO1") -> None:
    with uow.transaction() as conn:
        conn.execute(insert(WAREHOUSES).values(
            code=code, name="San Francisco", postal_code="94107", country="US",
            latitude=37.7621, longitude=-122.3971, created_at=clock.now()))


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    add_warehouse(uow)
    with client_for(uow.engine) as test_client:
        yield test_client


def by_service(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{q['carrier']}/{q['service']}": q for q in body["quotes"]}


def test_quotes_are_401_when_no_token_is_sent(client: TestClient) -> None:
    assert_problem(client.post(URL, json=BODY), 401, "unauthorized")
    assert_problem(client.get("/api/v1/shipping/carriers"), 401, "unauthorized")


def test_returns_every_quote_with_breakdown_when_warehouse_ships(client: TestClient,
                                                                 uow: UnitOfWork) -> None:
    response = client.post(URL, json={**BODY, "choose": True},
                           headers=headers(uow.engine, "warehouse"))
    assert response.status_code == 200, response.text
    body = response.json()
    quotes = by_service(body)
    assert set(quotes) == {"PWY/GROUND", "PWY/TWO_DAY", "PWY/NEXT_DAY", "METRO/SAME_DAY",
                           "METRO/NEXT_DAY"}
    ground = quotes["PWY/GROUND"]
    # 3 lb in zone 2: base 10.11 + residential 5.45 = 15.56; fuel 14.25 % = 2.2173 → 2.22.
    assert [(x["code"], x["amount"]) for x in ground["lines"]] == [
        ("base", "10.11"), ("residential", "5.45"), ("fuel", "2.22")]
    assert (ground["total"], ground["total_minor"], ground["currency"]) == ("17.78", 1778, "USD")
    assert (ground["zone"], ground["billable_weight"], ground["weight_unit"]) == ("2", "3", "lb")
    assert (ground["ship_date"], ground["delivery_date"]) == ("2026-11-24", "2026-11-25")
    assert body["choice"]["chosen"]["service"] == "NEXT_DAY"  # Metro Next Day, 9.18 USD
    assert body["choice"]["chosen"]["total"] == "9.18" and body["choice"]["meets_promise"]
    assert {e["carrier"] for e in body["excluded"]} == {"EUP"}


def test_read_only_may_quote_when_quoting_changes_nothing(client: TestClient,
                                                          uow: UnitOfWork) -> None:
    origin = {"country": "DE", "postal_code": "10115"}
    body = {**BODY, "origin_warehouse": None, "origin": origin,
            "destination": {"country": "AT", "postal_code": "1010"}}
    response = client.post(URL, json=body, headers=headers(uow.engine, "read-only"))
    assert response.status_code == 200, response.text
    assert {q["carrier"] for q in response.json()["quotes"]} == {"EUP"}


def test_says_no_service_meets_promise_and_names_fastest_when_promise_is_too_soon(
        client: TestClient, uow: UnitOfWork) -> None:
    body = {**BODY, "destination": {"country": "US", "postal_code": "10001"},
            "promise_date": "2026-11-24", "choose": True}
    choice = client.post(URL, json=body, headers=headers(uow.engine, "service")).json()["choice"]
    assert (choice["meets_promise"], choice["chosen"]) == (False, None)
    assert choice["fastest"]["service"] == "NEXT_DAY" and choice["fastest"]["carrier"] == "PWY"
    assert choice["message"].startswith("no service delivers by 2026-11-24; the fastest is")


@pytest.mark.parametrize("change, field", [
    ({"packages": [{"length_mm": 300, "width_mm": 200, "height_mm": 100, "weight_g": "12"}]},
     "packages.0.weight_g"),
    ({"packages": [{"length_mm": 30.5, "width_mm": 200, "height_mm": 100, "weight_g": 12}]},
     "packages.0.length_mm"),
    ({"destination": {"country": "US", "postal_code": "94110", "floor": 3}},
     "destination.floor"),
    ({"promise_date": "2026-02-30"}, "promise_date"),
])
def test_is_422_naming_field_when_json_has_wrong_types(client: TestClient, uow: UnitOfWork,
                                                       change: dict[str, Any],
                                                       field: str) -> None:
    response = client.post(URL, json={**BODY, **change}, headers=headers(uow.engine, "admin"))
    problem = assert_problem(response, 422, "validation_failed")
    assert [e["field"] for e in problem["errors"]] == [field]


@pytest.mark.parametrize("change, fields", [
    ({"packages": [{"length_mm": 300, "width_mm": 200, "height_mm": 100, "weight_g": 0}]},
     ["packages[0].weight_g"]),
    ({"packages": []}, ["packages"]),
    ({"destination": {"country": "ZZ", "postal_code": "1"}}, ["destination.country"]),
    ({"destination": {"country": "US", "postal_code": "9411"}}, ["destination.postal_code"]),
    ({"origin": {"country": "US", "postal_code": "94107"}}, ["origin"]),
    ({"carriers": ["NOPE"]}, ["carriers"]),
])
def test_is_422_naming_field_when_values_are_invalid(client: TestClient, uow: UnitOfWork,
                                                     change: dict[str, Any],
                                                     fields: list[str]) -> None:
    response = client.post(URL, json={**BODY, **change}, headers=headers(uow.engine, "admin"))
    problem = assert_problem(response, 422, "validation_failed")
    assert [e["field"] for e in problem["errors"]] == fields


def test_is_422_no_service_when_package_is_too_big_for_every_service(
        client: TestClient, uow: UnitOfWork) -> None:
    body = {**BODY, "packages": [{"length_mm": 3000, "width_mm": 100, "height_mm": 100,
                                  "weight_g": 1000}]}
    problem = assert_problem(client.post(URL, json=body, headers=headers(uow.engine, "admin")),
                             422, "no_service")
    assert "larger or heavier than any service allows" in problem["detail"]
    reasons = {e["field"]: e["message"] for e in problem["errors"]}
    assert reasons["PWY/GROUND"] == "package 1 exceeds max length 108 in (longest side 118 in)"


def test_is_404_when_origin_warehouse_is_unknown(client: TestClient, uow: UnitOfWork) -> None:
    response = client.post(URL, json={**BODY, "origin_warehouse": "NOPE"},
                           headers=headers(uow.engine, "admin"))
    assert_problem(response, 404, "not_found")


def test_lists_carriers_and_services_when_asked(client: TestClient, uow: UnitOfWork) -> None:
    response = client.get("/api/v1/shipping/carriers", headers=headers(uow.engine, "read-only"))
    assert response.status_code == 200
    items = {c["code"]: c for c in response.json()["items"]}
    assert sorted(items) == ["EUP", "METRO", "PWY"]
    pwy = {s["code"]: s for s in items["PWY"]["services"]}
    assert (pwy["GROUND"]["pickup_cutoff"], pwy["GROUND"]["max_weight"]) == ("17:00", "150 lb")
    assert items["EUP"]["dim_divisor"] == 5000
