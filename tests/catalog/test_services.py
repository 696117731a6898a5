"""Catalog use cases on SQLite and PostgreSQL: create, update, tracking rules, lookups."""

from __future__ import annotations

import pytest

from backroom.catalog import queries
from backroom.catalog.model import BarcodeSpec, Tracking
from backroom.catalog.services import (
    activate_product,
    create_product,
    deactivate_product,
    update_product,
)
from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from tests.catalog.conftest import events, gtin13, product_count, put_stock, spec


def test_create_stores_barcodes_and_packagings_when_spec_is_valid(uow: UnitOfWork) -> None:
    product = create_product(uow, spec(barcodes=(BarcodeSpec(gtin13(1)),
                                                 BarcodeSpec("10012345678902", "case")),
                                       inner_qty=6, case_qty=24, weight_g=350,
                                       standard_cost_minor=1250, tracking=Tracking.LOT))
    assert product["barcodes"] == [{"code": gtin13(1), "packaging": "each"},
                                   {"code": "10012345678902", "packaging": "case"}]
    assert product["packagings"] == [{"name": "each", "qty": 1}, {"name": "inner", "qty": 6},
                                     {"name": "case", "qty": 24}]
    assert (product["standard_cost"], product["tracking"], product["weight_g"]) == \
        ("12.50", "lot", 350)
    assert events(uow) == [("product.created", {"sku": "MUG-1", "product_id": product["id"]})]


def test_create_is_refused_when_sku_exists(uow: UnitOfWork) -> None:
    create_product(uow, spec())
    with pytest.raises(Conflict):
        create_product(uow, spec(name="Other"))
    assert product_count(uow) == 1


def test_create_lists_every_problem_when_spec_is_bad(uow: UnitOfWork) -> None:
    bad = spec(weight_g=0, length_mm=-1, barcodes=(BarcodeSpec("4006381333932"),))
    with pytest.raises(ValidationFailed) as err:
        create_product(uow, bad)
    assert [(p.field, p.value) for p in err.value.problems] == [
        ("length_mm", -1), ("weight_g", 0), ("barcode", "4006381333932")]
    assert "expected 1" in err.value.problems[2].message
    assert product_count(uow) == 0 and events(uow) == []


def test_create_is_refused_when_barcode_belongs_to_another_product(uow: UnitOfWork) -> None:
    create_product(uow, spec("A", barcodes=(BarcodeSpec("036000291452"),)))
    with pytest.raises(ValidationFailed) as err:
        create_product(uow, spec("B", barcodes=(BarcodeSpec("0036000291452"),)))
    [problem] = err.value.problems
    assert (problem.field, problem.value) == ("barcode", "0036000291452")
    assert problem.message == "is already used by product 'A'"
    assert product_count(uow) == 1


def test_update_changes_only_given_fields_when_partial(uow: UnitOfWork) -> None:
    create_product(uow, spec(weight_g=100, barcodes=(BarcodeSpec(gtin13(1)),)))
    product = update_product(uow, "MUG-1", {"name": "Big mug", "weight_g": None})
    assert (product["name"], product["weight_g"]) == ("Big mug", None)
    assert product["barcodes"] == [{"code": gtin13(1), "packaging": "each"}]
    assert events(uow)[-1] == ("product.updated", {"sku": "MUG-1", "product_id": product["id"],
                                                   "changed": ["name", "weight_g"]})


def test_update_writes_nothing_when_values_are_the_same(uow: UnitOfWork) -> None:
    before = create_product(uow, spec(weight_g=100))
    after = update_product(uow, "MUG-1", {"weight_g": 100})
    assert after["updated_at"] == before["updated_at"]
    assert [e[0] for e in events(uow)] == ["product.created"]


def test_update_raises_not_found_when_sku_is_unknown(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        update_product(uow, "NOPE", {"name": "x"})


def test_update_is_refused_when_case_is_not_a_multiple_of_inner(uow: UnitOfWork) -> None:
    create_product(uow, spec(inner_qty=6))
    with pytest.raises(ValidationFailed) as err:
        update_product(uow, "MUG-1", {"case_qty": 20})
    assert [p.field for p in err.value.problems] == ["case_qty"]


def test_tracking_change_is_refused_when_sku_has_stock(uow: UnitOfWork) -> None:
    product = create_product(uow, spec())
    put_stock(uow, product["id"], 5)
    with pytest.raises(ValidationFailed) as err:
        update_product(uow, "MUG-1", {"tracking": Tracking.LOT})
    [problem] = err.value.problems
    assert (problem.field, problem.value) == ("tracking", "lot")
    assert "stock on hand" in problem.message
    assert update_product(uow, "MUG-1", {"name": "still editable"})["tracking"] == "none"


def test_tracking_change_is_allowed_when_stock_is_zero(uow: UnitOfWork) -> None:
    product = create_product(uow, spec())
    put_stock(uow, product["id"], 0)
    assert update_product(uow, "MUG-1", {"tracking": Tracking.SERIAL})["tracking"] == "serial"


def test_deactivate_then_activate_flips_flag_when_called(uow: UnitOfWork) -> None:
    create_product(uow, spec())
    assert deactivate_product(uow, "MUG-1")["active"] is False
    assert activate_product(uow, "MUG-1")["active"] is True


def test_list_pages_by_sku_when_after_sku_is_given(uow: UnitOfWork) -> None:
    for sku in ("C", "A", "B", "D"):
        create_product(uow, spec(sku, active=sku != "D"))
    with uow.read() as conn:
        first = queries.list_products(conn, "USD", limit=2)
        second = queries.list_products(conn, "USD", limit=2, after_sku=first[-1]["sku"])
        active = queries.list_products(conn, "USD", active=False, limit=10)
    assert [p["sku"] for p in first + second] == ["A", "B", "C", "D"]
    assert [p["sku"] for p in active] == ["D"]


def test_search_matches_sku_name_or_barcode_when_given(uow: UnitOfWork) -> None:
    create_product(uow, spec("MUG-1", name="Coffee mug"))
    create_product(uow, spec("TEA_1", name="Tea 100% green", barcodes=(BarcodeSpec("036000291452"),)))
    with uow.read() as conn:
        def found(q: str) -> list[str]:
            return [p["sku"] for p in queries.list_products(conn, "USD", search=q, limit=10)]

        assert found("coffee") == ["MUG-1"]
        assert found("mug-") == ["MUG-1"]
        assert found("0036000291452") == ["TEA_1"]
        assert found("100%") == ["TEA_1"]
        assert found("_") == ["TEA_1"]


def test_barcode_lookup_finds_packaging_when_scanned_in_another_form(uow: UnitOfWork) -> None:
    create_product(uow, spec(case_qty=12, barcodes=(BarcodeSpec("036000291452"),
                                                    BarcodeSpec("10012345678902", "case"))))
    with uow.read() as conn:
        each = queries.find_by_barcode(conn, "0036000291452", "USD")
        case = queries.find_by_barcode(conn, "10012345678902", "USD")
        missing = queries.find_by_barcode(conn, gtin13(9), "USD")
    assert each is not None and case is not None and missing is None
    assert (each["code"], each["qty"], each["product"]["sku"]) == ("036000291452", 1, "MUG-1")
    assert (case["packaging"], case["qty"]) == ("case", 12)
