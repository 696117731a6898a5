"""``backroom locations …`` commands against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from backroom.cli.app import app
from tests.api.helpers import cli_database

runner = CliRunner()
CREATE = ["locations", "warehouse-create", "WH1", "--name", "Main", "--postal-code", "10115",
          "--country", "DE"]


@pytest.fixture
def cli(db_url: str) -> Iterator[None]:
    with cli_database(db_url):
        yield


def _run(*args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def _json(*args: str) -> Any:
    return json.loads(_run(*args, "--json").stdout)


def test_creates_warehouse_with_standard_locations_when_command_runs(cli: None) -> None:
    out = _run(*CREATE, "--city", "Berlin", "--lat", "52.52", "--lon", "13.40").stdout
    assert "WH1" in out and "WH1-QUARANTINE" in out
    shown = _json("locations", "show", "WH1")
    assert (shown["city"], shown["latitude"], shown["longitude"]) == ("Berlin", 52.52, 13.4)
    assert shown["standard_locations"]["pack"] == "WH1-PACK"


def test_exits_2_and_names_each_field_when_warehouse_input_is_bad(cli: None) -> None:
    result = _run("locations", "warehouse-create", "wh 1", "--name", "x", "--postal-code", "1",
                  "--country", "DE", "--lat", "95", code=2)
    for field in ("code", "postal_code", "latitude"):
        assert field in result.stderr
    assert _json("locations", "warehouses") == []


def test_lists_warehouses_with_bin_counts_when_asked(cli: None) -> None:
    _run(*CREATE)
    _run("locations", "bins", "WH1", "A-B x 1-3 x 1-2")
    listed = _json("locations", "warehouses")
    assert [(w["code"], w["bins"], w["country"]) for w in listed] == [("WH1", 12, "DE")]
    assert "WH1" in _run("locations", "warehouses").stdout


def test_reports_created_and_existing_bins_when_layout_is_applied_twice(cli: None) -> None:
    _run(*CREATE)
    first = _run("locations", "bins", "WH1", "A-J x 1-30 x 1-4", "--zone", "fast").stdout
    assert "created 1200 bins in zone FAST, 0 already existed" in first
    again = _json("locations", "bins", "WH1", "A-J x 1-30 x 1-4")
    assert (again["created"], again["existing"]) == (0, 1200)


def test_exits_2_naming_the_part_when_layout_spec_is_bad(cli: None) -> None:
    _run(*CREATE)
    result = _run("locations", "bins", "WH1", "J-A x 1-30 x 1-4", code=2)
    assert "spec.aisles" in result.stderr and "reversed" in result.stderr
    error = json.loads(_run("locations", "bins", "WH1", "A x 1", "--json", code=2).stderr)
    assert error["code"] == "validation_failed"
    assert error["errors"][0]["field"] == "spec"


def test_filters_and_pages_locations_when_listed(cli: None) -> None:
    _run(*CREATE)
    _run("locations", "bins", "WH1", "A-B x 1-2 x 1")
    storage = _json("locations", "list", "--warehouse", "wh1", "--kind", "storage")
    assert [loc["code"] for loc in storage["items"]] == [
        "WH1-A-01-1", "WH1-A-02-1", "WH1-B-01-1", "WH1-B-02-1"]
    page = _json("locations", "list", "--kind", "storage", "--limit", "3")
    assert page["next_after"] == "WH1-B-01-1"
    rest = _json("locations", "list", "--kind", "storage", "--after", page["next_after"])
    assert [loc["code"] for loc in rest["items"]] == ["WH1-B-02-1"]
    virtual = _json("locations", "list", "--kind", "loss")
    assert [loc["code"] for loc in virtual["items"]] == ["LOSS"]
    found = _json("locations", "list", "--search", "b-02")
    assert [loc["code"] for loc in found["items"]] == ["WH1-B-02-1"]
    assert "more: add --after" in _run("locations", "list", "--limit", "2").stdout


def test_exits_2_when_list_filter_is_unknown(cli: None) -> None:
    assert "kind" in _run("locations", "list", "--kind", "shelf", code=2).stderr
    assert "NOPE" in _run("locations", "list", "--warehouse", "NOPE", code=2).stderr


def test_shows_a_location_or_a_warehouse_when_code_is_given(cli: None) -> None:
    _run(*CREATE)
    _run("locations", "add-bin", "WH1", "--aisle", "C", "--bay", "4", "--level", "2")
    shown = _json("locations", "show", "wh1-c-04-2")
    assert (shown["warehouse"], shown["aisle"], shown["bay"], shown["level"]) == (
        "WH1", "C", 4, 2)
    assert shown["stock"]["on_hand"] == 0
    assert "transit" in _run("locations", "show", "TRANSIT").stdout
    assert "no location or warehouse" in _run("locations", "show", "NOPE", code=2).stderr


def test_deactivates_an_empty_bin_when_asked(cli: None) -> None:
    _run(*CREATE)
    _run("locations", "add-bin", "WH1", "--aisle", "A", "--bay", "1", "--level", "1")
    assert "inactive" in _run("locations", "deactivate", "WH1-A-01-1").stdout
    assert _json("locations", "show", "WH1-A-01-1")["active"] is False
    assert "virtual" in _run("locations", "deactivate", "CUSTOMER", code=2).stderr
