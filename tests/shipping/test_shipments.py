"""Shipment use cases on SQLite and PostgreSQL: create, buy, void, batch, database rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.shipping.adapters import get_adapter
from backroom.shipping.adapters.base import TrackingUpdate
from backroom.shipping.model import Address, Package, TrackingStatus, is_valid_tracking_number
from backroom.shipping.services import (
    PromiseUnreachable,
    batch_buy,
    buy_label,
    create_shipment,
    pending_ids,
    void_label,
)
from backroom.shipping.tables import SHIPMENTS
from backroom.shipping.tracking import TrackingInput, event_key, record_tracking
from tests.shipping.test_shipments_support import (
    MONDAY,
    FlakyAdapter,
    count,
    events,
    fixed_clock,
    installed,
    make_warehouse,
    new_shipment,
    spec,
)


@pytest.fixture(autouse=True)
def world(uow: UnitOfWork) -> Iterator[None]:
    with fixed_clock():
        make_warehouse(uow)
        yield


def test_create_chooses_cheapest_service_meeting_promise_when_none_is_named(
        uow: UnitOfWork) -> None:
    shipment = create_shipment(uow, spec(carrier=None, service=None,
                                         promised_date=date(2026, 11, 25)))
    assert (shipment["carrier"], shipment["service"]) == ("PWY", "TWO_DAY")
    assert shipment["state"] == "draft" and shipment["tracking_number"] is None
    assert shipment["estimated_delivery"] == date(2026, 11, 25)
    assert shipment["ship_to"]["postal_code"] == "60601"
    assert [p["weight_g"] for p in shipment["packages"]] == [1200]
    created = events(uow, "shipment.created")
    assert created[0]["service"] == "TWO_DAY" and created[0]["quoted_cost"] == "46.64"


def test_create_takes_cheapest_of_all_when_there_is_no_promise(uow: UnitOfWork) -> None:
    shipment = create_shipment(uow, spec(carrier=None, service=None, promised_date=None))
    assert shipment["service"] == "GROUND"


def test_create_names_fastest_and_writes_nothing_when_no_service_meets_promise(
        uow: UnitOfWork) -> None:
    with pytest.raises(PromiseUnreachable) as caught:
        create_shipment(uow, spec(carrier=None, service=None, promised_date=date(2026, 11, 23)))
    assert caught.value.data["fastest"]["service"] == "NEXT_DAY"
    assert "the fastest is PWY NEXT_DAY" in caught.value.message
    assert count(uow) == 0 and events(uow, "shipment.created") == []


def test_create_reports_every_problem_when_input_is_bad(uow: UnitOfWork) -> None:
    bad = spec(ship_to=Address(name="", line1="x", city="Chicago", postal_code="6060",
                               country="US"),
               packages=(Package(300, 200, 0, -5),), service=None, reference=" ")
    with pytest.raises(ValidationFailed) as caught:
        create_shipment(uow, bad)
    fields = {p.field for p in caught.value.problems}
    assert {"reference", "ship_to.name", "ship_to.postal_code", "packages[1].height_mm",
            "packages[1].weight_g", "service"} <= fields
    assert count(uow) == 0


def test_create_refuses_when_warehouse_is_unknown(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound, match="unknown warehouse 'NOPE'"):
        create_shipment(uow, spec(warehouse="NOPE"))


def test_create_refuses_when_named_service_is_not_offered(uow: UnitOfWork) -> None:
    with pytest.raises(ValidationFailed, match="PWY ROCKET"):
        create_shipment(uow, spec(service="ROCKET"))
    assert count(uow) == 0


def test_buy_assigns_checksummed_tracking_numbers_and_cost_when_shipment_is_draft(
        uow: UnitOfWork) -> None:
    sid = new_shipment(uow, packages=(Package(300, 200, 100, 1200), Package(200, 200, 200, 800)))
    shipment = buy_label(uow, sid)
    assert shipment["state"] == "purchased"
    numbers = [p["tracking_number"] for p in shipment["packages"]]
    assert shipment["tracking_number"] == numbers[0] and len(set(numbers)) == 2
    assert all(is_valid_tracking_number("PW", n) for n in numbers)
    assert all(p["billed_weight_g"] >= p["weight_g"] for p in shipment["packages"])
    assert shipment["cost_minor"] > 0 and shipment["currency"] == "USD"
    bought = events(uow, "shipment.label_purchased")[0]
    assert bought["cost"] == shipment["cost"] and bought["tracking_number"] == numbers[0]


def test_buy_refuses_a_second_label_when_one_was_bought(uow: UnitOfWork) -> None:
    sid = new_shipment(uow)
    first = buy_label(uow, sid)
    with pytest.raises(Conflict, match="only a draft shipment can get a label"):
        buy_label(uow, sid)
    assert len(events(uow, "shipment.label_purchased")) == 1
    with uow.read() as conn:
        kept = conn.execute(text("SELECT tracking_number FROM shipments WHERE id = :i"),
                            {"i": sid}).scalar_one()
    assert kept == first["tracking_number"]


def test_buy_voids_the_label_again_when_it_cannot_be_stored(uow: UnitOfWork) -> None:
    first, second = new_shipment(uow), new_shipment(uow, reference="ORDER-1002")
    taken = buy_label(uow, first)["tracking_number"]
    flaky = FlakyAdapter(get_adapter("ratecard"), tracking_number=taken)
    with installed("ratecard", flaky), pytest.raises(Conflict, match="voided again"):
        buy_label(uow, second)
    assert [label.tracking_number for label in flaky.voided] == [taken]
    with uow.read() as conn:
        assert conn.execute(text("SELECT state FROM shipments WHERE id = :i"),
                            {"i": second}).scalar_one() == "draft"


def test_void_refunds_and_records_event_when_label_is_not_scanned(uow: UnitOfWork) -> None:
    sid = new_shipment(uow)
    bought = buy_label(uow, sid)
    flaky = FlakyAdapter(get_adapter("ratecard"))
    with installed("ratecard", flaky):
        voided = void_label(uow, sid)
    assert voided["state"] == "voided" and voided["voided_at"] is not None
    assert [label.tracking_number for label in flaky.voided] == [bought["tracking_number"]]
    event = events(uow, "shipment.voided")[0]
    assert (event["refund"], event["previous_state"]) == (bought["cost"], "purchased")


def test_void_cancels_without_asking_provider_when_shipment_is_draft(uow: UnitOfWork) -> None:
    sid = new_shipment(uow)
    flaky = FlakyAdapter(get_adapter("ratecard"))
    with installed("ratecard", flaky):
        assert void_label(uow, sid)["state"] == "voided"
    assert flaky.voided == []
    with pytest.raises(Conflict, match="is voided"):
        buy_label(uow, sid)


def test_void_is_refused_when_carrier_has_scanned_the_parcel(uow: UnitOfWork) -> None:
    sid = new_shipment(uow)
    number = buy_label(uow, sid)["tracking_number"]
    update_ = TrackingUpdate(TrackingStatus.IN_TRANSIT, MONDAY, event_key(
        TrackingStatus.IN_TRANSIT, MONDAY, "Newark", "Picked up"), "Newark", "Picked up")
    record_tracking(uow, "PWY", [TrackingInput(number, update_)])
    with pytest.raises(Conflict, match="only a draft or a label not yet scanned"):
        void_label(uow, sid)
    assert events(uow, "shipment.voided") == []


def test_batch_buy_keeps_the_others_when_one_shipment_fails(uow: UnitOfWork) -> None:
    ids = [new_shipment(uow, reference=f"ORDER-{i}") for i in range(3)]
    flaky = FlakyAdapter(get_adapter("ratecard"), fail_ids={ids[1]})
    seen: list[int] = []
    with installed("ratecard", flaky):
        result = batch_buy(uow, ids, lambda sid, shipment, error: seen.append(sid))
    assert seen == ids
    assert [s["id"] for s in result.bought] == [ids[0], ids[2]]
    assert result.failed == [{"shipment_id": ids[1], "code": "carrier_error",
                              "message": f"carrier is down for shipment {ids[1]}"}]
    assert pending_ids(uow) == [ids[1]]
    assert len(events(uow, "shipment.label_purchased")) == 2


def test_batch_buy_reports_unknown_and_bought_ids_when_given_them(uow: UnitOfWork) -> None:
    sid = new_shipment(uow)
    buy_label(uow, sid)
    result = batch_buy(uow, [sid, 999])
    assert [e["code"] for e in result.failed] == ["conflict", "not_found"]


def test_database_refuses_a_label_state_without_tracking_number(uow: UnitOfWork) -> None:
    sid = new_shipment(uow)
    with pytest.raises(IntegrityError), uow.transaction() as conn:
        conn.execute(update(SHIPMENTS).where(SHIPMENTS.c.id == sid).values(state="purchased"))


def test_database_refuses_negative_cost_and_unknown_state(uow: UnitOfWork) -> None:
    sid = new_shipment(uow)
    buy_label(uow, sid)
    for values in ({"cost_minor": -1}, {"state": "lost"}):
        with pytest.raises(IntegrityError), uow.transaction() as conn:
            conn.execute(update(SHIPMENTS).where(SHIPMENTS.c.id == sid).values(**values))


def test_database_refuses_same_tracking_number_twice_when_carrier_is_same(
        uow: UnitOfWork) -> None:
    first, second = new_shipment(uow), new_shipment(uow, reference="ORDER-2")
    taken = buy_label(uow, first)["tracking_number"]
    buy_label(uow, second)
    with pytest.raises(IntegrityError), uow.transaction() as conn:
        conn.execute(update(SHIPMENTS).where(SHIPMENTS.c.id == second)
                     .values(tracking_number=taken))
