"""The stock HTTP API's read side on both databases: filters, cursors, positions, transfers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from backroom.api.pagination import encode_cursor
from tests.inventory.test_stock_api import API, client, on_hand, receive, store

__all__ = ["client", "store"]  # fixtures used by the tests below


def pages(client: TestClient, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list endpoint, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        res = client.get(f"{API}{path}", params=query)
        assert res.status_code == 200, res.text
        body = res.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("cursor never ended")


def spread(client: TestClient) -> None:
    receive(client, "PLAIN", 10)
    receive(client, "OTHER", 6)
    receive(client, "LOTTED", 4, lot="L1", expiry="2027-01-31")
    for n, bin_code in enumerate(("WH1-A-01-1", "WH1-A-02-1", "WH1-A-03-1"), start=1):
        for sku in ("PLAIN", "OTHER"):
            res = client.post(f"{API}/stock/moves", json={"sku": sku, "qty": n, "from":
                                                          "WH1-INPUT", "to": bin_code})
            assert res.status_code == 201, res.text


def test_level_pages_join_up_to_the_full_list_when_following_cursors(client: TestClient) -> None:
    spread(client)
    full = client.get(f"{API}/stock/levels", params={"limit": 500}).json()["items"]
    assert len(full) == 8  # OTHER moved out of WH1-INPUT entirely: its zero row is left out
    assert ("WH1-INPUT", "OTHER") not in {(r["location"], r["sku"]) for r in full}
    for size in (1, 2, 4):
        assert pages(client, "/stock/levels", size) == full
    lotted = client.get(f"{API}/stock/levels", params={"lot": "L1"}).json()["items"]
    assert [(r["sku"], r["lot"], r["expiry"]) for r in lotted] == [
        ("LOTTED", "L1", "2027-01-31")]
    in_bin = client.get(f"{API}/stock/levels", params={"location": "WH1-A-02-1"}).json()
    assert {(r["sku"], r["on_hand"]) for r in in_bin["items"]} == {("PLAIN", 2), ("OTHER", 2)}
    virtual = client.get(f"{API}/stock/levels", params={"include_virtual": "true",
                                                         "location": "SUPPLIER"}).json()
    assert {(r["sku"], r["on_hand"]) for r in virtual["items"]} == {
        ("PLAIN", -10), ("OTHER", -6), ("LOTTED", -4)}


def test_cursor_is_422_when_not_issued_by_the_api(client: TestClient) -> None:
    for path, cursor in (("/stock/levels", "not-a-cursor"),
                         ("/stock/levels", encode_cursor({"k": ["A", 1, "x"]})),
                         ("/stock/moves", encode_cursor({"k": "7"})),
                         ("/stock/positions", encode_cursor({"k": ["WH1", "PLAIN", 0]}))):
        res = client.get(f"{API}{path}", params={"cursor": cursor})
        assert res.status_code == 422, (path, res.text)
        assert res.json()["errors"][0]["field"] == "cursor"


def test_moves_filter_and_page_when_queried(client: TestClient) -> None:
    spread(client)
    everything = pages(client, "/stock/moves", 500)
    assert len(everything) == 9
    assert [m["id"] for m in everything] == sorted((m["id"] for m in everything), reverse=True)
    assert pages(client, "/stock/moves", 2) == everything
    putaways = pages(client, "/stock/moves", 2, sku="OTHER", location="WH1-INPUT",
                     reason="internal")
    assert [(m["to"], m["qty"]) for m in putaways] == [
        ("WH1-A-03-1", 3), ("WH1-A-02-1", 2), ("WH1-A-01-1", 1)]
    assert [m["sku"] for m in pages(client, "/stock/moves", 5, reference="PO-1")] == [
        "LOTTED", "OTHER", "PLAIN"]
    first = everything[-1]["done_at"]
    since = client.get(f"{API}/stock/moves", params={"since": first, "limit": 500}).json()
    assert len(since["items"]) == 9
    until = client.get(f"{API}/stock/moves", params={"until": first}).json()
    assert until["items"] == []
    far = client.get(f"{API}/stock/moves", params={"since": "2999-01-01T00:00:00+02:00"})
    assert far.json()["items"] == []
    naive = client.get(f"{API}/stock/moves", params={"since": "2025-01-01T00:00:00"})
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "since"
    assert client.get(f"{API}/stock/moves", params={"reason": "magic"}).status_code == 422
    one = client.get(f"{API}/stock/moves/{everything[0]['id']}").json()
    assert one == everything[0]


def test_positions_show_available_when_reserved_and_safety_set(client: TestClient) -> None:
    receive(client, "PLAIN", 10)
    res = client.post(f"{API}/stock/reservations", json={
        "warehouse": "WH1", "sku": "PLAIN", "qty": 4, "reference": "SO-1"})
    assert res.status_code == 201, res.text
    [made] = res.json()["reservations"]
    assert (made["warehouse"], made["sku"], made["qty"], made["state"]) == (
        "WH1", "PLAIN", 4, "active")
    safety = client.post(f"{API}/stock/safety-stock", json={"warehouse": "WH1", "sku": "PLAIN",
                                                            "safety_stock": 2})
    assert safety.status_code == 200, safety.text
    [row] = client.get(f"{API}/stock/positions", params={"sku": "PLAIN"}).json()["items"]
    assert (row["on_hand"], row["reserved"], row["safety_stock"], row["available"]) == (
        10, 4, 2, 4)
    short = client.post(f"{API}/stock/reservations", json={
        "warehouse": "WH1", "sku": "PLAIN", "qty": 5, "reference": "SO-2"})
    assert short.status_code == 409
    assert short.json()["shortfalls"][0]["available"] == 4


def test_reservations_are_released_and_consumed_when_asked(client: TestClient) -> None:
    receive(client, "PLAIN", 10)
    for ref, qty in (("SO-1", 3), ("SO-2", 2)):
        client.post(f"{API}/stock/reservations", json={"warehouse": "WH1", "sku": "PLAIN",
                                                       "qty": qty, "reference": ref})
    released = client.post(f"{API}/stock/reservations/release",
                           json={"reference": "SO-1", "qty": 1})
    assert released.status_code == 200, released.text
    assert [r["qty"] for r in released.json()["released"]] == [1]
    shipped = client.post(f"{API}/stock/shipments", json={"sku": "PLAIN", "qty": 2,
                                                          "from": "WH1-INPUT",
                                                          "reference": "SO-2"})
    assert shipped.json()["reservation_consumed"] == 2
    listed = client.get(f"{API}/stock/reservations").json()["items"]
    assert [(r["reference"], r["open_qty"], r["state"]) for r in listed] == [
        ("SO-2", 0, "consumed"), ("SO-1", 2, "active")]
    active = client.get(f"{API}/stock/reservations", params={"state": "active"}).json()
    assert [r["reference"] for r in active["items"]] == ["SO-1"]
    assert pages(client, "/stock/reservations", 1) == listed


def test_transfer_shows_incoming_until_received_when_dispatched(client: TestClient) -> None:
    receive(client, "PLAIN", 10)
    sent = client.post(f"{API}/stock/transfers", json={
        "from": "WH1-INPUT", "to_warehouse": "WH2", "reference": "T-1",
        "lines": [{"sku": "PLAIN", "qty": 4}]})
    assert sent.status_code == 201, sent.text
    transfer_id = sent.json()["transfer_id"]
    wh2 = client.get(f"{API}/stock/positions", params={"warehouse": "WH2"}).json()["items"]
    assert [(r["sku"], r["on_hand"], r["incoming"]) for r in wh2] == [("PLAIN", 0, 4)]
    listed = client.get(f"{API}/stock/transfers", params={"state": "in_transit"}).json()
    assert [(t["id"], t["from_warehouse"], t["to_warehouse"]) for t in listed["items"]] == [
        (transfer_id, "WH1", "WH2")]
    assert listed["items"][0]["lines"] == [{"sku": "PLAIN", "lot": None, "qty": 4,
                                            "received_qty": 0}]
    arrived = client.post(f"{API}/stock/transfers/{transfer_id}/receive",
                          json={"location": "WH2-A-01-1"})
    assert arrived.status_code == 200, arrived.text
    assert on_hand(client, "PLAIN") == {"WH1-INPUT": 6, "WH2-A-01-1": 4}
    again = client.post(f"{API}/stock/transfers/{transfer_id}/receive")
    assert again.status_code == 409
    done = client.get(f"{API}/stock/transfers", params={"warehouse": "WH2"}).json()["items"]
    assert done[0]["state"] == "received"


def test_transfer_move_is_not_reversed_when_it_belongs_to_a_transfer(client: TestClient) -> None:
    """Reversing the dispatch used to leave ``incoming`` at the destination and the transfer
    in transit with nothing in TRANSIT; receiving it then failed with a 500."""
    receive(client, "PLAIN", 10)
    sent = client.post(f"{API}/stock/transfers", json={
        "from": "WH1-INPUT", "to_warehouse": "WH2", "lines": [{"sku": "PLAIN", "qty": 4}]})
    refused = client.post(f"{API}/stock/moves/{sent.json()['moves'][0]['id']}/reverse")
    assert refused.status_code == 409, refused.text
    assert "transfer" in refused.json()["detail"]
    arrived = client.post(f"{API}/stock/transfers/{sent.json()['transfer_id']}/receive")
    assert arrived.status_code == 200, arrived.text
    assert on_hand(client, "PLAIN") == {"WH1-INPUT": 6, "WH2-INPUT": 4}
