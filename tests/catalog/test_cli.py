"""``backroom products …`` through the real Typer app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from backroom.cli.app import app
from backroom.db.uow import UnitOfWork
from tests.catalog.conftest import gtin13, product_count

runner = CliRunner()
CSV = f"sku,name,barcode,weight_g\nA-1,Mug,{gtin13(1)},350\nA-2,Plate,,500\n"


pytestmark = pytest.mark.usefixtures("cli_database")


def cli(*args: str) -> Result:
    return runner.invoke(app, ["products", *args])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "products.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_add_then_show_returns_product_when_options_are_valid(uow: UnitOfWork) -> None:
    added = cli("add", "MUG-1", "--name", "Mug", "--barcode", gtin13(1), "--barcode",
                "10012345678902:case", "--case-qty", "12", "--standard-cost", "2.5")
    assert added.exit_code == 0, added.output
    shown = cli("show", "MUG-1", "--json")
    product = json.loads(shown.stdout)
    assert (product["case_qty"], product["standard_cost"]) == (12, "2.50")
    assert product["barcodes"][1] == {"code": "10012345678902", "packaging": "case"}


def test_add_exits_2_and_names_fields_when_values_are_bad(uow: UnitOfWork) -> None:
    result = cli("add", "MUG-1", "--name", "Mug", "--weight-g", "-5", "--barcode", "4006381333932")
    assert result.exit_code == 2
    assert "weight_g: must be positive (got -5)" in result.stderr
    assert "expected 1" in result.stderr
    assert product_count(uow) == 0


def test_import_exits_2_and_writes_nothing_when_a_row_is_bad(uow: UnitOfWork,
                                                             tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path, CSV + "A-3,Bowl,,-1\n")))
    assert result.exit_code == 2
    assert "│ 4    │ weight_g │ -1" in result.stderr
    assert "1 of 3 rows are invalid; nothing was imported" in result.stderr
    assert product_count(uow) == 0


def test_import_writes_good_rows_and_lists_bad_when_skip_invalid(uow: UnitOfWork,
                                                                 tmp_path: Path) -> None:
    path = write(tmp_path, CSV + "A-1,Again,,1\nA-4,Cup,,x\n")
    result = cli("import", str(path), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0, skipped 2 bad rows" in result.stdout
    assert "appears more than once" in result.stderr and "whole number" in result.stderr
    assert product_count(uow) == 2


def test_import_exits_2_when_skip_invalid_leaves_no_good_row(uow: UnitOfWork,
                                                             tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path, "sku,name\nA,\n")), "--skip-invalid", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["invalid_rows"] == 1


def test_import_reports_unknown_columns_as_json_when_asked(uow: UnitOfWork,
                                                           tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path, "sku,name,colour\nA,a,red\n")), "--json")
    assert result.exit_code == 2
    [problem] = json.loads(result.stderr)["errors"]
    assert (problem["line"], problem["field"], problem["value"]) == (1, "colour", "colour")
    assert problem["message"].startswith("is not a known column")


def test_export_then_import_changes_nothing_when_round_tripped(uow: UnitOfWork,
                                                               tmp_path: Path) -> None:
    assert cli("import", str(write(tmp_path, CSV))).exit_code == 0
    out = tmp_path / "out.csv"
    assert cli("export", str(out)).exit_code == 0
    assert out.read_text().splitlines()[1] == f"A-1,Mug,,{gtin13(1)},,,,350,none,,,,,true"
    result = cli("import", str(out), "--json")
    assert json.loads(result.stdout) == {"created": 0, "updated": 0, "unchanged": 2,
                                         "invalid_rows": 0, "errors": []}


def test_list_filters_when_search_and_active_are_given(uow: UnitOfWork, tmp_path: Path) -> None:
    cli("import", str(write(tmp_path, CSV)))
    assert cli("deactivate", "A-2").exit_code == 0
    found = json.loads(cli("list", "--search", "mug", "--json").stdout)
    inactive = json.loads(cli("list", "--inactive", "--json").stdout)
    assert [p["sku"] for p in found] == ["A-1"] and [p["sku"] for p in inactive] == ["A-2"]
    assert "Plate" in cli("list").stdout


def test_show_exits_2_when_sku_is_unknown(uow: UnitOfWork) -> None:
    result = cli("show", "NOPE")
    assert result.exit_code == 2 and "no product 'NOPE'" in result.stderr
