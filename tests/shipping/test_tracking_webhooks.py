"""Signed tracking webhooks over HTTP on SQLite and PostgreSQL: good signatures record scans,
bad ones are 401 and store nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backroom.core.clock import FixedClock
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.shipping.services import buy_label
from backroom.shipping.webhooks import sign, sign_easypost
from tests.api.helpers import assert_problem, client_for
from tests.shipping.test_shipments_support import (
    events,
    fixed_clock,
    make_warehouse,
    new_shipment,
    scans,
)

SECRET = "whsec_test_5f2c9a"
EP_SECRET = "ep_whsec_test_81be"
RECORDED = Path(__file__).parent / "recorded" / "easypost"
URL = "/api/v1/webhooks/tracking/PWY"


@pytest.fixture
def client(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("BACKROOM_TRACKING_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BACKROOM_EASYPOST_WEBHOOK_SECRET", EP_SECRET)
    get_settings.cache_clear()
    try:
        with client_for(uow.engine) as test_client:
            yield test_client
    finally:
        get_settings.cache_clear()


@pytest.fixture
def now(uow: UnitOfWork) -> Iterator[FixedClock]:
    with fixed_clock() as fixed:
        make_warehouse(uow)
        yield fixed


@pytest.fixture
def tracking_number(uow: UnitOfWork, now: FixedClock) -> str:
    return str(buy_label(uow, new_shipment(uow))["tracking_number"])


def body_for(number: str, status: str = "in_transit", at: str = "2026-11-23T18:00:00Z") -> bytes:
    return json.dumps({"events": [{"tracking_number": number, "status": status,
                                   "occurred_at": at, "location": "Newark NJ",
                                   "description": "Departed facility",
                                   "estimated_delivery": "2026-11-30"}]}).encode()


def signed(body: bytes, now: FixedClock, secret: str = SECRET, skew: int = 0) -> dict[str, str]:
    ts = int(now.now().timestamp()) + skew
    return {"X-Backroom-Timestamp": str(ts), "X-Backroom-Signature": sign(body, secret, ts),
            "Content-Type": "application/json"}


def test_webhook_records_scan_and_moves_state_when_signature_is_good(
        client: TestClient, uow: UnitOfWork, now: FixedClock, tracking_number: str) -> None:
    body = body_for(tracking_number)
    response = client.post(URL, content=body, headers=signed(body, now))
    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == 1
    assert response.json()["state_changes"][0]["to"] == "in_transit"
    again = client.post(URL, content=body, headers=signed(body, now))
    assert again.json()["duplicates"] == 1 and scans(uow) == 1


@pytest.mark.parametrize("tamper", ["body", "secret", "missing", "stale", "timestamp"])
def test_webhook_answers_401_and_stores_nothing_when_signature_is_bad(
        client: TestClient, uow: UnitOfWork, now: FixedClock, tracking_number: str,
        tamper: str) -> None:
    body = body_for(tracking_number)
    headers = signed(body, now, secret="wrong" if tamper == "secret" else SECRET,
                     skew=-301 if tamper == "stale" else 0)
    if tamper == "body":
        body = body_for(tracking_number, status="delivered")
    if tamper == "missing":
        del headers["X-Backroom-Signature"]
    if tamper == "timestamp":  # a fresh timestamp on a captured signature
        headers["X-Backroom-Timestamp"] = str(int(headers["X-Backroom-Timestamp"]) + 60)
    response = client.post(URL, content=body, headers=headers)
    assert_problem(response, 401, "bad_signature")
    assert scans(uow) == 0 and events(uow, "shipment.status_changed") == []


def test_webhook_answers_422_and_stores_nothing_when_an_event_is_bad(
        client: TestClient, uow: UnitOfWork, now: FixedClock, tracking_number: str) -> None:
    body = json.dumps({"events": [
        {"tracking_number": tracking_number, "status": "in_transit",
         "occurred_at": "2026-11-23T18:00:00Z"},
        {"tracking_number": tracking_number, "status": "lost", "occurred_at": "soon"}]}).encode()
    problem = assert_problem(client.post(URL, content=body, headers=signed(body, now)), 422)
    assert {e["field"] for e in problem["errors"]} == {"events[1].status",
                                                       "events[1].occurred_at"}
    assert scans(uow) == 0


def test_webhook_answers_503_when_no_secret_is_configured(
        client: TestClient, uow: UnitOfWork, now: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKROOM_TRACKING_WEBHOOK_SECRET", "")
    get_settings.cache_clear()
    body = body_for("PW1")
    response = client.post(URL, content=body, headers=signed(body, now))
    assert_problem(response, 503, "webhook_not_configured")


def _easypost_event(number: str) -> bytes:
    event = json.loads((RECORDED / "event_tracker_updated.json").read_text())
    event["result"]["tracking_code"] = number
    event["result"]["carrier"] = "PWY"
    return json.dumps(event).encode()


def test_easypost_webhook_records_tracker_update_when_hmac_is_good(
        client: TestClient, uow: UnitOfWork, now: FixedClock, tracking_number: str) -> None:
    body = _easypost_event(tracking_number)
    headers = {"X-Hmac-Signature": sign_easypost(body, EP_SECRET)}
    response = client.post("/api/v1/webhooks/easypost", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == 4
    assert response.json()["state_changes"][-1]["to"] == "out_for_delivery"


def test_easypost_webhook_answers_401_and_stores_nothing_when_hmac_is_bad(
        client: TestClient, uow: UnitOfWork, now: FixedClock, tracking_number: str) -> None:
    body = _easypost_event(tracking_number)
    forged = {"X-Hmac-Signature": sign_easypost(body, "not-the-secret")}
    assert_problem(client.post("/api/v1/webhooks/easypost", content=body, headers=forged), 401)
    assert_problem(client.post("/api/v1/webhooks/easypost", content=body), 401)
    assert scans(uow) == 0


def test_easypost_webhook_acknowledges_other_events_when_they_are_not_trackers(
        client: TestClient, uow: UnitOfWork) -> None:
    body = (RECORDED / "event_batch_created.json").read_bytes()
    response = client.post("/api/v1/webhooks/easypost", content=body,
                           headers={"X-Hmac-Signature": sign_easypost(body, EP_SECRET)})
    assert response.json() == {"ignored": True}
