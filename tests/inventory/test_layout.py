"""The layout spec parser: bin coordinates, codes and clear errors (pure, no database)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backroom.core.errors import ValidationFailed
from backroom.inventory.layout import (
    MAX_BINS,
    BinCoord,
    aisle_index,
    aisle_name,
    bin_code,
    parse_bin,
    parse_layout,
)


def _fields(spec: str) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        parse_layout(spec)
    return {p.field: p.message for p in info.value.problems}


def test_expands_every_bin_when_spec_is_the_issue_example() -> None:
    layout = parse_layout("A-J x 1-30 x 1-4")
    bins = list(layout.bins())
    assert layout.count == len(bins) == 10 * 30 * 4
    assert layout.aisles == tuple("ABCDEFGHIJ")
    assert layout.bays == tuple(range(1, 31))
    assert layout.levels == (1, 2, 3, 4)
    assert bins[0] == BinCoord("A", 1, 1)
    assert bins[-1] == BinCoord("J", 30, 4)
    assert layout.zone == ""


def test_formats_bin_code_with_two_digit_bay_when_coded() -> None:
    assert bin_code("WH1", "A", 3, 2) == "WH1-A-03-2"
    assert BinCoord("AB", 12, 0).code("EU-2") == "EU-2-AB-12-0"
    assert bin_code("WH1", "C", 120, 1) == "WH1-C-120-1"


def test_keeps_listed_order_when_parts_are_lists_and_ranges() -> None:
    layout = parse_layout("c,A,x-z × 1-3,7 x 0")
    assert layout.aisles == ("C", "A", "X", "Y", "Z")
    assert layout.bays == (1, 2, 3, 7)
    assert layout.levels == (0,)


def test_counts_aisles_past_z_when_range_uses_two_letters() -> None:
    assert parse_layout("Y-AB x 1 x 1").aisles == ("Y", "Z", "AA", "AB")


def test_reads_zone_when_spec_has_zone_token() -> None:
    assert parse_layout("A x 1 x 1 zone=fast").zone == "FAST"
    assert parse_layout("zone=COLD-2 A-B x 1-2 x 1").zone == "COLD-2"


def test_accepts_aisle_named_x_when_separators_have_spaces() -> None:
    layout = parse_layout("W-X x 1-2 x 1")
    assert layout.aisles == ("W", "X")


@pytest.mark.parametrize(("spec", "field", "words"), [
    ("J-A x 1-30 x 1-4", "spec.aisles", "reversed"),
    ("A-J x 30-1 x 1-4", "spec.bays", "reversed"),
    ("A-J x 1-30 x 4-1", "spec.levels", "reversed"),
    ("A1 x 1 x 1", "spec.aisles", "not an aisle"),
    ("ABCD x 1 x 1", "spec.aisles", "not an aisle"),
    ("A x one x 1", "spec.bays", "not a whole number"),
    ("A x 0 x 1", "spec.bays", "outside 1-999"),
    ("A x 1 x 100", "spec.levels", "outside 0-99"),
    ("A- x 1 x 1", "spec.aisles", "open range"),
    ("A,,B x 1 x 1", "spec.aisles", "empty value"),
    ("A,B,A x 1 x 1", "spec.aisles", "same value twice"),
    ("A x 1-5,3 x 1", "spec.bays", "same value twice"),
    ("A x 1 x 1 zone=", "spec.zone", "needs a name"),
    ("A x 1 x 1 zone=a/b", "spec.zone", "letters, digits"),
    ("A x 1 x 1 zone=A zone=B", "spec.zone", "more than once"),
])
def test_names_the_wrong_part_when_spec_is_bad(spec: str, field: str, words: str) -> None:
    fields = _fields(spec)
    assert field in fields
    assert words in fields[field]


@pytest.mark.parametrize("spec", ["", "A-J", "A-J x 1-30", "A x 1 x 1 x 1", "A-J by 1-30 by 2"])
def test_explains_the_shape_when_spec_has_wrong_number_of_parts(spec: str) -> None:
    fields = _fields(spec)
    assert "AISLES x BAYS x LEVELS" in fields["spec"]


def test_refuses_more_than_the_limit_when_spec_is_too_big() -> None:
    fields = _fields("A-Z x 1-999 x 0-9")
    assert "259,740 bins" in fields["spec"]
    assert parse_layout("A-Y x 1-400 x 1-10").count == MAX_BINS


def test_reports_every_bad_part_at_once_when_several_are_wrong() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_layout("J-A x 0 x 1-100")
    assert {p.field for p in info.value.problems} == {"spec.aisles", "spec.bays", "spec.levels"}
    assert "J-A" in info.value.message


def test_checks_each_coordinate_when_a_single_bin_is_parsed() -> None:
    assert parse_bin(" ab ", 3, 0) == BinCoord("AB", 3, 0)
    with pytest.raises(ValidationFailed) as info:
        parse_bin("A-1", 0, -1)
    assert [p.field for p in info.value.problems] == ["aisle", "bay", "level"]


@given(st.integers(min_value=1, max_value=26 ** 3 + 26 ** 2 + 26))
def test_round_trips_aisle_names_when_indexed(index: int) -> None:
    name = aisle_name(index)
    assert re.fullmatch(r"[A-Z]{1,3}", name)
    assert aisle_index(name) == index


def _ranges(low: int, high: int, max_len: int) -> st.SearchStrategy[tuple[int, int]]:
    return st.integers(low, high).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start, min(high, start + max_len))))


@given(aisles=_ranges(1, 700, 8), bays=_ranges(1, 999, 40), levels=_ranges(0, 99, 6),
       sep=st.sampled_from([" x ", " X ", "×", " × ", "  x\t"]))
def test_count_is_the_product_and_codes_are_unique_when_spec_is_ranges(
        aisles: tuple[int, int], bays: tuple[int, int], levels: tuple[int, int], sep: str) -> None:
    spec = sep.join([f"{aisle_name(aisles[0])}-{aisle_name(aisles[1])}",
                     f"{bays[0]}-{bays[1]}", f"{levels[0]}-{levels[1]}"])
    layout = parse_layout(spec)
    expected = ((aisles[1] - aisles[0] + 1) * (bays[1] - bays[0] + 1)
                * (levels[1] - levels[0] + 1))
    codes = [b.code("WH1") for b in layout.bins()]
    assert layout.count == len(codes) == expected
    assert len(set(codes)) == expected
    assert all(re.fullmatch(r"WH1-[A-Z]{1,3}-\d{2,3}-\d{1,2}", c) for c in codes)


@given(st.lists(st.integers(1, 18278), min_size=1, max_size=12, unique=True),
       st.lists(st.integers(1, 999), min_size=1, max_size=12, unique=True))
def test_count_is_the_product_when_parts_are_lists(aisles: list[int], bays: list[int]) -> None:
    spec = f"{','.join(aisle_name(a) for a in aisles)} x {','.join(map(str, bays))} x 1-2"
    layout = parse_layout(spec)
    assert layout.count == len(aisles) * len(bays) * 2
    assert len({b.code("W") for b in layout.bins()}) == layout.count


@given(st.text(max_size=60))
def test_raises_only_validation_errors_when_spec_is_arbitrary_text(spec: str) -> None:
    try:
        layout = parse_layout(spec)
    except ValidationFailed as exc:
        assert exc.problems
    else:
        assert 1 <= layout.count <= MAX_BINS
