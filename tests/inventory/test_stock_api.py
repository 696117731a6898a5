"""The stock HTTP API on both databases: writes, typed input, errors, auth and idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backroom.api.app import create_app
from backroom.api.auth import create_token
from backroom.db.uow import UnitOfWork
from backroom.inventory.tables import MOVES
from tests.inventory.store import build_store

API = "/api/v1"


def make_token(uow: UnitOfWork, role: str) -> str:
    with uow.transaction() as conn:
        return create_token(conn, role, f"test {role}")[1]


@pytest.fixture
def store(uow: UnitOfWork) -> UnitOfWork:
    build_store(uow)
    return uow


@pytest.fixture
def client(store: UnitOfWork) -> Iterator[TestClient]:
    with TestClient(create_app(store.engine)) as c:
        c.headers["Authorization"] = f"Bearer {make_token(store, 'warehouse')}"
        yield c


def move_count(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(MOVES)).scalar_one())


def receive(client: TestClient, sku: str = "PLAIN", qty: int = 10, **extra: Any) -> Any:
    body = {"warehouse": "WH1", "reference": "PO-1",
            "lines": [{"sku": sku, "qty": qty, "unit_cost": "2.50", **extra}]}
    res = client.post(f"{API}/stock/receipts", json=body)
    assert res.status_code == 201, res.text
    return res.json()


def on_hand(client: TestClient, sku: str) -> dict[str, int]:
    res = client.get(f"{API}/stock/levels/{sku}")
    assert res.status_code == 200, res.text
    return {r["location"]: r["on_hand"] for r in res.json()["items"]}


def test_levels_show_a_receipt_when_received(client: TestClient) -> None:
    out = receive(client)
    assert out["moves"][0] | {"id": 0} == {
        "id": 0, "sku": "PLAIN", "qty": 10, "from": "SUPPLIER", "to": "WH1-INPUT",
        "reason": "receipt", "reference": "PO-1", "value_minor": 2500}
    assert on_hand(client, "PLAIN") == {"WH1-INPUT": 10}
    listed = client.get(f"{API}/stock/levels", params={"sku": "PLAIN"}).json()
    assert [(r["location"], r["warehouse"], r["on_hand"]) for r in listed["items"]] == [
        ("WH1-INPUT", "WH1", 10)]
    assert listed["next_cursor"] is None


def test_unit_cost_is_the_written_decimal_when_sent_as_a_json_number(client: TestClient) -> None:
    res = client.post(f"{API}/stock/receipts", json={
        "warehouse": "WH1", "lines": [{"sku": "PLAIN", "qty": 3, "unit_cost": 0.1}]})
    assert res.status_code == 201, res.text
    assert res.json()["moves"][0]["value_minor"] == 30


def test_shipment_is_409_with_shortfalls_when_stock_is_short(client: TestClient,
                                                              store: UnitOfWork) -> None:
    receive(client, qty=2)
    res = client.post(f"{API}/stock/shipments", json={"sku": "PLAIN", "qty": 5,
                                                      "from": "WH1-INPUT", "reference": "SO-1"})
    assert res.status_code == 409
    assert res.headers["content-type"] == "application/problem+json"
    body = res.json()
    assert body["code"] == "insufficient_stock"
    [short] = body["shortfalls"]
    assert (short["sku"], short["requested"], short["available"]) == ("PLAIN", 5, 2)
    assert "WH1" in short["location"]
    assert move_count(store) == 1
    assert on_hand(client, "PLAIN") == {"WH1-INPUT": 2}


@pytest.mark.parametrize(("line", "field"), [
    ({"sku": "PLAIN", "qty": "5"}, "lines.0.qty"),
    ({"sku": "PLAIN", "qty": 1.5}, "lines.0.qty"),
    ({"sku": "PLAIN", "qty": 5.0}, "lines.0.qty"),
    ({"sku": "PLAIN", "qty": True}, "lines.0.qty"),
    ({"sku": "PLAIN", "qty": 0}, "lines.0.qty"),
    ({"qty": 5}, "lines.0.sku"),
    ({"sku": "PLAIN", "qty": 5, "colour": "red"}, "lines.0.colour"),
    ({"sku": "PLAIN", "qty": 5, "unit_cost": "cheap"}, "lines.0.unit_cost"),
    ({"sku": "PLAIN", "qty": 5, "unit_cost": "-1"}, "lines.0.unit_cost"),
    ({"sku": "PLAIN", "qty": 5, "expiry": "tomorrow"}, "lines.0.expiry"),
])
def test_receipt_is_422_naming_the_field_when_a_line_is_mistyped(
        client: TestClient, store: UnitOfWork, line: dict[str, Any], field: str) -> None:
    res = client.post(f"{API}/stock/receipts", json={"warehouse": "WH1", "lines": [line]})
    assert res.status_code == 422, res.text
    body = res.json()
    assert body["code"] == "validation_failed"
    assert field in [e["field"] for e in body["errors"]]
    assert move_count(store) == 0


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/stock/receipts", {"warehouse": "WH1", "lines": []}, "lines"),
    ("/stock/receipts", {"lines": [{"sku": "PLAIN", "qty": 1}]}, "warehouse"),
    ("/stock/moves", {"sku": "PLAIN", "qty": 1, "from": "WH1-INPUT"}, "to"),
    ("/stock/moves", {"sku": "PLAIN", "qty": 1, "from": "WH1-INPUT", "to": "WH1-PACK",
                      "reason": "receipt"}, "reason"),
    ("/stock/adjustments", {"location": "WH1-INPUT", "sku": "PLAIN", "delta": 0,
                            "reason": "damage"}, "delta"),
    ("/stock/adjustments", {"location": "WH1-INPUT", "sku": "PLAIN", "delta": -1,
                            "reason": "magic"}, "reason"),
    ("/stock/shipments", {"sku": "PLAIN", "qty": 1, "from": "WH1-INPUT"}, "reference"),
    ("/stock/reservations", {"warehouse": "WH1", "sku": "PLAIN", "qty": "2",
                             "reference": "SO-1"}, "qty"),
    ("/stock/safety-stock", {"warehouse": "WH1", "sku": "PLAIN", "safety_stock": -1},
     "safety_stock"),
    ("/stock/transfers", {"from": "WH1-INPUT", "to_warehouse": "WH2",
                          "lines": [{"sku": "PLAIN", "qty": 2, "lot": ""}]}, "lines.0.lot"),
])
def test_post_is_422_naming_the_field_when_body_is_invalid(
        client: TestClient, store: UnitOfWork, path: str, body: dict[str, Any],
        field: str) -> None:
    receive(client)
    res = client.post(f"{API}{path}", json=body)
    assert res.status_code == 422, res.text
    assert field in [e["field"] for e in res.json()["errors"]]
    assert move_count(store) == 1


def test_release_is_422_when_both_or_neither_target_given(client: TestClient) -> None:
    for body in ({"reservation_id": 1, "reference": "SO-1"}, {"qty": 1}):
        res = client.post(f"{API}/stock/reservations/release", json=body)
        assert res.status_code == 422
        assert "exactly one of reservation_id or reference" in res.json()["detail"]


def test_unknown_codes_are_404_naming_them_when_posted(client: TestClient,
                                                        store: UnitOfWork) -> None:
    res = client.post(f"{API}/stock/receipts", json={
        "warehouse": "WH1", "lines": [{"sku": "NOPE", "qty": 1}, {"sku": "GONE", "qty": 1}]})
    assert res.status_code == 404
    assert {(e["field"], e["value"]) for e in res.json()["errors"]} == {
        ("sku", "NOPE"), ("sku", "GONE")}
    assert client.get(f"{API}/stock/levels/NOPE").status_code == 404
    assert client.get(f"{API}/stock/moves/424242").status_code == 404
    assert client.post(f"{API}/stock/moves/424242/reverse").status_code == 404
    assert move_count(store) == 0


def test_post_is_403_and_reads_allowed_when_token_is_read_only(client: TestClient,
                                                               store: UnitOfWork) -> None:
    read_only = {"Authorization": f"Bearer {make_token(store, 'read-only')}"}
    res = client.post(f"{API}/stock/receipts", headers=read_only, json={
        "warehouse": "WH1", "lines": [{"sku": "PLAIN", "qty": 1}]})
    assert res.status_code == 403
    assert res.json()["code"] == "forbidden"
    assert client.get(f"{API}/stock/levels", headers=read_only).status_code == 200
    assert client.get(f"{API}/stock/levels", headers={"Authorization": ""}).status_code == 401
    assert move_count(store) == 0


def test_shipment_ships_once_when_replayed_with_the_same_idempotency_key(
        client: TestClient, store: UnitOfWork) -> None:
    receive(client)
    body = {"sku": "PLAIN", "qty": 3, "from": "WH1-INPUT", "reference": "SO-7"}
    key = {"Idempotency-Key": "ship-SO-7"}
    first = client.post(f"{API}/stock/shipments", json=body, headers=key)
    again = client.post(f"{API}/stock/shipments", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert on_hand(client, "PLAIN") == {"WH1-INPUT": 7}
    assert move_count(store) == 2
    other = client.post(f"{API}/stock/shipments", json={**body, "qty": 1}, headers=key)
    assert other.status_code == 422


def test_move_adjust_and_reverse_change_levels_when_posted(client: TestClient) -> None:
    receive(client)
    moved = client.post(f"{API}/stock/moves", json={
        "sku": "PLAIN", "qty": 4, "from": "WH1-INPUT", "to": "WH1-A-01-1",
        "reason": "putaway", "note": "morning putaway"})
    assert moved.status_code == 201, moved.text
    adjusted = client.post(f"{API}/stock/adjustments", json={
        "location": "WH1-A-01-1", "sku": "PLAIN", "delta": -1, "reason": "damage"})
    assert adjusted.json()["moves"][0]["to"] == "LOSS"
    assert on_hand(client, "PLAIN") == {"WH1-INPUT": 6, "WH1-A-01-1": 3}
    move_id = moved.json()["moves"][0]["id"]
    refused = client.post(f"{API}/stock/moves/{move_id}/reverse", json={"note": "wrong bin"})
    assert refused.status_code == 409  # 3 of the 4 units are left in the bin
    assert refused.json()["code"] == "insufficient_stock"
    adjust_id = adjusted.json()["moves"][0]["id"]
    back = client.post(f"{API}/stock/moves/{adjust_id}/reverse", json={"note": "not damaged"})
    assert back.status_code == 201, back.text
    assert back.json()["moves"][0]["reason"] == "reversal"
    assert on_hand(client, "PLAIN") == {"WH1-INPUT": 6, "WH1-A-01-1": 4}
    shown = client.get(f"{API}/stock/moves/{adjust_id}").json()
    assert shown["reversed_by"] == back.json()["moves"][0]["id"]
    again = client.post(f"{API}/stock/moves/{adjust_id}/reverse")
    assert again.status_code == 409


def test_ids_are_422_when_out_of_range_or_not_numbers(client: TestClient) -> None:
    for method, path in (("get", "/stock/moves/0"), ("get", f"/stock/moves/{2**70}"),
                         ("get", "/stock/moves/abc"), ("post", f"/stock/moves/{2**64}/reverse"),
                         ("post", "/stock/transfers/-1/receive")):
        res = getattr(client, method)(f"{API}{path}")
        assert res.status_code == 422, (path, res.text)
    res = client.post(f"{API}/stock/reservations/release", json={"reservation_id": 2**70})
    assert res.json()["errors"][0]["field"] == "reservation_id"
