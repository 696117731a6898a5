"""Opaque keyset cursors: they round-trip, and a cursor we did not issue is a 422."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from backroom.api.pagination import decode_cursor, encode_cursor
from backroom.core.errors import ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.inventory.locations import WarehouseSpec, create_bins, create_warehouse
from tests.api.helpers import assert_problem

KEYS = st.dictionaries(st.text(max_size=10),
                       st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none()),
                       max_size=4)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@given(KEYS)
def test_round_trips_any_key_when_encoded_then_decoded(key: dict[str, Any]) -> None:
    cursor = encode_cursor(key)
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor) == key


def test_returns_none_when_cursor_is_absent() -> None:
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


@pytest.mark.parametrize("cursor", [
    "!!!", "abc", _b64(b"[1, 2]"), _b64(b"\xff\xfe"), _b64(b"not json"), _b64(b'"text"'),
    "eyJ",
])
def test_refuses_with_validation_error_when_cursor_is_garbage(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        decode_cursor(cursor)
    assert info.value.problems[0].field == "cursor"


@given(st.text(max_size=40))
def test_never_crashes_when_cursor_is_arbitrary_text(cursor: str) -> None:
    try:
        decoded = decode_cursor(cursor)
    except ValidationFailed:
        return
    assert decoded is None or isinstance(decoded, dict)


def _walk(client: TestClient, url: str, auth: dict[str, str], limit: int,
          filters: dict[str, str] | None = None) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {**(filters or {}), "limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get(url, params=params, headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["code"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_visits_every_item_once_when_following_cursors(client: TestClient, uow: UnitOfWork,
                                                       admin: dict[str, str]) -> None:
    for code in ("WH5", "WH1", "WH4", "WH2", "WH3"):
        create_warehouse(uow, WarehouseSpec(code=code, name=code, postal_code="2000",
                                            country="AU"))
    pages = _walk(client, "/api/v1/warehouses", admin, 2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [c for p in pages for c in p] == ["WH1", "WH2", "WH3", "WH4", "WH5"]


def test_ends_without_cursor_when_last_page_is_full(client: TestClient, uow: UnitOfWork,
                                                    admin: dict[str, str]) -> None:
    create_warehouse(uow, WarehouseSpec(code="WH1", name="a", postal_code="2000", country="AU"))
    create_bins(uow, "WH1", "A x 1-6 x 1")
    pages = _walk(client, "/api/v1/locations", admin, 3,
                  {"kind": "storage", "warehouse": "WH1"})
    assert [len(p) for p in pages] == [3, 3]


@pytest.mark.parametrize("url", ["/api/v1/warehouses", "/api/v1/locations"])
@pytest.mark.parametrize("cursor", ["garbage!", _b64(b"[]"), encode_cursor({"other": 1}),
                                    encode_cursor({"after": 5})])
def test_answers_problem_422_when_cursor_is_not_ours(client: TestClient, admin: dict[str, str],
                                                     url: str, cursor: str) -> None:
    body = assert_problem(client.get(url, params={"cursor": cursor}, headers=admin), 422,
                          "validation_failed")
    assert body["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("limit", ["0", "501", "x"])
def test_answers_problem_422_when_limit_is_out_of_range(client: TestClient,
                                                        admin: dict[str, str],
                                                        limit: str) -> None:
    body = assert_problem(client.get("/api/v1/locations", params={"limit": limit},
                                     headers=admin), 422)
    assert body["errors"][0]["field"] == "limit"


def test_cursor_is_opaque_json_when_decoded_by_hand(client: TestClient, uow: UnitOfWork,
                                                    admin: dict[str, str]) -> None:
    for code in ("A1", "B1"):
        create_warehouse(uow, WarehouseSpec(code=code, name=code, postal_code="2000",
                                            country="AU"))
    cursor = client.get("/api/v1/warehouses", params={"limit": 1},
                        headers=admin).json()["next_cursor"]
    assert json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))) == {
        "after": "A1"}
