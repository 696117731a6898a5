"""CSV import on SQLite and PostgreSQL: all-or-nothing, --skip-invalid, upserts, round trip."""

from __future__ import annotations

import io
import time

import pytest

from backroom.catalog import queries
from backroom.catalog.csvio import read_csv, write_csv
from backroom.catalog.model import BarcodeSpec
from backroom.catalog.services import ImportResult, create_product, import_products
from backroom.core.errors import Problem, ValidationFailed
from backroom.db.uow import UnitOfWork
from tests.catalog.conftest import events, gtin13, product_count, put_stock, spec

GOOD = (
    "sku,name,barcode,weight_g,inner_qty,case_qty,tracking,standard_cost\n"
    f"A-1,Mug,{gtin13(1)},350,6,24,lot,2.50\n"
    f"A-2,Plate,{gtin13(2)}|10012345678902:case,500,,12,none,\n"
)


def run(uow: UnitOfWork, text: str, skip_invalid: bool = False) -> ImportResult:
    return import_products(uow, read_csv(text, "USD"), skip_invalid=skip_invalid)


def failure(uow: UnitOfWork, text: str) -> list[Problem]:
    with pytest.raises(ValidationFailed) as err:
        run(uow, text)
    return err.value.problems


def where(problems: list[Problem]) -> list[tuple[int | None, str, object]]:
    return [(p.line, p.field, p.value) for p in problems]


def test_import_creates_products_when_every_row_is_good(uow: UnitOfWork) -> None:
    result = run(uow, GOOD)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    with uow.read() as conn:
        plate = queries.get_product(conn, "A-2", "USD")
    assert plate is not None and plate["case_qty"] == 12
    assert plate["barcodes"][1] == {"code": "10012345678902", "packaging": "case"}
    assert [e[0] for e in events(uow)] == ["product.created", "product.created"]


def test_import_writes_nothing_when_any_row_is_bad(uow: UnitOfWork) -> None:
    problems = failure(uow, GOOD + "A-3,Bowl,,-5,,,,\nA-4,,,0,,,,\n")
    assert where(problems) == [(4, "weight_g", -5), (5, "name", None), (5, "weight_g", 0)]
    assert product_count(uow) == 0 and events(uow) == []


def test_import_writes_good_rows_and_reports_bad_when_skip_invalid(uow: UnitOfWork) -> None:
    result = run(uow, GOOD + "A-3,Bowl,,heavy,,,,\n", skip_invalid=True)
    assert (result.created, result.invalid_rows) == (2, 1)
    assert where(result.errors) == [(4, "weight_g", "heavy")]
    assert product_count(uow) == 2


def test_import_reports_line_when_sku_is_repeated_in_file(uow: UnitOfWork) -> None:
    problems = failure(uow, "sku,name\nA,a\nB,b\nA,again\n")
    assert where(problems) == [(4, "sku", "A")]
    assert "first on line 2" in problems[0].message


def test_import_reports_both_lines_when_barcode_is_repeated_in_file(uow: UnitOfWork) -> None:
    problems = failure(uow, f"sku,name,barcode\nA,a,{gtin13(1)}\nB,b,0{gtin13(1)}\n")
    assert where(problems) == [(3, "barcode", "0" + gtin13(1))]
    assert "'A' on line 2" in problems[0].message


def test_import_is_refused_when_barcode_is_used_by_another_product(uow: UnitOfWork) -> None:
    create_product(uow, spec("OLD", barcodes=(BarcodeSpec(gtin13(1)),)))
    problems = failure(uow, GOOD)
    assert where(problems) == [(2, "barcode", gtin13(1))]
    assert problems[0].message == "is already used by product 'OLD'"
    assert product_count(uow) == 1


def test_import_reports_expected_digit_when_gtin_check_digit_is_wrong(uow: UnitOfWork) -> None:
    problems = failure(uow, "sku,name,barcode\nA,a,4006381333932\n")
    assert where(problems) == [(2, "barcode", "4006381333932")]
    assert problems[0].message == "has a wrong check digit: expected 1, got 2"


def test_import_updates_existing_skus_when_codes_match(uow: UnitOfWork) -> None:
    run(uow, GOOD)
    result = run(uow, "sku,standard_cost,barcode\nA-1,3.10,\nA-2,,10012345678902:case\n")
    assert (result.created, result.updated, result.unchanged) == (0, 2, 0)
    with uow.read() as conn:
        mug = queries.get_product(conn, "A-1", "USD")
        plate = queries.get_product(conn, "A-2", "USD")
    assert mug is not None and plate is not None
    assert (mug["standard_cost"], mug["barcodes"], mug["weight_g"]) == ("3.10", [], 350)
    assert [b["code"] for b in plate["barcodes"]] == ["10012345678902"]
    assert events(uow)[-2][1]["changed"] == ["barcodes", "standard_cost_minor"]


def test_import_changes_nothing_when_file_is_imported_twice(uow: UnitOfWork) -> None:
    run(uow, GOOD)
    result = run(uow, GOOD)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert len(events(uow)) == 2


def test_import_refuses_tracking_change_when_sku_has_stock(uow: UnitOfWork) -> None:
    run(uow, GOOD)
    with uow.read() as conn:
        mug = queries.get_product(conn, "A-1", "USD")
    assert mug is not None
    put_stock(uow, mug["id"], 3)
    problems = failure(uow, "sku,tracking\nA-1,none\nA-2,serial\n")
    assert where(problems) == [(2, "tracking", "none")]


def test_export_then_import_gives_identical_products_when_round_tripped(uow: UnitOfWork) -> None:
    run(uow, GOOD + 'A-3,"Bowl, ""deep""",,1,,,serial,0.01\n')
    create_product(uow, spec("A-4", description="two\nlines", active=False, length_mm=10,
                             width_mm=20, height_mm=30, shelf_life_days=90))
    with uow.read() as conn:
        before = list(queries.iter_products(conn, "USD", batch=2))
        out = io.StringIO()
        write_csv(out, before)
    result = run(uow, out.getvalue())
    assert (result.unchanged, result.updated, result.created) == (4, 0, 0)
    with uow.read() as conn:
        assert list(queries.iter_products(conn, "USD")) == before


def test_import_of_10000_rows_is_fast_when_set_based(uow: UnitOfWork) -> None:
    lines = ["sku,name,barcode,weight_g,inner_qty,case_qty,standard_cost"]
    lines += [f"S{i:05d},Item {i},{gtin13(i)},{i + 1},6,24,{i}.99" for i in range(10_000)]
    rows = read_csv("\n".join(lines), "USD")
    started = time.perf_counter()
    result = import_products(uow, rows)
    elapsed = time.perf_counter() - started
    assert result.created == 10_000 and product_count(uow) == 10_000
    assert elapsed < 10, f"import took {elapsed:.1f}s"
    started = time.perf_counter()
    assert import_products(uow, rows).unchanged == 10_000
    assert time.perf_counter() - started < 10
