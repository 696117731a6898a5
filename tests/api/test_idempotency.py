"""Idempotency-Key: a retried POST has one effect and replays its answer (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backroom.api.deps import to_jsonable
from backroom.db.tables import IDEMPOTENCY, OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.inventory.tables import WAREHOUSES
from tests.api.helpers import assert_problem, client_for, headers

URL = "/api/v1/warehouses"
BODY = {"code": "WH1", "name": "Main", "postal_code": "10001", "country": "US"}


def _count(uow: UnitOfWork, table: Any) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _with_key(auth: dict[str, str], key: str) -> dict[str, str]:
    return {**auth, "Idempotency-Key": key}


def test_replays_the_first_answer_when_same_key_and_body_are_sent_again(
        client: TestClient, admin: dict[str, str], uow: UnitOfWork) -> None:
    first = client.post(URL, json=BODY, headers=_with_key(admin, "k-1"))
    second = client.post(URL, json=BODY, headers=_with_key(admin, "k-1"))
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert _count(uow, WAREHOUSES) == 1
    assert _count(uow, OUTBOX) == 1


def test_repeats_the_effect_when_no_key_is_sent(client: TestClient, admin: dict[str, str],
                                                 uow: UnitOfWork) -> None:
    assert client.post(URL, json=BODY, headers=admin).status_code == 201
    assert_problem(client.post(URL, json=BODY, headers=admin), 409, "conflict")
    assert _count(uow, IDEMPOTENCY) == 0


def test_refuses_with_422_when_same_key_comes_with_a_different_body(
        client: TestClient, admin: dict[str, str], uow: UnitOfWork) -> None:
    assert client.post(URL, json=BODY, headers=_with_key(admin, "k-2")).status_code == 201
    other = client.post(URL, json={**BODY, "code": "WH2"}, headers=_with_key(admin, "k-2"))
    body = assert_problem(other, 422, "validation_failed")
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert _count(uow, WAREHOUSES) == 1


def test_refuses_with_422_when_same_key_is_used_on_another_route(
        client: TestClient, admin: dict[str, str]) -> None:
    assert client.post(URL, json=BODY, headers=_with_key(admin, "k-3")).status_code == 201
    response = client.post("/api/v1/warehouses/WH1/bins", json={"spec": "A x 1 x 1"},
                           headers=_with_key(admin, "k-3"))
    assert_problem(response, 422, "validation_failed")


def test_stores_nothing_when_the_service_refuses_so_a_corrected_retry_works(
        client: TestClient, admin: dict[str, str], uow: UnitOfWork) -> None:
    bad = client.post(URL, json={**BODY, "postal_code": "ABC"}, headers=_with_key(admin, "k-4"))
    assert_problem(bad, 422, "validation_failed")
    assert _count(uow, IDEMPOTENCY) == 0
    good = client.post(URL, json=BODY, headers=_with_key(admin, "k-4"))
    assert good.status_code == 201
    assert "idempotent-replayed" not in good.headers
    assert _count(uow, WAREHOUSES) == 1


def test_stores_nothing_when_the_body_fails_schema_validation(
        client: TestClient, admin: dict[str, str], uow: UnitOfWork) -> None:
    bad = client.post(URL, json={**BODY, "colour": "red"}, headers=_with_key(admin, "k-5"))
    body = assert_problem(bad, 422, "validation_failed")
    assert body["errors"][0]["field"] == "colour"
    assert _count(uow, IDEMPOTENCY) == 0
    assert client.post(URL, json=BODY, headers=_with_key(admin, "k-5")).status_code == 201


def test_stores_nothing_when_the_service_conflicts(client: TestClient, admin: dict[str, str],
                                                   uow: UnitOfWork) -> None:
    assert client.post(URL, json=BODY, headers=admin).status_code == 201
    assert_problem(client.post(URL, json=BODY, headers=_with_key(admin, "k-6")), 409)
    assert _count(uow, IDEMPOTENCY) == 0
    retry = client.post(URL, json={**BODY, "code": "WH2"}, headers=_with_key(admin, "k-6"))
    assert retry.status_code == 201


def test_keeps_keys_apart_when_two_tokens_use_the_same_key(
        client: TestClient, admin: dict[str, str], uow: UnitOfWork) -> None:
    other_admin = headers(uow.engine, "admin")
    assert client.post(URL, json=BODY, headers=_with_key(admin, "same")).status_code == 201
    second = client.post(URL, json={**BODY, "code": "WH2"},
                         headers=_with_key(other_admin, "same"))
    assert second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert _count(uow, WAREHOUSES) == 2


def test_refuses_with_422_when_key_is_too_long_or_empty(client: TestClient,
                                                        admin: dict[str, str],
                                                        uow: UnitOfWork) -> None:
    assert_problem(client.post(URL, json=BODY, headers=_with_key(admin, "k" * 256)), 422)
    assert_problem(client.post(URL, json=BODY, headers=_with_key(admin, "")), 422)
    assert _count(uow, WAREHOUSES) == 0


def test_has_one_effect_when_duplicates_arrive_concurrently(uow: UnitOfWork,
                                                            admin: dict[str, str]) -> None:
    results: list[tuple[int, bool, dict[str, Any]]] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        client = client_for(uow.engine)
        barrier.wait()
        response = client.post(URL, json=BODY, headers=_with_key(admin, "race"))
        results.append((response.status_code, "idempotent-replayed" in response.headers,
                        response.json()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _, _ in results] == [201] * 6
    assert sum(1 for _, replayed, _ in results if not replayed) == 1
    assert len({str(body) for _, _, body in results}) == 1
    assert _count(uow, WAREHOUSES) == 1
    assert _count(uow, OUTBOX) == 1
    assert _count(uow, IDEMPOTENCY) == 1


def test_encodes_money_and_time_like_read_routes_when_a_write_answers() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert to_jsonable({"cost": Decimal("1.50"), "at": moment}) == {
        "cost": "1.50", "at": "2026-01-02T03:04:05Z"}


def test_answers_a_write_exactly_as_the_matching_read_when_both_return_one_thing(
        client: TestClient, admin: dict[str, str]) -> None:
    created = client.post(URL, json=BODY, headers=_with_key(admin, "same-shape")).json()
    replayed = client.post(URL, json=BODY, headers=_with_key(admin, "same-shape")).json()
    fetched = client.get(f"{URL}/WH1", headers=admin).json()
    assert created == replayed == fetched
