"""Creating warehouses: validation, standard locations, events, conflicts (SQLite and PostgreSQL)."""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from backroom.core.errors import Conflict, ValidationFailed
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.inventory.locations import (
    COUNTRIES,
    WarehouseSpec,
    create_warehouse,
    validate_warehouse,
)
from backroom.inventory.model import STANDARD_LOCATIONS
from backroom.inventory.tables import LOCATIONS, WAREHOUSES

SPEC = WarehouseSpec(code="WH1", name="Main", postal_code="10001", country="US",
                     address_line1="1 Dock St", city="New York", region="NY",
                     latitude=40.75, longitude=-73.99)


def _problems(spec: WarehouseSpec) -> dict[str, Any]:
    with pytest.raises(ValidationFailed) as info:
        validate_warehouse(spec)
    return {p.field: p.message for p in info.value.problems}


def _count(uow: UnitOfWork, table: Any) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_creates_standard_locations_when_warehouse_is_created(uow: UnitOfWork) -> None:
    created = create_warehouse(uow, SPEC)
    assert created["code"] == "WH1"
    assert created["standard_locations"] == {
        kind.value: f"WH1-{suffix}" for kind, suffix in STANDARD_LOCATIONS.items()}
    c = LOCATIONS.c
    with uow.read() as conn:
        wh_id = conn.execute(select(WAREHOUSES.c.id)).scalar_one()
        rows = conn.execute(select(c.code, c.kind, c.physical, c.warehouse_id, c.active)
                            .where(c.warehouse_id == wh_id)).all()
    assert {(r.code, r.kind) for r in rows} == {
        (f"WH1-{suffix}", kind.value) for kind, suffix in STANDARD_LOCATIONS.items()}
    assert all(r.physical and r.active and r.warehouse_id == wh_id for r in rows)


def test_stores_address_and_coordinates_when_warehouse_is_created(uow: UnitOfWork) -> None:
    created = create_warehouse(uow, SPEC)
    w = WAREHOUSES.c
    with uow.read() as conn:
        row = conn.execute(select(w.name, w.address_line1, w.city, w.region, w.postal_code,
                                  w.country, w.latitude, w.longitude, w.created_at)).one()
    assert tuple(row)[:8] == ("Main", "1 Dock St", "New York", "NY", "10001", "US", 40.75, -73.99)
    assert row.created_at.tzinfo is not None
    assert created["bins"] == 0 and created["location_counts"]["input"] == 1


def test_records_one_event_when_warehouse_is_created(uow: UnitOfWork) -> None:
    create_warehouse(uow, SPEC)
    o = OUTBOX.c
    with uow.read() as conn:
        events = conn.execute(select(o.type, o.aggregate, o.payload)).all()
    assert len(events) == 1
    assert events[0].type == "warehouse.created"
    assert events[0].aggregate == "warehouse:WH1"
    assert events[0].payload["code"] == "WH1"
    assert "WH1-QUARANTINE" in events[0].payload["locations"]


def test_normalizes_codes_when_input_is_lower_case(uow: UnitOfWork) -> None:
    created = create_warehouse(uow, replace(SPEC, code=" eu-2 ", country="nl",
                                            postal_code="1012ab", name="  Amsterdam "))
    assert (created["code"], created["country"], created["postal_code"], created["name"]) == (
        "EU-2", "NL", "1012 AB", "Amsterdam")
    assert created["standard_locations"]["input"] == "EU-2-INPUT"


def test_refuses_duplicate_code_when_warehouse_exists(uow: UnitOfWork) -> None:
    create_warehouse(uow, SPEC)
    with pytest.raises(Conflict) as info:
        create_warehouse(uow, replace(SPEC, code="wh1", name="Other"))
    assert info.value.data["warehouse"] == "WH1"
    assert _count(uow, WAREHOUSES) == 1
    assert _count(uow, OUTBOX) == 1


def test_writes_nothing_when_spec_is_invalid(uow: UnitOfWork) -> None:
    locations_before = _count(uow, LOCATIONS)
    with pytest.raises(ValidationFailed):
        create_warehouse(uow, replace(SPEC, postal_code="ABCDE"))
    assert _count(uow, WAREHOUSES) == 0
    assert _count(uow, LOCATIONS) == locations_before
    assert _count(uow, OUTBOX) == 0


def test_creates_exactly_one_when_same_code_is_created_concurrently(uow: UnitOfWork) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def attempt() -> None:
        barrier.wait()
        try:
            create_warehouse(UnitOfWork(uow.engine), SPEC)
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["created"]
    assert _count(uow, WAREHOUSES) == 1


def test_reports_every_problem_when_many_fields_are_wrong() -> None:
    problems = _problems(WarehouseSpec(code="wh_1", name=" ", postal_code="", country="XX",
                                       latitude=91, longitude=181))
    assert set(problems) == {"code", "name", "postal_code", "country", "latitude", "longitude"}


@pytest.mark.parametrize("code", ["", "-WH", "WH-", "WAREHOUSE-NUMBER-1", "WH 1", "WH_1", "WH.1"])
def test_refuses_code_when_shape_is_wrong(code: str) -> None:
    assert "code" in _problems(replace(SPEC, code=code))


@pytest.mark.parametrize("code", ["SUPPLIER", "loss", "TRANSIT"])
def test_refuses_code_when_it_names_a_virtual_location(code: str) -> None:
    assert "reserved" in _problems(replace(SPEC, code=code))["code"]


@pytest.mark.parametrize("code", ["W", "WH1", "EU-WEST-2", "A" * 16, "1-2-3"])
def test_accepts_code_when_shape_is_right(code: str) -> None:
    assert validate_warehouse(replace(SPEC, code=code)).code == code


@pytest.mark.parametrize(("country", "postal", "normalized"), [
    ("US", "10001", "10001"), ("US", "10001-1234", "10001-1234"),
    ("CA", "k1a0b1", "K1A 0B1"), ("CA", "M5V 3L9", "M5V 3L9"),
    ("GB", "sw1a1aa", "SW1A 1AA"), ("GB", "M1 1AE", "M1 1AE"), ("GB", "EC1A  1BB", "EC1A 1BB"),
    ("DE", "10115", "10115"), ("FR", "75008", "75008"), ("NL", "1012 AB", "1012 AB"),
    ("AU", "2000", "2000"), ("JP", "100-0001", "100-0001"), ("IE", "D02 X285", "D02 X285"),
])
def test_accepts_postal_code_when_it_fits_the_country(country: str, postal: str,
                                                      normalized: str) -> None:
    spec = validate_warehouse(replace(SPEC, country=country, postal_code=postal))
    assert spec.postal_code == normalized


@pytest.mark.parametrize(("country", "postal"), [
    ("US", "1234"), ("US", "123456"), ("US", "ABCDE"), ("CA", "D1A 0B1"), ("CA", "12345"),
    ("GB", "12345"), ("DE", "1011"), ("FR", "7500A"), ("NL", "0123 AB"), ("NL", "1234"),
    ("AU", "20000"), ("JP", "100/0001"), ("SE", "-"), ("SE", "1" * 21), ("US", "  "),
])
def test_refuses_postal_code_when_it_does_not_fit(country: str, postal: str) -> None:
    assert "postal_code" in _problems(replace(SPEC, country=country, postal_code=postal))


@pytest.mark.parametrize("country", ["USA", "U", "", "ZZ", "EU", "1A"])
def test_refuses_country_when_not_iso_alpha2(country: str) -> None:
    assert "country" in _problems(replace(SPEC, country=country))


def test_knows_every_iso_country_when_checking() -> None:
    assert len(COUNTRIES) == 250
    assert {"US", "GB", "DE", "CN", "BR", "ZA", "XK"} <= COUNTRIES


@pytest.mark.parametrize(("lat", "lon", "field"), [
    (90.0001, 0.0, "latitude"), (-91.0, 0.0, "latitude"), (0.0, 180.5, "longitude"),
    (0.0, -181.0, "longitude"), (math.nan, 0.0, "latitude"), (0.0, math.inf, "longitude"),
    (None, 10.0, "latitude"), (10.0, None, "longitude"),
])
def test_refuses_coordinates_when_out_of_range_or_alone(lat: float | None, lon: float | None,
                                                        field: str) -> None:
    assert field in _problems(replace(SPEC, latitude=lat, longitude=lon))


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (None, None), (0, 0)])
def test_accepts_coordinates_when_on_the_edges_or_absent(lat: float | None,
                                                         lon: float | None) -> None:
    spec = validate_warehouse(replace(SPEC, latitude=lat, longitude=lon))
    assert (spec.latitude, spec.longitude) == (lat, lon)


def test_refuses_long_text_when_fields_exceed_columns() -> None:
    problems = _problems(replace(SPEC, name="n" * 256, city="c" * 101, region="r" * 101))
    assert set(problems) == {"name", "city", "region"}
