"""Bins from layout specs, single bins and retiring locations (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.inventory.location_queries import get_location
from backroom.inventory.locations import (
    WarehouseSpec,
    add_location,
    create_bins,
    create_warehouse,
    deactivate_location,
)
from backroom.inventory.tables import LEVELS, LOCATIONS, WAREHOUSES


@pytest.fixture
def wh(uow: UnitOfWork) -> str:
    create_warehouse(uow, WarehouseSpec(code="WH1", name="Main", postal_code="10115",
                                        country="DE"))
    return "WH1"


def _bins(uow: UnitOfWork) -> list[Any]:
    c = LOCATIONS.c
    with uow.read() as conn:
        return list(conn.execute(select(c.code, c.aisle, c.bay, c.level, c.zone, c.physical,
                                        c.warehouse_id).where(c.kind == "storage")
                                 .order_by(c.id)))


def _events(uow: UnitOfWork, kind: str) -> list[Any]:
    o = OUTBOX.c
    with uow.read() as conn:
        return list(conn.execute(select(o.payload).where(o.type == kind)).scalars())


def _put_stock(uow: UnitOfWork, location: str, on_hand: int) -> None:
    now = clock.now()
    with uow.transaction() as conn:
        sku_id = conn.execute(insert(PRODUCTS).values(
            sku=f"SKU-{location}", name="x", description="", tracking="none", active=True,
            created_at=now, updated_at=now).returning(PRODUCTS.c.id)).scalar_one()
        loc_id = conn.execute(select(LOCATIONS.c.id).where(LOCATIONS.c.code == location)
                              ).scalar_one()
        conn.execute(insert(LEVELS).values(location_id=loc_id, sku_id=sku_id, lot_id=0,
                                           physical=True, on_hand=on_hand, reserved=0))


def test_creates_every_bin_with_coordinates_when_spec_is_given(uow: UnitOfWork, wh: str) -> None:
    result = create_bins(uow, wh, "A-J x 1-30 x 1-4")
    assert result == {"warehouse": "WH1", "spec": "A-J x 1-30 x 1-4", "zone": "",
                      "requested": 1200, "created": 1200, "existing": 0}
    rows = _bins(uow)
    assert len(rows) == 1200
    assert len({r.code for r in rows}) == 1200
    by_code = {r.code: r for r in rows}
    assert (by_code["WH1-C-07-2"].aisle, by_code["WH1-C-07-2"].bay,
            by_code["WH1-C-07-2"].level) == ("C", 7, 2)
    with uow.read() as conn:
        wh_id = conn.execute(select(WAREHOUSES.c.id)).scalar_one()
    assert all(r.physical and r.warehouse_id == wh_id for r in rows)


def test_skips_existing_bins_when_specs_overlap(uow: UnitOfWork, wh: str) -> None:
    create_bins(uow, wh, "A-B x 1-3 x 1-2")
    again = create_bins(uow, wh, "A-B x 1-3 x 1-2")
    assert (again["created"], again["existing"]) == (0, 12)
    wider = create_bins(uow, "wh1", "A-C x 1-3 x 1-2")
    assert (wider["created"], wider["existing"]) == (6, 12)
    assert len(_bins(uow)) == 18


def test_records_an_event_only_when_bins_were_created(uow: UnitOfWork, wh: str) -> None:
    create_bins(uow, wh, "A x 1-2 x 1 zone=fast")
    create_bins(uow, wh, "A x 1-2 x 1")
    events = _events(uow, "locations.bins_created")
    assert len(events) == 1
    assert (events[0]["created"], events[0]["zone"], events[0]["warehouse"]) == (2, "FAST", "WH1")


def test_sets_the_zone_when_given_in_spec_or_option(uow: UnitOfWork, wh: str) -> None:
    create_bins(uow, wh, "A x 1 x 1 zone=fast")
    create_bins(uow, wh, "B x 1 x 1", zone="bulk")
    create_bins(uow, wh, "C x 1 x 1 zone=COLD", zone="cold")
    assert [r.zone for r in _bins(uow)] == ["FAST", "BULK", "COLD"]


def test_refuses_two_different_zones_when_spec_and_option_disagree(uow: UnitOfWork,
                                                                   wh: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_bins(uow, wh, "A x 1 x 1 zone=FAST", zone="SLOW")
    assert info.value.problems[0].field == "zone"
    with pytest.raises(ValidationFailed):
        create_bins(uow, wh, "A x 1 x 1", zone="no spaces")
    assert _bins(uow) == []


def test_writes_nothing_when_spec_is_bad(uow: UnitOfWork, wh: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_bins(uow, wh, "J-A x 1-30 x 1-4")
    assert info.value.problems[0].field == "spec.aisles"
    assert _bins(uow) == []
    assert _events(uow, "locations.bins_created") == []


def test_raises_not_found_when_warehouse_is_unknown(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        create_bins(uow, "NOPE", "A x 1 x 1")


def test_creates_each_bin_once_when_same_spec_runs_concurrently(uow: UnitOfWork, wh: str) -> None:
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        results.append(create_bins(UnitOfWork(uow.engine), wh, "A-D x 1-10 x 1-3"))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["created"] for r in results) == [0, 0, 0, 120]
    assert len(_bins(uow)) == 120


@pytest.mark.slow
def test_creates_the_maximum_in_one_call_when_spec_is_at_the_limit(uow: UnitOfWork,
                                                                    wh: str) -> None:
    result = create_bins(uow, wh, "A-Y x 1-400 x 1-10")
    assert result["created"] == 100_000
    with uow.read() as conn:
        count = conn.execute(select(func.count()).select_from(LOCATIONS)
                             .where(LOCATIONS.c.kind == "storage")).scalar_one()
    assert count == 100_000


def test_adds_one_bin_when_coordinates_are_valid(uow: UnitOfWork, wh: str) -> None:
    created = add_location(uow, "wh1", "ab", 3, 2, zone="fast", name="Top shelf")
    assert created["code"] == "WH1-AB-03-2"
    assert (created["aisle"], created["bay"], created["level"], created["zone"],
            created["name"], created["warehouse"]) == ("AB", 3, 2, "FAST", "Top shelf", "WH1")
    assert _events(uow, "location.created") == [{"code": "WH1-AB-03-2", "warehouse": "WH1"}]


def test_refuses_a_bin_when_it_already_exists(uow: UnitOfWork, wh: str) -> None:
    create_bins(uow, wh, "A x 1-3 x 1")
    with pytest.raises(Conflict):
        add_location(uow, wh, "A", 2, 1)
    assert len(_bins(uow)) == 3


def test_reports_every_bad_coordinate_when_bin_is_invalid(uow: UnitOfWork, wh: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        add_location(uow, wh, "A1", 0, 100)
    assert [p.field for p in info.value.problems] == ["aisle", "bay", "level"]


def test_deactivates_a_bin_when_it_is_empty(uow: UnitOfWork, wh: str) -> None:
    create_bins(uow, wh, "A x 1 x 1")
    result = deactivate_location(uow, "wh1-a-01-1")
    assert result["active"] is False
    again = deactivate_location(uow, "WH1-A-01-1")
    assert again["active"] is False
    assert _events(uow, "location.deactivated") == [{"code": "WH1-A-01-1"}]


def test_refuses_to_deactivate_when_location_holds_stock(uow: UnitOfWork, wh: str) -> None:
    create_bins(uow, wh, "A x 1 x 1")
    _put_stock(uow, "WH1-A-01-1", 5)
    with pytest.raises(Conflict) as info:
        deactivate_location(uow, "WH1-A-01-1")
    assert info.value.data["on_hand"] == 5
    with uow.read() as conn:
        location = get_location(conn, "WH1-A-01-1")
    assert location["active"] is True
    assert location["stock"] == {"lines": 1, "on_hand": 5, "reserved": 0}


def test_refuses_to_deactivate_when_location_is_virtual(uow: UnitOfWork) -> None:
    with pytest.raises(Conflict):
        deactivate_location(uow, "LOSS")


def test_raises_not_found_when_deactivating_unknown_location(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        deactivate_location(uow, "WH9-A-01-1")
