"""The box catalog: create, update, deactivate, list, CSV import (all or nothing), defaults."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import boxes
from backroom.fulfillment.box_csv import import_boxes
from backroom.fulfillment.tables import BOXES

HEADER = "code,name,inner_length_mm,inner_width_mm,inner_height_mm,max_weight_g,tare_g,cost\n"


def count(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(BOXES)).scalar_one())


def spec(code: str = "CUBE-30", **changes: object) -> boxes.BoxSpec:
    base: dict[str, object] = {"code": code, "inner_length_mm": 300, "inner_width_mm": 300,
                               "inner_height_mm": 300, "max_weight_g": 10_000, "cost": "0.95",
                               "tare_g": 250, "name": "Cube"}
    return boxes.BoxSpec(**{**base, **changes})  # type: ignore[arg-type]


def test_create_stores_cost_in_minor_units_when_spec_is_valid(uow: UnitOfWork) -> None:
    box = boxes.create_box(uow, spec())
    assert box["cost_minor"] == 95 and box["currency"] == "USD" and box["cost"] == "0.95"
    assert box["outer_mm"] == [306, 306, 306] and box["active"] is True
    assert [b["code"] for b in boxes.list_boxes(uow)] == ["CUBE-30"]


def test_create_reports_every_problem_when_spec_is_bad(uow: UnitOfWork) -> None:
    with pytest.raises(ValidationFailed) as err:
        boxes.create_box(uow, spec("bad code!", inner_width_mm=0, max_weight_g=-1,
                                   cost="1.234", tare_g="x"))
    fields = {p.field for p in err.value.problems}
    assert fields == {"code", "inner_width_mm", "max_weight_g", "cost", "tare_g"}
    assert count(uow) == 0


def test_create_refuses_when_code_exists(uow: UnitOfWork) -> None:
    boxes.create_box(uow, spec())
    with pytest.raises(Conflict):
        boxes.create_box(uow, spec())


def test_update_and_deactivate_change_listing_when_box_exists(uow: UnitOfWork) -> None:
    boxes.create_box(uow, spec())
    boxes.create_box(uow, spec("FLAT", inner_height_mm=40))
    changed = boxes.update_box(uow, "CUBE-30", {"cost": "1.10", "max_weight_g": 12_000})
    assert (changed["cost_minor"], changed["max_weight_g"]) == (110, 12_000)
    boxes.deactivate_box(uow, "FLAT")
    assert [b["code"] for b in boxes.list_boxes(uow)] == ["CUBE-30"]
    assert {b["code"] for b in boxes.list_boxes(uow, include_inactive=True)} == {"CUBE-30",
                                                                               "FLAT"}
    with uow.read() as conn:
        catalog, currency = boxes.catalog_for_packing(conn)
    assert [b.code for b in catalog] == ["CUBE-30"] and currency == "USD"
    assert catalog[0].outer == (306, 306, 306) and catalog[0].tare_g == 250


def test_update_refuses_when_field_unknown_or_box_missing(uow: UnitOfWork) -> None:
    boxes.create_box(uow, spec())
    with pytest.raises(ValidationFailed):
        boxes.update_box(uow, "CUBE-30", {"colour": "brown"})
    with pytest.raises(NotFound):
        boxes.update_box(uow, "NOPE", {"cost": "1"})


def test_import_creates_and_updates_when_every_row_is_good(uow: UnitOfWork) -> None:
    boxes.create_box(uow, spec("BOX-A"))
    data = (HEADER + "BOX-A,Cube A,300,300,300,10000,250,1.05\n"
            "BOX-B,,200,150,100,5000,,0.40\n\n"
            "MAILER,Mailer,250,180,30,1000,15,0.25\n")
    result = import_boxes(uow, data)
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 1, 0)
    listed = {b["code"]: b for b in boxes.list_boxes(uow)}
    assert listed["BOX-A"]["cost_minor"] == 105
    assert listed["BOX-B"]["name"] == "BOX-B" and listed["BOX-B"]["tare_g"] == 0
    assert import_boxes(uow, data)["unchanged"] == 3


def test_import_writes_nothing_and_names_line_field_value_when_a_row_is_bad(
        uow: UnitOfWork) -> None:
    data = (HEADER + "GOOD,Good,300,300,300,10000,250,1.05\n"
            "BAD,Bad,300,abc,300,10000,250,1.05\n"
            "GOOD,Again,300,300,300,0,250,-1\n"
            "SHORT,1,2\n")
    with pytest.raises(ValidationFailed) as err:
        import_boxes(uow, data)
    found = {(p.line, p.field, p.value) for p in err.value.problems}
    assert (3, "inner_width_mm", "abc") in found
    assert (4, "code", "GOOD") in found and (4, "max_weight_g", 0) in found
    assert (4, "cost", "-1") in found
    assert any(p.line == 5 and p.field == "row" for p in err.value.problems)
    assert "nothing was imported" in err.value.message
    assert count(uow) == 0


def test_import_refuses_unknown_and_missing_columns_when_header_is_wrong(
        uow: UnitOfWork) -> None:
    with pytest.raises(ValidationFailed) as err:
        import_boxes(uow, "code,colour,inner_length_mm\nA,red,1\n")
    fields = {p.field for p in err.value.problems}
    assert {"colour", "inner_width_mm", "max_weight_g", "cost"} <= fields
    with pytest.raises(ValidationFailed):
        import_boxes(uow, b"\xff\xfe")
    assert count(uow) == 0


def test_seed_adds_defaults_once_when_run_twice(uow: UnitOfWork) -> None:
    first = boxes.seed_default_boxes(uow)
    assert len(first["created"]) == len(boxes.DEFAULT_BOXES) and first["existing"] == []
    again = boxes.seed_default_boxes(uow)
    assert again["created"] == [] and len(again["existing"]) == len(boxes.DEFAULT_BOXES)
    assert count(uow) == len(boxes.DEFAULT_BOXES)
