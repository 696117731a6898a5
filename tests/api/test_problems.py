"""Every error is an RFC 9457 problem+json body with a stable code (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from backroom.api.app import create_app
from backroom.db.uow import UnitOfWork
from tests.api.helpers import assert_problem, headers

BODY = {"code": "WH1", "name": "Main", "postal_code": "10001", "country": "US"}


def test_answers_problem_404_when_resource_is_unknown(client: TestClient,
                                                      admin: dict[str, str]) -> None:
    body = assert_problem(client.get("/api/v1/warehouses/NOPE", headers=admin), 404, "not_found")
    assert "NOPE" in body["detail"]
    assert body["warehouse"] == "NOPE"


def test_answers_problem_404_when_route_does_not_exist(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_answers_problem_405_with_allow_when_method_is_wrong(client: TestClient) -> None:
    response = client.delete("/api/v1/warehouses")
    assert_problem(response, 405, "method_not_allowed")
    # Starlette names the methods of the first route matching the path.
    assert "GET" in response.headers["allow"]


def test_lists_each_field_when_body_fails_validation(client: TestClient,
                                                     admin: dict[str, str]) -> None:
    response = client.post("/api/v1/warehouses", json={"code": "WH1", "extra": 1},
                           headers=admin)
    body = assert_problem(response, 422, "validation_failed")
    fields = {e["field"] for e in body["errors"]}
    assert {"name", "postal_code", "country", "extra"} <= fields
    assert all(e["message"] for e in body["errors"])


def test_names_the_body_when_json_is_malformed(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/api/v1/warehouses", content=b"{not json",
                           headers={**admin, "content-type": "application/json"})
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["field"] == "body"


def test_carries_every_problem_when_service_refuses_input(client: TestClient,
                                                          admin: dict[str, str]) -> None:
    response = client.post("/api/v1/warehouses", headers=admin,
                           json={**BODY, "country": "XX", "latitude": 100, "longitude": 0})
    body = assert_problem(response, 422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {"country", "latitude"}
    assert body["title"] == "Invalid input"


def test_answers_problem_409_when_resource_exists(client: TestClient,
                                                  admin: dict[str, str]) -> None:
    assert client.post("/api/v1/warehouses", json=BODY, headers=admin).status_code == 201
    body = assert_problem(client.post("/api/v1/warehouses", json=BODY, headers=admin), 409,
                          "conflict")
    assert body["title"] == "Conflict"


def test_answers_problem_500_without_details_when_code_crashes(uow: UnitOfWork) -> None:
    app = create_app(uow.engine)

    @app.get("/api/v1/test-crash")
    def crash() -> None:
        raise RuntimeError("secret internals")

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/api/v1/test-crash", headers=headers(uow.engine, "admin"))
    body = assert_problem(response, 500, "internal_error")
    assert "secret internals" not in response.text
    assert body["title"] == "Internal error"
