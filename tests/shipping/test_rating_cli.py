"""``backroom ship quote | carriers | validate-rates`` through the real Typer app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from backroom.cli.app import app
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from tests.api.helpers import cli_database
from tests.shipping.ratingkit import TESTWAY_RATES, write_rates
from tests.shipping.test_rating_api import add_warehouse

runner = CliRunner()
READY = ["--ready-at", "2026-12-01T12:00-05:00"]  # Tuesday noon in New York
TO_ZONE_2 = ["--from-country", "US", "--from-postal", "10001", "--to-country", "US",
             "--to-postal", "20001", "--package", "100x100x100:1000", *READY]


@pytest.fixture
def rates_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI reads the hand-checkable test cards (BACKROOM_RATES_DIR)."""
    write_rates(tmp_path)
    monkeypatch.setenv("BACKROOM_RATES_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    monkeypatch.delenv("BACKROOM_RATES_DIR")
    get_settings.cache_clear()


def ship(*args: str, code: int = 0) -> Result:
    result = runner.invoke(app, ["ship", *args])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def ship_json(*args: str, code: int = 0) -> Any:
    return json.loads(ship(*args, "--json", code=code).stdout)


def test_quote_prints_breakdown_and_choice_when_promise_is_met(rates_env: Path) -> None:
    result = ship("quote", *TO_ZONE_2, "--promise", "2026-12-03", "--choose")
    assert "TST GROUND" in result.stdout and "TST EXPRESS" in result.stdout
    assert "cheapest: Testway Ground (TST), 11.25 USD, delivered 2026-12-03" in result.stdout


def test_quote_json_has_minor_units_and_dates_when_asked(rates_env: Path) -> None:
    data = ship_json("quote", *TO_ZONE_2, "--residential")
    ground = next(q for q in data["quotes"] if q["service"] == "GROUND")
    assert [(x["code"], x["amount_minor"]) for x in ground["lines"]] == [
        ("base", 1000), ("residential", 420), ("fuel", 178)]  # 14.20 × 12.5 % = 1.775 → 1.78
    assert (ground["total"], ground["delivery_date"]) == ("15.98", "2026-12-03")


def test_quote_exits_1_naming_fastest_when_no_service_meets_promise(rates_env: Path) -> None:
    data = ship_json("quote", *TO_ZONE_2, "--promise", "2026-12-01", "--choose", code=1)
    assert data["choice"]["meets_promise"] is False
    assert data["choice"]["fastest"]["service"] == "EXPRESS"


def test_quote_exits_2_naming_each_field_when_input_is_bad(rates_env: Path) -> None:
    result = ship("quote", "--from-country", "US", "--from-postal", "10001", "--to-country",
                  "XX", "--to-postal", "1", "--package", "100x100:5", "--package",
                  "100x100x100:0", *READY, code=2)
    for field in ("packages[0]", "destination.country", "packages[1].weight_g"):
        assert field in result.stderr, result.stderr


def test_quote_exits_2_when_package_is_too_big_for_every_service(rates_env: Path) -> None:
    result = ship("quote", *TO_ZONE_2, "--package", "3000x100x100:1000", code=2)
    assert "larger or heavier than any service allows" in result.stderr
    assert "package 2 exceeds max length 108 in" in result.stderr


def test_quote_ships_from_warehouse_when_code_is_given(db_url: str, uow: UnitOfWork) -> None:
    add_warehouse(uow)
    with cli_database(db_url):
        data = ship_json("quote", "--from", "SFO1", "--to-country", "US", "--to-postal",
                         "94110", "--package", "300x200x100:1200", *READY)
        missing = runner.invoke(app, ["ship", "quote", "--from", "NOPE", "--to-country", "US",
                                      "--to-postal", "94110", "--package", "1x1x1:1"])
    assert {q["carrier"] for q in data["quotes"]} == {"PWY", "METRO"}
    assert missing.exit_code == 2 and "no warehouse 'NOPE'" in missing.stderr


def test_carriers_lists_sample_services_when_no_rates_dir_is_set() -> None:
    data = ship_json("carriers")
    assert sorted(c["code"] for c in data["items"]) == ["EUP", "METRO", "PWY"]
    out = ship("carriers").stdout
    assert "PWY" in out and "GROUND" in out and "31.5 kg" in out


def test_validate_rates_reports_every_problem_with_lines_when_files_are_bad(
        tmp_path: Path) -> None:
    rates = (TESTWAY_RATES.replace("GROUND,1,2,5,8.00", "GROUND,1,3,5,8.00")
             .replace("GROUND,1,1,2,6.00", "GROUND,1,1,2,-6.00"))
    write_rates(tmp_path, {"testway/rates.csv": rates})
    result = ship("validate-rates", str(tmp_path), code=2)
    assert "2 problem(s)" in result.stderr
    assert "line 3: testway/rates.csv:price: must not be negative" in result.stderr
    assert "line 4: testway/rates.csv:min_weight: gap in GROUND zone 1" in result.stderr
    data = ship_json("validate-rates", str(tmp_path), code=2)
    assert [(p["line"], p["field"]) for p in data["problems"]] == [
        (3, "testway/rates.csv:price"), (4, "testway/rates.csv:min_weight")]


def test_validate_rates_says_ok_when_directory_is_clean(tmp_path: Path) -> None:
    write_rates(tmp_path)
    assert "ok: 2 carriers, 3 services" in ship("validate-rates", str(tmp_path)).stdout
