"""Tracking scans on SQLite and PostgreSQL: state moves, duplicates, late scans, delays, CSV."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from backroom.core.clock import FixedClock
from backroom.core.errors import ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.shipping.adapters.base import TrackingUpdate
from backroom.shipping.model import TrackingStatus
from backroom.shipping.queries import get_shipment
from backroom.shipping.services import buy_label
from backroom.shipping.tracking import (
    TrackingInput,
    check_delays,
    event_key,
    import_tracking_csv,
    record_tracking,
)
from tests.shipping.test_shipments_support import (
    MONDAY,
    events,
    fixed_clock,
    make_warehouse,
    new_shipment,
    scans,
)

H = timedelta(hours=1)


@pytest.fixture
def now(uow: UnitOfWork) -> Iterator[FixedClock]:
    with fixed_clock() as fixed:
        make_warehouse(uow)
        yield fixed


@pytest.fixture
def bought(uow: UnitOfWork, now: FixedClock) -> tuple[int, str]:
    sid = new_shipment(uow, promised_date=date(2026, 12, 4))
    return sid, buy_label(uow, sid)["tracking_number"]


def scan(number: str, status: str, at: datetime, where: str = "Newark NJ",
         estimate: date | None = None) -> TrackingInput:
    s = TrackingStatus(status)
    return TrackingInput(number, TrackingUpdate(s, at, event_key(s, at, where, status), where,
                                                status, estimate))


def shipment(uow: UnitOfWork, sid: int) -> dict:
    with uow.read() as conn:
        return get_shipment(conn, sid)


def test_scans_move_state_and_record_estimate_when_they_arrive_in_order(
        uow: UnitOfWork, bought: tuple[int, str]) -> None:
    sid, number = bought
    result = record_tracking(uow, "PWY", [
        scan(number, "pre_transit", MONDAY + H),
        scan(number, "in_transit", MONDAY + 5 * H, estimate=date(2026, 11, 30)),
        scan(number, "out_for_delivery", MONDAY + 30 * H, "Chicago IL")])
    assert result.recorded == 3 and result.duplicates == 0
    s = shipment(uow, sid)
    assert s["state"] == "out_for_delivery" and s["estimated_delivery"] == date(2026, 11, 30)
    assert s["last_event_at"] == MONDAY + 30 * H
    assert [e["status"] for e in s["events"]] == ["pre_transit", "in_transit",
                                                  "out_for_delivery"]
    changes = [(e["from"], e["to"]) for e in events(uow, "shipment.status_changed")]
    assert changes == [("purchased", "pre_transit"), ("pre_transit", "in_transit"),
                       ("in_transit", "out_for_delivery")]


def test_scan_is_stored_once_when_it_is_sent_twice(uow: UnitOfWork,
                                                    bought: tuple[int, str]) -> None:
    _, number = bought
    first = record_tracking(uow, "PWY", [scan(number, "in_transit", MONDAY + H)])
    again = record_tracking(uow, "PWY", [scan(number, "in_transit", MONDAY + H),
                                         scan(number, "in_transit", MONDAY + H)])
    assert (first.recorded, again.recorded, again.duplicates) == (1, 0, 2)
    assert scans(uow) == 1 and len(events(uow, "shipment.status_changed")) == 1


def test_older_scan_is_kept_but_state_stays_when_it_arrives_late(
        uow: UnitOfWork, bought: tuple[int, str]) -> None:
    sid, number = bought
    record_tracking(uow, "PWY", [scan(number, "out_for_delivery", MONDAY + 30 * H)])
    late = record_tracking(uow, "PWY", [scan(number, "in_transit", MONDAY + 5 * H,
                                             estimate=date(2026, 12, 24))])
    s = shipment(uow, sid)
    assert late.recorded == 1 and late.changes == []
    assert s["state"] == "out_for_delivery" and s["last_event_at"] == MONDAY + 30 * H
    assert s["estimated_delivery"] != date(2026, 12, 24)  # an old estimate is not news
    assert [e["applied"] for e in s["events"]] == [False, True]


def test_delivered_stays_final_when_a_transit_scan_follows_but_returned_may(
        uow: UnitOfWork, bought: tuple[int, str]) -> None:
    sid, number = bought
    record_tracking(uow, "PWY", [scan(number, "delivered", MONDAY + 48 * H, "Chicago IL")])
    record_tracking(uow, "PWY", [scan(number, "in_transit", MONDAY + 50 * H)])
    assert shipment(uow, sid)["state"] == "delivered"
    assert events(uow, "shipment.delivered")[0]["occurred_at"] == (MONDAY + 48 * H).isoformat()
    assert [e["to"] for e in events(uow, "shipment.status_changed")] == ["delivered"]
    record_tracking(uow, "PWY", [scan(number, "returned", MONDAY + 90 * H)])
    s = shipment(uow, sid)
    assert s["state"] == "returned" and s["delivered_at"] == MONDAY + 48 * H


def test_unknown_tracking_numbers_are_listed_when_carrier_reports_them(
        uow: UnitOfWork, bought: tuple[int, str]) -> None:
    _, number = bought
    result = record_tracking(uow, "PWY", [scan("PW99999999999999999", "in_transit", MONDAY),
                                          scan(number, "in_transit", MONDAY)])
    assert result.unmatched == ["PW99999999999999999"] and result.recorded == 1
    other = record_tracking(uow, "EUP", [scan(number, "in_transit", MONDAY + H)])
    assert other.unmatched == [number]  # the same number at another carrier is not ours


def test_delay_is_raised_once_when_estimate_passes_the_promise(
        uow: UnitOfWork, now: FixedClock) -> None:
    sid = new_shipment(uow, promised_date=date(2026, 12, 1))
    number = buy_label(uow, sid)["tracking_number"]
    result = record_tracking(uow, "PWY", [scan(number, "in_transit", MONDAY + H,
                                               estimate=date(2026, 12, 3))])
    record_tracking(uow, "PWY", [scan(number, "exception", MONDAY + 2 * H,
                                      estimate=date(2026, 12, 5))])
    assert result.delayed == [sid] and check_delays(uow) == []
    delayed = events(uow, "shipment.delayed")
    assert len(delayed) == 1 and delayed[0]["reason"] == "estimate_after_promise"
    assert shipment(uow, sid)["delay_reason"] == "estimate_after_promise"


def test_delay_is_raised_when_no_scan_for_n_business_days_skipping_weekends(
        uow: UnitOfWork, now: FixedClock, bought: tuple[int, str]) -> None:
    sid, number = bought
    friday = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    record_tracking(uow, "PWY", [scan(number, "in_transit", friday)])
    wednesday = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # Mon, Tue, Wed: 3 business days
    assert check_delays(uow, now=wednesday, stale_days=3) == []
    thursday = wednesday + timedelta(hours=2)
    assert check_delays(uow, now=thursday, stale_days=3) == [sid]
    assert check_delays(uow, now=thursday + 48 * H, stale_days=3) == []  # once only
    delayed = events(uow, "shipment.delayed")
    assert [(e["reason"], e["last_scan_at"]) for e in delayed] == [("no_scan",
                                                                    friday.isoformat())]


def test_delay_counts_from_label_purchase_when_carrier_never_scans(
        uow: UnitOfWork, bought: tuple[int, str]) -> None:
    sid, _ = bought
    assert check_delays(uow, now=MONDAY + 3 * 24 * H, stale_days=3) == []
    assert check_delays(uow, now=MONDAY + 4 * 24 * H, stale_days=3) == [sid]


def test_delay_is_raised_when_delivered_after_the_promise(uow: UnitOfWork,
                                                           now: FixedClock) -> None:
    sid = new_shipment(uow, service="NEXT_DAY", promised_date=date(2026, 11, 24))
    number = buy_label(uow, sid)["tracking_number"]
    assert events(uow, "shipment.delayed") == []  # estimated for the 24th: on time so far
    record_tracking(uow, "PWY", [scan(number, "delivered", datetime(2026, 11, 25, 18,
                                                                    tzinfo=UTC))])
    assert [e["reason"] for e in events(uow, "shipment.delayed")] == ["delivered_late"]


def test_delay_is_raised_at_purchase_when_named_service_misses_the_promise(
        uow: UnitOfWork, now: FixedClock) -> None:
    sid = new_shipment(uow, service="GROUND", promised_date=date(2026, 11, 25))
    buy_label(uow, sid)
    assert [e["shipment_id"] for e in events(uow, "shipment.delayed")] == [sid]
    assert shipment(uow, sid)["delay_reason"] == "estimate_after_promise"


CSV_HEAD = "carrier,tracking_number,status,occurred_at,location,description\n"


def test_csv_import_writes_nothing_and_names_lines_when_a_row_is_bad(
        uow: UnitOfWork, bought: tuple[int, str]) -> None:
    _, number = bought
    data = (CSV_HEAD + f"PWY,{number},in transit,2026-11-23T18:00:00Z,Newark,Picked up\n"
            f"PWY,{number},teleported,2026-11-23T19:00:00Z,,\n"
            f"PWY,{number},delivered,2026-11-24 10:00,,\n"
            "PWY,PW00000000000999999,delivered,2026-11-24T10:00:00Z,,\n").encode()
    with pytest.raises(ValidationFailed) as caught:
        import_tracking_csv(uow, data)
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (3, "status"), (4, "occurred_at"), (5, "tracking_number")]
    assert "3 of 4 rows are invalid; nothing was imported" in caught.value.message
    assert scans(uow) == 0


def test_csv_import_records_good_rows_when_skip_invalid(uow: UnitOfWork,
                                                         bought: tuple[int, str]) -> None:
    sid, number = bought
    data = (CSV_HEAD + f"PWY,{number},in_transit,2026-11-23T18:00:00Z,Newark,Picked up\n"
            f"PWY,{number},delivered,yesterday,,\n"
            f"PWY,{number},Out For Delivery,2026-11-24T08:00:00-06:00,Chicago,\n").encode()
    result = import_tracking_csv(uow, data, skip_invalid=True)
    assert (result["recorded"], result["invalid_rows"]) == (2, 1)
    assert result["errors"][0]["line"] == 3
    assert shipment(uow, sid)["state"] == "out_for_delivery"
    assert import_tracking_csv(uow, data, skip_invalid=True)["duplicates"] == 2


def test_csv_import_refuses_file_when_header_is_wrong(uow: UnitOfWork, now: FixedClock) -> None:
    with pytest.raises(ValidationFailed, match="missing \\['occurred_at'"):
        import_tracking_csv(uow, b"carrier,tracking_number,status,when\n")
