"""Rate-card files: every problem named by file, line, field and value; the cache reloads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backroom.core.errors import Problem
from backroom.core.settings import get_settings
from backroom.shipping.rating import loader
from backroom.shipping.rating.errors import RateCardInvalid
from backroom.shipping.rating.loader import (
    BUNDLED_RATES,
    load_rate_book,
    problems_in,
    read_rate_dir,
)
from tests.shipping.ratingkit import TESTWAY_RATES, TESTWAY_YAML, TESTWAY_ZONES, write_rates

RATES = "testway/rates.csv"
YAML = "testway/carrier.yaml"


def problems(tmp_path: Path, changes: dict[str, str]) -> list[Problem]:
    return problems_in(write_rates(tmp_path, changes))


def found(items: list[Problem]) -> list[tuple[str, int | None, object]]:
    return [(p.field, p.line, p.value) for p in items]


def yaml_line(text: str) -> int:
    return TESTWAY_YAML.splitlines().index(text) + 1


def test_sample_rate_cards_load_without_problems_when_shipped() -> None:
    assert problems_in(BUNDLED_RATES) == []
    book = read_rate_dir(BUNDLED_RATES)
    assert sorted(book.by_code) == ["EUP", "METRO", "PWY"]
    assert sum(len(c.services) for c in book.cards) == 8


def test_reports_gap_with_file_and_line_when_weight_breaks_skip_weights(tmp_path: Path) -> None:
    rates = TESTWAY_RATES.replace("GROUND,1,2,5,8.00", "GROUND,1,3,5,8.00")
    [problem] = problems(tmp_path, {RATES: rates})
    assert (problem.field, problem.line, problem.value) == (f"{RATES}:min_weight", 4, "3")
    assert problem.message == "gap in GROUND zone 1: weights above 2 (line 3) up to 3 have no price"


def test_reports_overlap_with_both_lines_when_weight_breaks_overlap(tmp_path: Path) -> None:
    rates = TESTWAY_RATES.replace("GROUND,1,1,2,6.00", "GROUND,1,0.5,2,6.00")
    [problem] = problems(tmp_path, {RATES: rates})
    assert (problem.field, problem.line, problem.value) == (f"{RATES}:min_weight", 3, "0.5")
    assert problem.message == "overlaps line 2 in GROUND zone 1 (0–1)"


@pytest.mark.parametrize("old, new, field, value, message", [
    ("GROUND,1,0,1,5.00", "GROUND,1,0,1,-5.00", "price", "-5.00", "must not be negative"),
    ("GROUND,1,0,1,5.00", "GROUND,1,0,1,5.001", "price", "5.001", "has more decimals"),
    ("GROUND,1,0,1,5.00", "GROUND,1,0,1,abc", "price", "abc", "is not a decimal"),
    ("GROUND,1,0,1,5.00", "GROUND,1,0,x,5.00", "max_weight", "x", "must be a number"),
    ("GROUND,1,0,1,5.00", "GROUND,1,0,1,7.00", "price", "6.00", "is lower than 7.00 USD"),
])
def test_names_cell_when_rate_row_is_bad(tmp_path: Path, old: str, new: str, field: str,
                                         value: str, message: str) -> None:
    reported = problems(tmp_path, {RATES: TESTWAY_RATES.replace(old, new)})
    assert reported, "expected a problem"
    assert (reported[0].field, reported[0].value) == (f"{RATES}:{field}", value)
    assert reported[0].message.startswith(message), reported[0].message


def test_reports_unknown_zone_and_service_when_rates_name_them(tmp_path: Path) -> None:
    rates = TESTWAY_RATES + "GROUND,7,0,1,5.00\nOVERNIGHT,1,0,1,5.00\n"
    reported = problems(tmp_path, {RATES: rates})
    last = len(rates.splitlines())
    assert found(reported) == [(f"{RATES}:zone", last - 1, "7"),
                               (f"{RATES}:service", last, "OVERNIGHT")]
    assert reported[0].message == "is not a zone of the zone chart (one of 1, 2, 3)"


def test_reports_missing_service_at_its_yaml_line_when_it_has_no_rates(tmp_path: Path) -> None:
    rates = "\n".join(x for x in TESTWAY_RATES.splitlines() if not x.startswith("EXPRESS"))
    [problem] = problems(tmp_path, {RATES: rates + "\n"})
    assert (problem.field, problem.line) == (f"{YAML}:services[1].code",
                                             yaml_line("  - code: EXPRESS"))
    assert problem.message == "service EXPRESS has no rates in testway/rates.csv"


def test_reports_missing_transit_days_when_a_zone_has_none(tmp_path: Path) -> None:
    text = TESTWAY_YAML.replace('{"1": 1, "2": 2, "3": 5}', '{"1": 1, "2": 2}')
    [problem] = problems(tmp_path, {YAML: text})
    assert (problem.field, problem.message) == (f"{YAML}:services[0].transit_days",
                                                "no transit days for zone 3")


@pytest.mark.parametrize("old, new, field, line_text", [
    ("  - 2026-12-25", "  - 2026-02-30", "holidays[0]", "  - 2026-02-30"),
    ("timezone: America/New_York", "timezone: Mars/Olympus", "timezone",
     "timezone: Mars/Olympus"),
    ("  divisor: 139", "  divisor: -139", "dim_weight.divisor", "  divisor: -139"),
    ("units: imperial", "units: imperial\ncolour: red", "colour", "colour: red"),
    ('  cutoff: "17:00"', '  cutoff: "25:00"', "pickup.cutoff", '  cutoff: "25:00"'),
])
def test_names_yaml_line_and_field_when_carrier_file_is_bad(tmp_path: Path, old: str, new: str,
                                                            field: str, line_text: str) -> None:
    text = TESTWAY_YAML.replace(old, new)
    [problem] = problems(tmp_path, {YAML: text})
    assert (problem.field, problem.line) == (f"{YAML}:{field}",
                                             text.splitlines().index(line_text) + 1)


def test_reports_syntax_error_line_when_yaml_is_broken(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, {YAML: TESTWAY_YAML.replace("units: imperial",
                                                               "units: [imperial")})
    assert problem.field == YAML and problem.message.startswith("is not valid YAML")
    assert problem.line is not None and problem.line > 1


def test_reports_overlapping_zone_rows_when_prefix_ranges_intersect(tmp_path: Path) -> None:
    zones = TESTWAY_ZONES + "US,150-160,US,150,2\n"
    [problem] = problems(tmp_path, {"testway/zones.csv": zones})
    assert (problem.field, problem.line, problem.value) == ("testway/zones.csv:dest_prefix", 5,
                                                            "150")
    assert problem.message.startswith("overlaps line 2 (US 100-199 → US 100-199, zone 1)")


def test_reports_header_when_csv_columns_are_wrong(tmp_path: Path) -> None:
    rates = TESTWAY_RATES.replace("min_weight,max_weight", "from,to", 1)
    reported = problems(tmp_path, {RATES: rates})
    assert (reported[0].field, reported[0].line) == (f"{RATES}:header", 1)
    assert "missing min_weight, max_weight; unknown from, to" in reported[0].message


def test_raises_with_every_problem_when_directory_has_several(tmp_path: Path) -> None:
    write_rates(tmp_path, {
        RATES: TESTWAY_RATES.replace("GROUND,1,2,5,8.00", "GROUND,1,3,5,8.00")
                            .replace("EXPRESS,3,0,1,20.00", "EXPRESS,3,0,1,-1"),
        YAML: TESTWAY_YAML.replace("  - 2026-12-25", "  - 2026-13-01")})
    with pytest.raises(RateCardInvalid) as caught:
        read_rate_dir(tmp_path)
    fields = sorted(p.field for p in caught.value.problems)
    assert fields == [f"{YAML}:holidays[0]", f"{RATES}:min_weight", f"{RATES}:price"]
    assert caught.value.status == 503 and "do not load" in caught.value.message


def test_reports_missing_directory_when_path_does_not_exist(tmp_path: Path) -> None:
    [problem] = problems_in(tmp_path / "nope")
    assert problem.message == "is not a directory"


def test_reloads_cards_when_a_file_changes(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "CHECK_INTERVAL_S", 0.0)
    write_rates(tmp_path)
    first = load_rate_book(tmp_path)
    assert load_rate_book(tmp_path) is first
    path = tmp_path / RATES
    path.write_text(TESTWAY_RATES.replace("GROUND,1,0,1,5.00", "GROUND,1,0,1,4.00"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = load_rate_book(tmp_path)
    assert second is not first
    assert second.card("TST").services[0].rates["1"].prices[0] == 400


def test_keeps_cached_cards_within_check_interval_when_files_change(tmp_path: Path) -> None:
    write_rates(tmp_path)
    first = load_rate_book(tmp_path)
    (tmp_path / RATES).write_text("broken")
    assert load_rate_book(tmp_path) is first  # re-checked at most once a second
    loader.clear_cache()
    with pytest.raises(RateCardInvalid) as first_error:
        load_rate_book(tmp_path)
    with pytest.raises(RateCardInvalid) as again:
        load_rate_book(tmp_path)
    assert again.value is first_error.value  # remembered, not re-read on every call


def test_uses_rates_dir_setting_when_environment_names_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_rates(tmp_path)
    monkeypatch.setenv("BACKROOM_RATES_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert sorted(load_rate_book().by_code) == ["MET", "TST"]
    finally:
        monkeypatch.delenv("BACKROOM_RATES_DIR")
        get_settings.cache_clear()
    assert "PWY" in load_rate_book().by_code
