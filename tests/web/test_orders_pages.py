"""The orders pages: the list and its filters, one order (lines, holds, history, sourcing and
fulfillment orders) and releasing a hold from it (``orders:write`` only, CSRF checked)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from backroom.db.uow import UnitOfWork
from backroom.fulfillment.tables import SOURCING_DECISIONS
from backroom.orders import pages as orders_pages
from backroom.orders import queries, services
from tests.fulfillment.flowkit import api_order
from tests.web.flowseed import flow_store, order_with_fo
from tests.web.html import column, input_values, table_rows
from tests.web.seed import make_token

Orders = tuple[int, int, int]  # W-1 (with a fulfillment order), its fulfillment order, W-2


@pytest.fixture
def orders(uow: UnitOfWork) -> Orders:
    flow_store(uow)
    first, fo_id = order_with_fo(uow, "W-1")
    second = api_order(uow, "W-2", [1])
    return first, fo_id, int(second.order_id)


def _hold(uow: UnitOfWork, order_id: int, reason: str = "check the address") -> int:
    return int(services.place_hold(uow, order_id, "manual", reason, "test")["hold_id"])


def _page(client: TestClient, path: str, **params: str) -> str:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text[-400:]
    return response.text


def _refusal(html: str) -> str:
    found = re.search(r'id="refusal">([^<]*)<', html)
    return found.group(1) if found else ""


def test_orders_list_shows_newest_first_with_states_when_signed_in(
        warehouse_client: TestClient, orders: Orders) -> None:
    first, _, second = orders
    html = _page(warehouse_client, "/orders")
    rows = table_rows(html, "orders")
    assert [r[0] for r in rows] == ["W-2", "W-1"]
    assert rows[1][:2] == ["W-1", "API"]
    assert rows[1][3:] == ["— US", "5.00 USD", "processing", "paid", "unfulfilled"]
    assert rows[0][5] == "open"
    assert f'href="/orders/{first}"' in html and f'href="/orders/{second}"' in html


FILTERS: list[tuple[dict[str, str], list[str]]] = [
    ({"state": "on_hold"}, ["W-2"]),
    ({"hold": "manual"}, ["W-2"]),
    ({"hold": "fraud_review"}, []),
    ({"channel": "api"}, ["W-2", "W-1"]),
    ({"channel": "NOPE"}, []),
    ({"number": "W-1"}, ["W-1"]),
    ({"state": "no-such-state", "hold": "nor-this"}, ["W-2", "W-1"]),
]


def test_orders_list_filters_when_asked(warehouse_client: TestClient, uow: UnitOfWork,
                                        orders: Orders, subtests: pytest.Subtests) -> None:
    _hold(uow, orders[2])
    for params, expected in FILTERS:
        with subtests.test(**params):
            assert column(_page(warehouse_client, "/orders", **params), "orders") == expected


def test_orders_list_continues_on_next_page_when_more_than_a_page(
        warehouse_client: TestClient, orders: Orders, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders_pages, "PAGE_SIZE", 1)
    html = _page(warehouse_client, "/orders")
    assert column(html, "orders") == ["W-2"]
    after = re.search(r'href="/orders\?after=(\d+)"', html)
    assert after is not None and int(after.group(1)) == orders[2]
    assert column(_page(warehouse_client, "/orders", after=after.group(1)), "orders") == ["W-1"]


def test_order_page_shows_buckets_fulfillment_and_sourcing_when_sourced(
        warehouse_client: TestClient, uow: UnitOfWork, orders: Orders) -> None:
    first, fo_id, _ = orders
    html = _page(warehouse_client, f"/orders/{first}")
    assert table_rows(html, "lines") == [
        ["PLAIN", "", "3", "0", "3", "0", "0", "0", "0", "1.00"],
        ["OTHER", "", "2", "0", "2", "0", "0", "0", "0", "1.00"]]
    assert table_rows(html, "fulfillment-orders") == [
        [str(fo_id), "W-1", "WH1", "waiting", "—", "—", "next wave"]]
    assert "created" in column(html, "history", 1)
    assert 'id="sourcing-reason"' not in html
    with uow.transaction() as conn:
        conn.execute(insert(SOURCING_DECISIONS).values(
            order_id=first, strategy="cost", estimated_cost_minor=1234, currency="USD",
            packages=1, backordered_units=0, reason="WH1 ships everything in one parcel",
            detail={}, decided_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC)))
    html = _page(warehouse_client, f"/orders/{first}")
    assert "WH1 ships everything in one parcel" in html and "12.34 USD" in html


def test_service_user_releases_a_hold_when_posting_the_form(
        client: TestClient, uow: UnitOfWork, orders: Orders,
        sign_in: Callable[[str], str]) -> None:
    sign_in("service")
    order_id = orders[2]
    hold_id = _hold(uow, order_id)
    html = _page(client, f"/orders/{order_id}")
    action = f"/orders/{order_id}/holds/{hold_id}/release"
    assert f'action="{action}"' in html
    response = client.post(action, data={"csrf_token": input_values(html)["csrf_token"],
                                         "note": "address confirmed by phone"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/orders/{order_id}#holds"
    with uow.read() as conn:
        order = queries.get_order(conn, order_id)
    assert order["state"] == "open" and not order["holds"][0]["active"]
    assert order["holds"][0]["released_by"] == "dashboard:service tester"
    row = table_rows(_page(client, f"/orders/{order_id}"), "holds")[0]
    assert row[3].endswith("dashboard:service tester · address confirmed by phone")


def test_release_is_refused_on_the_order_page_when_hold_is_no_longer_active(
        client: TestClient, uow: UnitOfWork, orders: Orders,
        sign_in: Callable[[str], str]) -> None:
    sign_in("service")
    order_id = orders[2]
    hold_id = _hold(uow, order_id)
    token = input_values(_page(client, f"/orders/{order_id}"))["csrf_token"]
    services.release_hold(uow, order_id, hold_id, "someone else")
    response = client.post(f"/orders/{order_id}/holds/{hold_id}/release",
                           data={"csrf_token": token})
    assert response.status_code == 409
    assert "already released by someone else" in _refusal(response.text)
    assert "<h1" in response.text and "Order W-2" in response.text


def test_roles_without_orders_write_see_no_release_form_and_are_refused_when_posting(
        client: TestClient, uow: UnitOfWork, orders: Orders,
        sign_in: Callable[[str], str]) -> None:
    order_id = orders[2]
    hold_id = _hold(uow, order_id)
    action = f"/orders/{order_id}/holds/{hold_id}/release"
    for role in ("read-only", "warehouse"):
        sign_in(role)
        html = _page(client, f"/orders/{order_id}")
        assert f'action="{action}"' not in html and "check the address" in html
        response = client.post(action, data={"csrf_token": input_values(html)["csrf_token"]})
        assert response.status_code == 403 and "orders:write" in response.text
    client.cookies.set("backroom_token", make_token(uow, "service"), domain="testserver.local")
    assert client.post(action, data={"csrf_token": "forged"}).status_code == 403
    with uow.read() as conn:
        assert queries.get_order(conn, order_id)["holds"][0]["active"]


def test_order_page_is_not_found_when_order_is_unknown(warehouse_client: TestClient,
                                                       orders: Orders) -> None:
    for path in ("/orders/999999", "/orders/abc", "/orders/0"):
        response = warehouse_client.get(path)
        assert response.status_code == 404 and "Order not found" in response.text
