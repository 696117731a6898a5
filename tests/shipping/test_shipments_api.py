"""The shipments HTTP API end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient

from backroom.db.uow import UnitOfWork
from tests.api.helpers import assert_problem, client_for, headers
from tests.shipping.test_labels import bars_on, decode_code128, parse_zpl
from tests.shipping.test_shipments_support import events, fixed_clock, make_warehouse


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with fixed_clock():
        make_warehouse(uow)
        with client_for(uow.engine) as test_client:
            yield test_client


@pytest.fixture
def clerk(uow: UnitOfWork) -> dict[str, str]:
    return headers(uow.engine, "warehouse")


def body(**changes: Any) -> dict[str, Any]:
    data = {"reference": "ORDER-1001", "warehouse": "WH1",
            "ship_to": {"name": "Jane Doe", "line1": "5 Main St", "city": "Chicago",
                        "region": "IL", "postal_code": "60601", "country": "US"},
            "packages": [{"length_mm": 300, "width_mm": 200, "height_mm": 100, "weight_g": 1200}],
            "promised_date": "2026-11-25",
            "contents": [{"sku": "MUG-1", "name": "Mug", "qty": 2}]}
    return {**data, **changes}


def create(client: TestClient, auth: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/shipments", json=body(**changes), headers=auth)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_create_then_buy_then_print_when_requests_are_valid(client: TestClient,
                                                            clerk: dict[str, str]) -> None:
    shipment = create(client, clerk)
    assert (shipment["service"], shipment["state"]) == ("TWO_DAY", "draft")
    bought = client.post(f"/api/v1/shipments/{shipment['id']}/label", headers=clerk).json()
    number = bought["tracking_number"]
    assert bought["state"] == "purchased" and bought["cost"] == "46.64"
    pdf = client.get(f"/api/v1/shipments/{shipment['id']}/label.pdf", headers=clerk)
    assert pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    assert decode_code128(bars_on(reader.pages[0], reader)) == number
    assert "Jane Doe" in reader.pages[0].extract_text()
    zpl = client.get(f"/api/v1/shipments/{shipment['id']}/label.zpl", headers=clerk).text
    assert [f["text"] for f in parse_zpl(zpl)[0] if f["barcode"]] == [number]
    slip = client.get(f"/api/v1/shipments/{shipment['id']}/packing-slip.pdf", headers=clerk)
    assert "MUG-1" in pypdf.PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()


def test_buy_happens_once_when_request_is_retried_with_same_idempotency_key(
        client: TestClient, clerk: dict[str, str], uow: UnitOfWork) -> None:
    sid = create(client, clerk)["id"]
    retry = {**clerk, "Idempotency-Key": "buy-1001"}
    first = client.post(f"/api/v1/shipments/{sid}/label", headers=retry)
    second = client.post(f"/api/v1/shipments/{sid}/label", headers=retry)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["tracking_number"] == second.json()["tracking_number"]
    assert len(events(uow, "shipment.label_purchased")) == 1
    assert_problem(client.post(f"/api/v1/shipments/{sid}/label", headers=clerk), 409, "conflict")


def test_create_answers_422_with_every_problem_when_body_is_bad(client: TestClient,
                                                               clerk: dict[str, str]) -> None:
    bad = body(packages=[{"length_mm": 300, "width_mm": 200, "height_mm": 100, "weight_g": 0}],
               ship_to={**body()["ship_to"], "country": "XX"}, carrier="PWY")
    problem = assert_problem(client.post("/api/v1/shipments", json=bad, headers=clerk), 422)
    fields = {e["field"] for e in problem["errors"]}
    assert {"packages[1].weight_g", "ship_to.country", "service"} <= fields
    late = body(promised_date="2026-11-23")
    problem = assert_problem(client.post("/api/v1/shipments", json=late, headers=clerk), 422,
                             "promise_unreachable")
    assert problem["fastest"]["service"] == "NEXT_DAY"
    assert client.get("/api/v1/shipments", headers=clerk).json()["items"] == []


def test_label_documents_answer_409_when_no_label_was_bought(client: TestClient,
                                                            clerk: dict[str, str]) -> None:
    sid = create(client, clerk)["id"]
    assert_problem(client.get(f"/api/v1/shipments/{sid}/label.pdf", headers=clerk), 409)
    assert_problem(client.get("/api/v1/shipments/999", headers=clerk), 404, "not_found")


def test_void_then_list_and_page_when_shipments_exist(client: TestClient,
                                                      clerk: dict[str, str]) -> None:
    ids = [create(client, clerk, reference=f"ORDER-{i}")["id"] for i in range(3)]
    client.post(f"/api/v1/shipments/{ids[0]}/label", headers=clerk)
    voided = client.post(f"/api/v1/shipments/{ids[0]}/void", headers=clerk).json()
    assert voided["state"] == "voided"
    page = client.get("/api/v1/shipments?limit=2", headers=clerk).json()
    assert [s["id"] for s in page["items"]] == [ids[2], ids[1]]
    rest = client.get(f"/api/v1/shipments?limit=2&cursor={page['next_cursor']}",
                      headers=clerk).json()
    assert [s["id"] for s in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    drafts = client.get("/api/v1/shipments?state=draft", headers=clerk).json()["items"]
    assert {s["id"] for s in drafts} == {ids[1], ids[2]}
    shown = client.get(f"/api/v1/shipments/{ids[0]}", headers=clerk).json()
    assert shown["voided_at"].endswith("Z") and shown["packages"][0]["weight_g"] == 1200


def test_manifest_lists_todays_labels_as_pdf_and_csv_when_posted(client: TestClient,
                                                                  clerk: dict[str, str]) -> None:
    ids = [create(client, clerk, reference=f"ORDER-{i}")["id"] for i in range(2)]
    numbers = [client.post(f"/api/v1/shipments/{i}/label", headers=clerk).json()
               ["tracking_number"] for i in ids]
    request = {"carrier": "PWY", "ship_date": "2026-11-23", "warehouse": "WH1"}
    made = client.post("/api/v1/shipments/manifests", json=request, headers=clerk)
    assert made.status_code == 201, made.text
    manifest = made.json()
    assert (manifest["shipments"], manifest["packages"]) == (2, 2)
    rows = list(csv.DictReader(io.StringIO(client.get(manifest["csv_url"], headers=clerk).text)))
    assert [r["tracking_number"] for r in rows] == numbers
    pdf = client.get(manifest["pdf_url"], headers=clerk).content
    assert numbers[1] in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    again = client.post("/api/v1/shipments/manifests", json=request, headers=clerk)
    assert "not on a manifest yet" in assert_problem(again, 422)["detail"]
    assert_problem(client.post(f"/api/v1/shipments/{ids[0]}/void", headers=clerk), 409)


def test_writes_answer_403_when_role_may_only_read(client: TestClient, uow: UnitOfWork) -> None:
    reader = headers(uow.engine, "read-only")
    assert_problem(client.post("/api/v1/shipments", json=body(), headers=reader), 403)
    assert client.get("/api/v1/shipments", headers=reader).status_code == 200
