"""Pure catalog rules: GTIN check digits, packaging units and product validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backroom.catalog.model import (
    BarcodeSpec,
    ProductSpec,
    Tracking,
    gtin_check_digit,
    gtin_forms,
    gtin_key,
    gtin_problem,
    is_valid_gtin,
    standard_cost_minor,
)
from backroom.core.errors import ValidationFailed

VALID = {
    8: "96385074",           # EAN-8
    12: "036000291452",      # UPC-A
    13: "4006381333931",     # EAN-13
    14: "10012345678902",    # ITF-14 / GTIN-14
}


def fields_of(spec: ProductSpec) -> set[str]:
    return {p.field for p in spec.problems()}


@pytest.mark.parametrize("length", sorted(VALID))
def test_gtin_is_valid_when_check_digit_is_right(length: int) -> None:
    code = VALID[length]
    assert len(code) == length
    assert is_valid_gtin(code)
    assert gtin_problem(code) is None


@pytest.mark.parametrize("length", sorted(VALID))
def test_gtin_names_expected_digit_when_check_digit_is_wrong(length: int) -> None:
    code = VALID[length]
    wrong = str((int(code[-1]) + 1) % 10)
    problem = gtin_problem(code[:-1] + wrong)
    assert problem == f"has a wrong check digit: expected {code[-1]}, got {wrong}"


@pytest.mark.parametrize("code", ["1234567", "12345678901", "123456789012345"])
def test_gtin_is_refused_when_length_is_not_8_12_13_or_14(code: str) -> None:
    assert gtin_problem(code) == f"must have 8, 12, 13 or 14 digits, not {len(code)}"


@pytest.mark.parametrize("code", ["40063813339A1", "4006381-33931", "４００６３８１３３３９３１",
                                  " 96385074"])
def test_gtin_is_refused_when_it_holds_non_digits(code: str) -> None:
    assert gtin_problem(code) == "must contain only digits 0-9"


@given(st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)))
def test_gtin_validates_when_check_digit_is_computed(body: str) -> None:
    assert is_valid_gtin(body + str(gtin_check_digit(body)))


@given(st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.tuples(st.text(alphabet="0123456789", min_size=n, max_size=n),
                        st.integers(0, n), st.integers(1, 9))))
def test_gtin_fails_when_any_one_digit_changes(case: tuple[str, int, int]) -> None:
    body, position, delta = case
    code = body + str(gtin_check_digit(body))
    changed = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1:]
    assert not is_valid_gtin(changed)


def test_gtin_forms_are_equal_when_only_leading_zeros_differ() -> None:
    assert gtin_key("036000291452") == gtin_key("0036000291452") == "00036000291452"
    assert set(gtin_forms("036000291452")) == {"036000291452", "0036000291452", "00036000291452"}
    assert gtin_forms("96385074") == ["96385074", "000096385074", "0000096385074",
                                      "00000096385074"]


def test_spec_has_no_problems_when_complete_and_consistent() -> None:
    spec = ProductSpec(sku="MUG-01", name="Mug", barcodes=(BarcodeSpec(VALID[13]),
                                                           BarcodeSpec(VALID[14], "case")),
                       length_mm=100, width_mm=90, height_mm=110, weight_g=350,
                       tracking=Tracking.LOT, shelf_life_days=365, inner_qty=6, case_qty=24,
                       standard_cost_minor=250)
    assert spec.problems() == []
    assert spec.packagings() == {"each": 1, "inner": 6, "case": 24}


@pytest.mark.parametrize("name", ["length_mm", "width_mm", "height_mm", "weight_g",
                                  "shelf_life_days"])
@pytest.mark.parametrize("value", [0, -5])
def test_spec_reports_field_and_value_when_number_is_not_positive(name: str, value: int) -> None:
    problems = ProductSpec(sku="A", name="a").with_changes({name: value}).problems()
    assert [(p.field, p.value, p.message) for p in problems] == [(name, value, "must be positive")]


def test_spec_reports_every_problem_when_several_fields_are_bad() -> None:
    spec = ProductSpec(sku="bad sku", name="", weight_g=-1, standard_cost_minor=-1,
                       barcodes=(BarcodeSpec("4006381333932"),))
    assert fields_of(spec) == {"sku", "name", "weight_g", "standard_cost_minor", "barcode"}


@pytest.mark.parametrize("inner, case, ok", [(6, 24, True), (None, 12, True), (6, None, True),
                                             (6, 20, False), (12, 12, False), (12, 6, False),
                                             (1, 12, False), (6, 1, False)])
def test_packaging_is_checked_when_inner_and_case_are_given(inner: int | None, case: int | None,
                                                            ok: bool) -> None:
    spec = ProductSpec(sku="A", name="a", inner_qty=inner, case_qty=case)
    assert (spec.problems() == []) is ok


def test_case_message_names_inner_qty_when_case_is_not_a_multiple() -> None:
    [problem] = ProductSpec(sku="A", name="a", inner_qty=6, case_qty=20).problems()
    assert (problem.field, problem.value) == ("case_qty", 20)
    assert "multiple of inner_qty (6)" in problem.message


def test_barcode_is_refused_when_its_packaging_is_not_defined() -> None:
    spec = ProductSpec(sku="A", name="a", barcodes=(BarcodeSpec(VALID[14], "case"),))
    [problem] = spec.problems()
    assert problem.field == "barcode" and "'case'" in problem.message


def test_barcode_is_refused_when_listed_twice_in_another_form() -> None:
    spec = ProductSpec(sku="A", name="a", barcodes=(BarcodeSpec(VALID[12]),
                                                    BarcodeSpec("0" + VALID[12])))
    [problem] = spec.problems()
    assert problem.message == "is listed twice for this product"


def test_sku_is_refused_when_it_has_spaces_or_slashes() -> None:
    for sku in ("A B", "A/B", "-A", "x" * 65):
        assert fields_of(ProductSpec(sku=sku, name="n")) == {"sku"}


def test_with_changes_raises_when_field_is_unknown() -> None:
    with pytest.raises(ValueError, match="colour"):
        ProductSpec(sku="A").with_changes({"colour": "red"})


@pytest.mark.parametrize("text, minor", [("12.50", 1250), ("0", 0), ("7", 700)])
def test_standard_cost_converts_when_amount_is_valid(text: str, minor: int) -> None:
    assert standard_cost_minor(text, "USD") == minor


@pytest.mark.parametrize("text, message", [("-1", "must not be negative"),
                                           ("1.005", "more decimals"), ("abc", "decimal"),
                                           ("99999999999", "too large")])
def test_standard_cost_is_refused_when_amount_is_bad(text: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        standard_cost_minor(text, "USD")
    [problem] = err.value.problems
    assert problem.field == "standard_cost" and message in problem.message
