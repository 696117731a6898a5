"""Channel availability over HTTP on SQLite and PostgreSQL: settings, mappings, sync, the
paginated read, roles and bad input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backroom.db.uow import UnitOfWork
from backroom.orders.availability_tables import CHANNEL_LOCATIONS
from tests.api.helpers import assert_problem, client_for, headers
from tests.orders.test_availability import build, count, levels, receive

BASE = "/api/v1/channels"


@pytest.fixture
def shop(uow: UnitOfWork) -> UnitOfWork:
    return build(uow)


@pytest.fixture
def client(shop: UnitOfWork) -> Iterator[TestClient]:
    with client_for(shop.engine) as test_client:
        yield test_client


@pytest.fixture
def integration(shop: UnitOfWork) -> dict[str, str]:
    return headers(shop.engine, "integration")


def post(client: TestClient, auth: dict[str, str], path: str, body: Any) -> Any:
    response = client.post(f"{BASE}/{path}", json=body, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_settings_mappings_sync_and_read_work_when_called_in_order(
        client: TestClient, integration: dict[str, str], shop: UnitOfWork) -> None:
    receive(shop, 6)
    receive(shop, 5, "OTHER")
    post(client, integration, "SHOP/availability/buffer", {"buffer": 1})
    post(client, integration, "SHOP/availability/buffer", {"buffer": 0, "sku": "OTHER"})
    assert post(client, integration, "SHOP/availability/locations",
                {"warehouse": "WH1", "location_id": 111})["location_id"] == 111
    for sku, item in (("PLAIN", "900"), ("OTHER", 901)):
        post(client, integration, "SHOP/availability/items",
             {"sku": sku, "inventory_item_id": item})
    report = post(client, integration, "availability-sync", {"full": False})
    assert (report["full"], report["exported"]) == (False, 2 + 2 + 2)  # SHOP, WEB, API
    assert sorted((p["inventory_item_id"], p["available"]) for p in levels(shop, "SHOP")) == [
        (900, 5), (901, 5)]
    first = client.get(f"{BASE}/SHOP/availability?limit=1", headers=integration).json()
    assert [i["sku"] for i in first["items"]] == ["OTHER"] and first["next_cursor"]
    second = client.get(f"{BASE}/SHOP/availability",
                        params={"limit": 1, "cursor": first["next_cursor"]},
                        headers=integration).json()
    plain = second["items"][0]
    assert (plain["sku"], plain["buffer"], plain["available"], second["next_cursor"]) == (
        "PLAIN", 1, 5, None)
    assert plain["levels"] == [{"level": "location:111", "warehouses": ["WH1"], "available": 5,
                                "exported": 5, "location_id": 111, "inventory_item_id": 900}]
    settings = client.get(f"{BASE}/SHOP/availability/settings", headers=integration).json()
    assert settings["locations"] == [{"warehouse": "WH1", "location_id": 111}]


def test_warehouses_and_sync_answer_with_idempotent_replay_when_key_is_reused(
        client: TestClient, integration: dict[str, str], shop: UnitOfWork) -> None:
    receive(shop, 4, warehouse="WH2")
    post(client, integration, "WEB/availability/warehouses", {"warehouses": ["WH1"]})
    send = {**integration, "Idempotency-Key": "sync-1"}
    first = client.post(f"{BASE}/availability-sync", headers=send)
    again = client.post(f"{BASE}/availability-sync", headers=send)
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert levels(shop, "WEB") == [{"channel": "WEB", "sku": "PLAIN", "warehouse": "all",
                                    "available": 0}]
    assert levels(shop, "API")[-1]["available"] == 4


@pytest.mark.parametrize(("path", "body", "status", "field"), [
    ("SHOP/availability/locations", {"warehouse": "WH1", "location_id": 1.5}, 422,
     "location_id"),
    ("SHOP/availability/locations", {"warehouse": "WH1", "location_id": "-7"}, 422,
     "location_id"),
    ("SHOP/availability/locations", {"warehouse": "WH9", "location_id": 7}, 404, "warehouse"),
    ("SHOP/availability/buffer", {"buffer": -2}, 422, "buffer"),
    ("SHOP/availability/items", {"sku": "NOPE", "inventory_item_id": 5}, 404, "sku"),
    ("NOPE/availability/buffer", {"buffer": 2}, 404, None),
])
def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing_when_refused(
        client: TestClient, integration: dict[str, str], shop: UnitOfWork, path: str,
        body: dict[str, Any], status: int, field: str | None) -> None:
    response = client.post(f"{BASE}/{path}", json=body, headers=integration)
    problem = assert_problem(response, status)
    if field is not None:
        assert [e["field"] for e in problem["errors"]] == [field], problem
    assert count(shop, CHANNEL_LOCATIONS) == 0
    settings = client.get(f"{BASE}/SHOP/availability/settings", headers=integration).json()
    assert settings["default_buffer"] == 0


def test_read_only_role_reads_but_may_not_change_when_it_tries(
        client: TestClient, shop: UnitOfWork) -> None:
    reader = headers(shop.engine, "read-only")
    assert client.get(f"{BASE}/WEB/availability", headers=reader).status_code == 200
    denied = client.post(f"{BASE}/WEB/availability/buffer", json={"buffer": 1}, headers=reader)
    assert_problem(denied, 403, "forbidden")
    assert_problem(client.get(f"{BASE}/NOPE/availability", headers=reader), 404, "not_found")


def test_unmap_routes_zero_the_levels_and_forget_the_mapping_when_called(
        client: TestClient, integration: dict[str, str], shop: UnitOfWork) -> None:
    receive(shop, 6)
    post(client, integration, "SHOP/availability/locations", {"warehouse": "WH1",
                                                              "location_id": 111})
    post(client, integration, "SHOP/availability/items", {"sku": "PLAIN",
                                                          "inventory_item_id": 900})
    post(client, integration, "availability-sync", None)
    assert post(client, integration, "SHOP/availability/locations/unmap",
                {"warehouse": "WH1"}) == {"channel": "SHOP", "warehouse": "WH1",
                                          "location_id": 111, "exported": 1}
    assert [p["available"] for p in levels(shop, "SHOP")] == [6, 0]
    assert post(client, integration, "SHOP/availability/items/unmap",
                {"sku": "PLAIN"})["inventory_item_id"] == 900
    settings = client.get(f"{BASE}/SHOP/availability/settings", headers=integration).json()
    assert (settings["locations"], settings["inventory_items_mapped"]) == ([], 0)
    again = client.post(f"{BASE}/SHOP/availability/items/unmap", json={"sku": "PLAIN"},
                        headers=integration)
    assert [e["field"] for e in assert_problem(again, 404)["errors"]] == ["sku"]
    missing = client.post(f"{BASE}/SHOP/availability/locations/unmap",
                          json={"warehouse": "WH2"}, headers=integration)
    assert [e["field"] for e in assert_problem(missing, 404)["errors"]] == ["warehouse"]


def test_deactivate_and_activate_routes_stop_and_restart_the_channel_when_called(
        client: TestClient, integration: dict[str, str], shop: UnitOfWork) -> None:
    receive(shop, 3)
    post(client, integration, "availability-sync", None)
    stopped = post(client, integration, "WEB/deactivate", None)
    assert (stopped["active"], stopped["levels_zeroed"]) == (False, 1)
    assert [p["available"] for p in levels(shop, "WEB")] == [3, 0]
    receive(shop, 2)
    post(client, integration, "availability-sync", None)
    assert [p["available"] for p in levels(shop, "WEB")] == [3, 0]
    assert post(client, integration, "WEB/activate", None)["active"] is True
    post(client, integration, "availability-sync", None)
    assert [p["available"] for p in levels(shop, "WEB")] == [3, 0, 5]
    assert_problem(client.post(f"{BASE}/NOPE/deactivate", headers=integration), 404)


@pytest.mark.parametrize(("path", "body"), [
    ("SHOP/availability/locations/unmap", {"warehouse": "WH1"}),
    ("SHOP/availability/items/unmap", {"sku": "PLAIN"}),
    ("WEB/deactivate", None),
    ("WEB/activate", None),
])
def test_read_only_role_may_not_unmap_or_deactivate_when_it_tries(
        client: TestClient, shop: UnitOfWork, path: str, body: Any) -> None:
    post(client, headers(shop.engine, "integration"), "SHOP/availability/locations",
         {"warehouse": "WH1", "location_id": 111})
    reader = headers(shop.engine, "read-only")
    assert_problem(client.post(f"{BASE}/{path}", json=body, headers=reader), 403, "forbidden")
    assert count(shop, CHANNEL_LOCATIONS) == 1
    assert [c["active"] for c in client.get(f"{BASE}", headers=reader).json()["items"]
            if c["code"] == "WEB"] == [True]
