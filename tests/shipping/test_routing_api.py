"""POST /api/v1/routes/plans and GET /api/v1/routes/sample (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from backroom.db.uow import UnitOfWork
from tests.api.helpers import assert_problem, client_for, headers
from tests.shipping.routing_helpers import request

PLANS = "/api/v1/routes/plans"


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with client_for(uow.engine) as test_client:
        yield test_client


@pytest.fixture
def warehouse(uow: UnitOfWork) -> dict[str, str]:
    return headers(uow.engine, "warehouse")


def test_answers_the_plan_when_a_warehouse_token_posts_a_request(
        client: TestClient, warehouse: dict[str, str]) -> None:
    response = client.post(PLANS, json=request(), headers=warehouse)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["summary"]["stops"] == 3 and plan["summary"]["feasible"] is True
    assert plan["routes"][0]["stops"][0]["arrival"].endswith("+02:00")


def test_lists_unplaceable_deliveries_with_reasons_when_not_strict(
        client: TestClient, warehouse: dict[str, str]) -> None:
    data = request()
    data["deliveries"].append({"id": "PIANO", "lat": 52.51, "lon": 13.40, "weight_g": 900_000})
    plan = client.post(PLANS, json=data, headers=warehouse).json()
    assert plan["unassigned"] == [{
        "delivery_id": "PIANO", "address": "", "code": "too_heavy",
        "reason": "weighs 900 kg, more than any vehicle carries (max 700 kg)"}]


def test_answers_422_naming_the_delivery_when_strict_and_it_fits_no_vehicle(
        client: TestClient, warehouse: dict[str, str]) -> None:
    data = request()
    data["deliveries"].append({"id": "PIANO", "lat": 52.51, "lon": 13.40, "weight_g": 900_000})
    body = assert_problem(client.post(PLANS, params={"strict": "true"}, json=data,
                                      headers=warehouse), 422, "validation_failed")
    assert body["errors"] == [{"field": "deliveries[3]", "value": "PIANO",
                               "message": "weighs 900 kg, more than any vehicle carries "
                                          "(max 700 kg)"}]


def test_answers_422_with_every_problem_when_the_body_is_invalid(
        client: TestClient, warehouse: dict[str, str]) -> None:
    data = request()
    data["deliveries"][0]["lat"] = 100
    data["vehicles"][0]["shift_end"] = "tomorrow"
    body = assert_problem(client.post(PLANS, json=data, headers=warehouse), 422)
    assert {e["field"] for e in body["errors"]} == {"deliveries[0].lat", "vehicles[0].shift_end"}


def test_returns_route_sheets_and_map_when_format_is_pdf_or_svg(
        client: TestClient, warehouse: dict[str, str]) -> None:
    pdf = client.post(PLANS, params={"format": "pdf"}, json=request(), headers=warehouse)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "Route VAN-" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    svg = client.post(PLANS, params={"format": "svg"}, json=request(), headers=warehouse)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.text).tag.endswith("svg")


def test_answers_403_when_a_read_only_token_posts_a_plan(client: TestClient,
                                                          uow: UnitOfWork) -> None:
    response = client.post(PLANS, json=request(), headers=headers(uow.engine, "read-only"))
    assert_problem(response, 403, "forbidden")
    sample = client.get("/api/v1/routes/sample", headers=headers(uow.engine, "read-only"))
    assert sample.status_code == 200 and len(sample.json()["deliveries"]) == 30
