"""The EasyPost adapter through the official SDK, answered from recorded API responses.

A ``requests`` transport mounted on the SDK client's session serves the files in
``recorded/easypost`` and fails any other request, so nothing here can reach the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import easypost
import pytest
import requests
from requests.adapters import BaseAdapter

from backroom.core.errors import Conflict, ValidationFailed
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.shipping.adapters.base import (
    CarrierError,
    CarrierRejected,
    LabelRef,
    PurchaseRequest,
    RateRequest,
)
from backroom.shipping.adapters.easypost import EasyPostAdapter
from backroom.shipping.model import Address, Package, TrackingStatus
from backroom.shipping.services import buy_label, refresh_tracking, void_label
from tests.shipping.test_shipments_support import (
    MONDAY,
    events,
    fixed_clock,
    installed,
    jane,
    make_warehouse,
    new_shipment,
)

RECORDED = Path(__file__).parent / "recorded" / "easypost"
SHP = "shp_8a1f3c9e2b7d4e6fa0c1d2e3f4a5b6c7"
PRIORITY_RATE = "rate_3e0b2a4f5c6d7e8f9a0b1c2d3e4f5a6b"
TRACKING = "9400100110368066365155"
FAKE_KEY = "EZTK_not_a_real_key_0123456789"
ROUTES = {
    ("POST", "/v2/shipments"): (201, "shipment_create.json"),
    ("GET", f"/v2/shipments/{SHP}"): (200, "shipment_create.json"),
    ("POST", f"/v2/shipments/{SHP}/buy"): (200, "shipment_buy.json"),
    ("POST", f"/v2/shipments/{SHP}/refund"): (200, "shipment_refund_submitted.json"),
    ("POST", "/v2/trackers"): (201, "tracker_create.json"),
}


class Recorded(BaseAdapter):
    """A requests transport that answers from recorded files and refuses everything else."""

    def __init__(self, routes: dict[tuple[str, str], tuple[int, str]]) -> None:
        super().__init__()
        self.routes = dict(routes)
        self.calls: list[dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlparse(request.url or "")
        key = (request.method or "", url.path)
        body = json.loads(request.body) if request.body else None
        self.calls.append({"method": key[0], "path": key[1], "json": body,
                           "authorization": request.headers.get("Authorization")})
        if key not in self.routes:
            raise AssertionError(f"unrecorded request {key}: no network in tests")
        status, name = self.routes[key]
        response = requests.Response()
        response.status_code = status
        response._content = (RECORDED / name).read_bytes()
        response.headers["Content-Type"] = "application/json"
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        return None


def recorded_adapter(**overrides: tuple[int, str]) -> tuple[EasyPostAdapter, Recorded]:
    client = easypost.EasyPostClient(FAKE_KEY)
    transport = Recorded({**ROUTES, **{tuple(k.split(" ", 1)): v  # type: ignore[misc]
                                       for k, v in overrides.items()}})
    for prefix in ("https://api.easypost.com", "https://", "http://"):
        client._requests_session.mount(prefix, transport)
    return EasyPostAdapter(client), transport


def request(**changes: Any) -> RateRequest:
    origin = Address("Main Warehouse", "1 Dock Rd", "Newark", "07102", "US", region="NJ",
                     residential=False)
    base = {"origin": origin, "destination": jane(), "packages": (Package(300, 200, 100, 1200),),
            "ready_at": MONDAY}
    return RateRequest(**{**base, **changes})


def test_rate_returns_every_service_in_minor_units_when_easypost_answers() -> None:
    adapter, transport = recorded_adapter()
    quotes = {(q.carrier, q.service): q for q in adapter.rate(request())}
    assert set(quotes) == {("USPS", "Priority"), ("USPS", "Express"),
                           ("USPS", "GroundAdvantage"), ("UPS", "Ground")}
    priority = quotes[("USPS", "Priority")]
    assert (priority.amount_minor, priority.currency, priority.external_id,
            priority.rate_id) == (815, "USD", SHP, PRIORITY_RATE)
    assert priority.estimated_delivery == date(2026, 11, 25)  # 2 business days
    assert quotes[("UPS", "Ground")].estimated_delivery == date(2026, 11, 27)  # its own date
    sent = transport.calls[0]
    assert sent["authorization"] == f"Bearer {FAKE_KEY}"
    assert sent["json"]["shipment"]["parcel"] == {"length": 11.9, "width": 7.9, "height": 4.0,
                                                  "weight": 42.4}
    assert sent["json"]["shipment"]["to_address"]["zip"] == "60601"
    assert sent["json"]["shipment"]["from_address"]["street1"] == "1 Dock Rd"


def test_rate_keeps_only_the_named_service_when_one_is_asked_for() -> None:
    adapter, _ = recorded_adapter()
    quotes = adapter.rate(request(carrier="usps", service="express"))
    assert [(q.carrier, q.service, q.amount_minor) for q in quotes] == [("USPS", "Express",
                                                                         3125)]


def _purchase(external_id: str | None, service: str = "Priority") -> PurchaseRequest:
    return PurchaseRequest(shipment_id=1, reference="ORDER-1001", carrier="USPS",
                           service=service, rate=request(), external_id=external_id)


def test_buy_buys_the_named_rate_when_shipment_exists_at_easypost() -> None:
    adapter, transport = recorded_adapter()
    bought = adapter.buy(_purchase(SHP))
    assert (bought.tracking_number, bought.cost_minor, bought.currency) == (TRACKING, 815, "USD")
    assert bought.external_id == SHP and bought.label_url.endswith(".png")
    assert [(c["method"], c["path"]) for c in transport.calls] == [
        ("GET", f"/v2/shipments/{SHP}"), ("POST", f"/v2/shipments/{SHP}/buy")]
    assert transport.calls[1]["json"] == {"rate": {"id": PRIORITY_RATE}}


def test_buy_creates_the_shipment_first_when_it_has_no_easypost_id() -> None:
    adapter, transport = recorded_adapter()
    assert adapter.buy(_purchase(None)).tracking_number == TRACKING
    assert [c["path"] for c in transport.calls] == ["/v2/shipments", f"/v2/shipments/{SHP}/buy"]
    assert transport.calls[0]["json"]["shipment"]["reference"] == "ORDER-1001"


def test_buy_names_the_offered_rates_and_buys_nothing_when_service_is_missing() -> None:
    adapter, transport = recorded_adapter()
    with pytest.raises(CarrierRejected, match=r"no USPS Overnight rate.*USPS Priority"):
        adapter.buy(_purchase(SHP, service="Overnight"))
    assert all(not c["path"].endswith("/buy") for c in transport.calls)


def test_void_accepts_a_submitted_refund_and_refuses_a_rejected_one() -> None:
    adapter, transport = recorded_adapter()
    adapter.void(LabelRef("USPS", TRACKING, SHP))
    assert transport.calls[-1]["path"] == f"/v2/shipments/{SHP}/refund"
    rejected, _ = recorded_adapter(**{f"POST /v2/shipments/{SHP}/refund":
                                      (200, "shipment_refund_rejected.json")})
    with pytest.raises(CarrierRejected, match="refund_status='rejected'"):
        rejected.void(LabelRef("USPS", TRACKING, SHP))


def test_track_maps_tracking_details_to_scans_when_tracker_is_created() -> None:
    adapter, transport = recorded_adapter()
    found = adapter.track(LabelRef("USPS", TRACKING, SHP))
    assert transport.calls[0]["json"] == {"tracker": {"tracking_code": TRACKING,
                                                      "carrier": "USPS"}}
    assert [e.status for e in found.events] == [TrackingStatus.PRE_TRANSIT,
                                                TrackingStatus.IN_TRANSIT,
                                                TrackingStatus.IN_TRANSIT]
    assert found.events[1].occurred_at == datetime(2026, 11, 24, 3, 22, 45, tzinfo=UTC)
    assert found.events[1].location == "NEWARK NJ DISTRIBUTION CENTER, NJ, 07102, US"
    assert found.events[2].description == "Departed USPS Regional Facility"
    assert len({e.dedupe_key for e in found.events}) == 3
    assert found.estimated_delivery == date(2026, 11, 25)
    again = adapter.track(LabelRef("USPS", TRACKING, SHP))
    assert [e.dedupe_key for e in again.events] == [e.dedupe_key for e in found.events]


def test_api_error_becomes_carrier_rejected_without_the_key_when_address_is_bad() -> None:
    adapter, _ = recorded_adapter(**{"POST /v2/shipments": (422, "error_address_invalid.json")})
    with pytest.raises(CarrierRejected) as caught:
        adapter.rate(request())
    assert "Unable to verify address." in caught.value.message
    assert FAKE_KEY not in str(caught.value.as_dict()) and FAKE_KEY not in repr(adapter)


def test_unrecorded_request_fails_as_carrier_error_and_never_reaches_network() -> None:
    adapter, transport = recorded_adapter()
    del transport.routes[("POST", "/v2/trackers")]
    with pytest.raises(CarrierError, match="EasyPost tracker create failed"):
        adapter.track(LabelRef("USPS", TRACKING, None))
    assert transport.calls[-1]["path"] == "/v2/trackers"  # it went to the transport only


def test_refuses_more_than_one_package_when_shipment_is_multi_parcel() -> None:
    adapter, transport = recorded_adapter()
    with pytest.raises(ValidationFailed, match="one package"):
        adapter.rate(request(packages=(Package(100, 100, 100, 100),) * 2))
    assert transport.calls == []


def test_from_settings_needs_a_key_and_never_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKROOM_EASYPOST_API_KEY", raising=False)
    get_settings.cache_clear()
    with pytest.raises(ValidationFailed, match="BACKROOM_EASYPOST_API_KEY"):
        EasyPostAdapter.from_settings()
    monkeypatch.setenv("BACKROOM_EASYPOST_API_KEY", FAKE_KEY)
    get_settings.cache_clear()
    try:
        adapter = EasyPostAdapter.from_settings()
        assert FAKE_KEY not in repr(adapter) and FAKE_KEY not in repr(get_settings())
    finally:
        get_settings.cache_clear()


@pytest.fixture
def easypost_world(uow: UnitOfWork) -> Iterator[Recorded]:
    adapter, transport = recorded_adapter()
    with fixed_clock(), installed("easypost", adapter):
        make_warehouse(uow)
        yield transport


def test_shipment_lifecycle_runs_through_easypost_when_provider_is_easypost(
        uow: UnitOfWork, easypost_world: Recorded) -> None:
    sid = new_shipment(uow, provider="easypost", carrier="USPS", service="Priority")
    bought = buy_label(uow, sid)
    assert (bought["tracking_number"], bought["cost"], bought["external_id"]) == (
        TRACKING, "8.15", SHP)
    assert bought["label_url"].startswith("https://easypost-files")
    assert bought["packages"][0]["tracking_number"] == TRACKING
    result = refresh_tracking(uow, sid)
    assert result["recorded"] == 3 and refresh_tracking(uow, sid)["duplicates"] == 3
    with pytest.raises(Conflict):
        void_label(uow, sid)  # scanned in transit: too late to void
    assert events(uow, "shipment.label_purchased")[0]["cost_minor"] == 815


def test_void_refunds_at_easypost_when_label_is_unused(uow: UnitOfWork,
                                                       easypost_world: Recorded) -> None:
    sid = new_shipment(uow, provider="easypost", carrier="USPS", service="Priority")
    buy_label(uow, sid)
    assert void_label(uow, sid)["state"] == "voided"
    assert easypost_world.calls[-1]["path"] == f"/v2/shipments/{SHP}/refund"
