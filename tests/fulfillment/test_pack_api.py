"""Packing and shipping over HTTP and the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.tables import BOXES
from backroom.inventory import services as inventory
from backroom.shipping import adapters
from backroom.shipping.tables import SHIPMENTS
from tests.api.helpers import assert_problem, cli_database, client_for, headers
from tests.fulfillment.fo_setup import (
    BIN,
    PACK,
    PLAIN_GTIN,
    events,
    picked_fo,
)
from tests.shipping.test_shipments_support import FlakyAdapter, installed

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("store")


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with client_for(uow.engine) as test_client:
        yield test_client


def count(uow: UnitOfWork, table: object) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_box_routes_create_change_and_import_when_called_with_write_role(
        client: TestClient, uow: UnitOfWork) -> None:
    wh = headers(uow.engine, "warehouse")
    made = client.post("/api/v1/boxes", headers=wh, json={
        "code": "CUBE", "inner_length_mm": 300, "inner_width_mm": 300, "inner_height_mm": 300,
        "max_weight_g": 9000, "cost": "0.70"})
    assert made.status_code == 201 and made.json()["cost_minor"] == 70
    patched = client.patch("/api/v1/boxes/CUBE", headers=wh, json={"tare_g": 200})
    assert patched.json()["tare_g"] == 200
    assert client.post("/api/v1/boxes/CUBE/deactivate", headers=wh).json()["active"] is False
    listed = client.get("/api/v1/boxes", headers=headers(uow.engine, "read-only")).json()
    assert "CUBE" not in {b["code"] for b in listed["items"]} and listed["next_cursor"] is None
    csv_headers = {**wh, "Content-Type": "text/csv"}
    good = "code,inner_length_mm,inner_width_mm,inner_height_mm,max_weight_g,cost\n" \
           "NEW,100,100,100,1000,0.10\n"
    assert client.post("/api/v1/boxes/import", headers=csv_headers,
                       content=good).json()["created"] == 1
    before = count(uow, BOXES)
    bad = assert_problem(client.post("/api/v1/boxes/import", headers=csv_headers,
                                     content=good + "X,1,1,1,0,1\n"), 422)
    assert [(e["line"], e["field"], e["value"]) for e in bad["errors"]] == [
        (3, "max_weight_g", 0)]
    assert count(uow, BOXES) == before


def test_pack_and_ship_routes_work_end_to_end_when_called_in_order(
        client: TestClient, uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 4})
    wh = headers(uow.engine, "warehouse")
    base = f"/api/v1/fulfillment-orders/{fo.fo_id}"
    proposal = client.post(f"{base}/cartons/propose", headers=wh).json()
    number = proposal["cartons"][0]["carton_no"]
    for c in proposal["cartons"]:
        for item in c["items"]:
            scanned = client.post(f"{base}/pack-scan", headers=wh, json={
                "carton_no": c["carton_no"], "barcode": PLAIN_GTIN, "qty": item["qty"]})
            assert scanned.status_code == 200, scanned.text
        assert client.post(f"{base}/cartons/{c['carton_no']}/seal", headers=wh).status_code == 200
    status = client.get(f"{base}/cartons", headers=headers(uow.engine, "read-only")).json()
    assert status["state"] == "packed" and status["cartons"][0]["carton_no"] == number
    key = {**wh, "Idempotency-Key": "ship-fo-1"}
    shipped = client.post(f"{base}/ship", headers=key)
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["cogs_minor"] == 4 * 500
    again = client.post(f"{base}/ship", headers=key)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == shipped.json()
    assert count(uow, SHIPMENTS) == 1 and len(events(uow, "order.shipped")) == 1


def test_pack_routes_answer_problems_when_input_is_refused(client: TestClient,
                                                           uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 2})
    wh = headers(uow.engine, "warehouse")
    base = f"/api/v1/fulfillment-orders/{fo.fo_id}"
    assert_problem(client.post(f"{base}/ship", headers=wh), 409, "conflict")
    opened = client.post(f"{base}/cartons", headers=wh, json={"box": "BOX-S"})
    assert opened.status_code == 201
    body = assert_problem(client.post(f"{base}/pack-scan", headers=wh, json={
        "carton_no": 1, "barcode": "OTHER"}), 422, "validation_failed")
    assert body["barcode"] == "OTHER" and body["fulfillment_order_id"] == fo.fo_id
    assert_problem(client.post(f"{base}/pack-scan", headers=wh, json={
        "carton_no": 1, "barcode": PLAIN_GTIN, "qty": 3}), 422)
    assert_problem(client.post("/api/v1/fulfillment-orders/999/cartons/propose", headers=wh),
                   404)


def test_ship_route_leaves_no_shipment_and_voids_the_label_when_stock_is_missing(
        client: TestClient, uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 2})
    wh = headers(uow.engine, "warehouse")
    base = f"/api/v1/fulfillment-orders/{fo.fo_id}"
    client.post(f"{base}/cartons", headers=wh, json={"box": "BOX-L"})
    client.post(f"{base}/pack-scan", headers=wh, json={"carton_no": 1, "barcode": "PLAIN",
                                                        "qty": 2})
    client.post(f"{base}/cartons/1/seal", headers=wh)
    inventory.move(uow, "PLAIN", 2, PACK, BIN)
    flaky = FlakyAdapter(adapters.get_adapter("ratecard"))
    with installed("ratecard", flaky):
        assert_problem(client.post(f"{base}/ship", headers=wh), 409, "insufficient_stock")
    assert len(flaky.voided) == 1
    assert count(uow, SHIPMENTS) == 0  # the API's one transaction rolled back, label voided


def cli(*args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_cli_imports_boxes_packs_and_ships_when_commands_run_in_order(
        db_url: str, uow: UnitOfWork, tmp_path: Path) -> None:
    fo = picked_fo(uow, {"PLAIN": 3})
    path = tmp_path / "boxes.csv"
    path.write_text("code,name,inner_length_mm,inner_width_mm,inner_height_mm,max_weight_g,"
                    "tare_g,cost\nCUBE,Cube,400,400,400,20000,300,0.90\n", encoding="utf-8")
    with cli_database(db_url):
        assert cli("boxes", "import", str(path))["created"] == 1
        assert "CUBE" in {b["code"] for b in runner_json("boxes", "list")}
        proposal = cli("pack", "propose", str(fo.fo_id))
        assert proposal["cartons"]
        cli("pack", "open", str(fo.fo_id), "CUBE")
        number = len(proposal["cartons"]) + 1  # type: ignore[arg-type]
        wrong = runner.invoke(app, ["pack", "scan", str(fo.fo_id), str(number), "OTHER"])
        assert wrong.exit_code == 2 and "not on this fulfillment order" in wrong.output
        cli("pack", "scan", str(fo.fo_id), str(number), PLAIN_GTIN, "--qty", "3")
        assert cli("pack", "seal", str(fo.fo_id), str(number))["state"] == "packed"
        shipped = cli("pack", "ship", str(fo.fo_id))
    assert shipped["cogs_minor"] == 1500 and shipped["fulfillment_order_id"] == fo.fo_id


def runner_json(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data
