"""Reading and writing the products CSV (no database)."""

from __future__ import annotations

import io

import pytest

from backroom.catalog.csvio import COLUMNS, read_csv, write_csv
from backroom.catalog.model import BarcodeSpec, Tracking
from backroom.core.errors import Problem, ValidationFailed


def structural_problems(data: bytes | str) -> list[Problem]:
    with pytest.raises(ValidationFailed) as err:
        read_csv(data, "USD")
    return err.value.problems


def test_cells_become_typed_values_when_row_is_good() -> None:
    [row] = read_csv("sku,name,barcode,weight_g,tracking,inner_qty,case_qty,standard_cost,active\n"
                     "A-1, Mug ,4006381333931|10012345678902:CASE,350,LOT,6,24,2.50,no\n", "USD")
    assert row.sku == "A-1" and row.line == 2 and row.problems == ()
    assert row.values == {
        "name": "Mug", "barcodes": (BarcodeSpec("4006381333931"),
                                    BarcodeSpec("10012345678902", "case")),
        "weight_g": 350, "tracking": Tracking.LOT, "inner_qty": 6, "case_qty": 24,
        "standard_cost_minor": 250, "active": False}


def test_only_given_columns_are_set_when_file_has_few_columns() -> None:
    [row] = read_csv("SKU,Standard_Cost\nA-1,3\n", "USD")
    assert row.values == {"standard_cost_minor": 300}


def test_empty_cells_clear_fields_when_column_is_present() -> None:
    [row] = read_csv("sku,weight_g,tracking,active,barcode,standard_cost\nA,,,,,\n", "USD")
    assert row.values == {"weight_g": None, "tracking": Tracking.NONE, "active": True,
                          "barcodes": (), "standard_cost_minor": None}


def test_bom_is_ignored_when_file_starts_with_one() -> None:
    [row] = read_csv("\ufeffsku,name\nA,a\n".encode(), "USD")
    assert row.sku == "A"


def test_cell_problem_names_line_field_and_value_when_cell_cannot_be_read() -> None:
    rows = read_csv("sku,name,weight_g,tracking,active,standard_cost,barcode\n"
                    "A,a,1,none,true,1,\n"
                    "B,b,1.5,batch,maybe,1.001,4006381333931:pallet\n", "USD")
    assert rows[0].problems == ()
    assert [(p.line, p.field, p.value) for p in rows[1].problems] == [
        (3, "weight_g", "1.5"), (3, "tracking", "batch"), (3, "active", "maybe"),
        (3, "standard_cost", "1.001"), (3, "barcode", "4006381333931:pallet")]


def test_line_numbers_count_physical_lines_when_a_cell_spans_lines() -> None:
    rows = read_csv('sku,name,description\nA,a,"two\nlines"\n\nB,b,x\n', "USD")
    assert [(r.sku, r.line) for r in rows] == [("A", 2), ("B", 5)]
    assert rows[0].values["description"] == "two\nlines"


def test_row_is_bad_when_it_has_the_wrong_number_of_cells() -> None:
    [row] = read_csv("sku,name\nA,a,extra\n", "USD")
    assert [(p.line, p.field) for p in row.problems] == [(2, "row")]
    assert row.sku == "A"


def test_unknown_columns_are_named_when_header_has_them() -> None:
    problems = structural_problems("sku,name,colour,Size\n")
    assert [(p.line, p.field, p.value) for p in problems] == [(1, "colour", "colour"),
                                                              (1, "size", "Size")]


def test_file_is_refused_when_sku_column_is_missing_or_doubled() -> None:
    assert [p.field for p in structural_problems("name\nx\n")] == ["sku"]
    assert [p.message for p in structural_problems("sku,name,sku\n")] == ["is given more than once"]


def test_file_is_refused_when_it_is_empty() -> None:
    [problem] = structural_problems(b"\n\n")
    assert problem.field == "file" and "header" in problem.message


def test_file_is_refused_with_line_when_quoting_is_broken() -> None:
    [problem] = structural_problems('sku,name\nA,a\nB,"b"x\n')
    assert (problem.field, problem.line) == ("file", 3)
    assert "not valid CSV" in problem.message


def test_file_is_refused_with_line_when_it_is_not_utf8() -> None:
    [problem] = structural_problems(b"sku,name\nA,caf\xe9\n")
    assert (problem.field, problem.line, problem.value) == ("file", 2, "e9")


def test_written_csv_reads_back_when_exported() -> None:
    product = {"sku": "A", "name": "Mug, large", "description": 'say "hi"\nline 2',
               "barcodes": [{"code": "4006381333931", "packaging": "each"},
                            {"code": "10012345678902", "packaging": "case"}],
               "length_mm": 1, "width_mm": 2, "height_mm": 3, "weight_g": 4, "tracking": "lot",
               "shelf_life_days": 5, "inner_qty": None, "case_qty": 12, "standard_cost": "0.99",
               "active": False}
    out = io.StringIO()
    assert write_csv(out, [product]) == 1
    assert out.getvalue().splitlines()[0] == ",".join(COLUMNS)
    [row] = read_csv(out.getvalue(), "USD")
    assert row.problems == () and row.sku == "A"
    assert row.values["description"] == 'say "hi"\nline 2'
    assert row.values["barcodes"][1] == BarcodeSpec("10012345678902", "case")
    assert (row.values["standard_cost_minor"], row.values["active"]) == (99, False)
