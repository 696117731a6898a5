"""Quotes worked out by hand: dimensional weight, surcharges, limits, bad input, rate shopping."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from backroom.core.errors import ValidationFailed
from backroom.shipping.rating.address import checked_shipment
from backroom.shipping.rating.dimweight import measure, round_side
from backroom.shipping.rating.errors import NoServiceAvailable
from backroom.shipping.rating.loader import RateBook
from backroom.shipping.rating.model import (
    Address,
    DimRule,
    Package,
    Quote,
    QuoteSet,
    Rounding,
    UnitSystem,
)
from backroom.shipping.rating.quote import choose, quote_all
from tests.shipping.ratingkit import BERLIN, NYC, SMALL, TUESDAY_NOON, load


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RateBook:
    return load(tmp_path_factory.mktemp("rates"))


def quotes(book: RateBook, dest: Address, *packages: Package, origin: Address = NYC,
           ready: datetime = TUESDAY_NOON, promise: date | None = None) -> QuoteSet:
    return quote_all(book.cards, checked_shipment(origin, dest, list(packages), ready, promise))


def by_service(qs: QuoteSet) -> dict[str, Quote]:
    return {f"{q.carrier}/{q.service}": q for q in qs.quotes}


def lines(q: Quote) -> dict[str, int]:
    return {line.code: line.amount for line in q.lines}


def test_sides_round_to_nearest_inch_when_rounding_is_nearest() -> None:
    assert round_side(292, UnitSystem.IMPERIAL, Rounding.NEAREST) == 11  # 11.496 in
    assert round_side(293, UnitSystem.IMPERIAL, Rounding.NEAREST) == 12  # 11.535 in
    assert round_side(255, UnitSystem.IMPERIAL, Rounding.UP) == 11  # 10.04 in
    assert round_side(301, UnitSystem.METRIC, Rounding.UP) == 31
    assert round_side(305, UnitSystem.METRIC, Rounding.NEAREST) == 31  # half up


def test_billable_weight_is_dim_weight_rounded_up_when_divisor_is_139() -> None:
    # 410×310×250 mm → 16×12×10 in = 1920 in³ ÷ 139 = 13.81 → 14 lb; 2000 g = 4.41 → 5 lb.
    m = measure(Package(410, 310, 250, 2000), UnitSystem.IMPERIAL,
                DimRule(139, Rounding.NEAREST, 1000))
    assert (m.sides, m.dim, m.actual, m.billable) == ((16, 12, 10), 14_000, 5_000, 14_000)


def test_quote_prices_dim_weight_when_parcel_is_light_and_bulky(book: RateBook) -> None:
    q = by_service(quotes(book, NYC, Package(410, 310, 250, 2000)))["TST/GROUND"]
    # 14 lb in zone 1 falls in the 10-50 lb break: 20.00; fuel 12.5 % = 2.50.
    assert (q.zone, q.billable_weight, lines(q), q.total) == (
        "1", 14_000, {"base": 2000, "fuel": 250}, 2250)


def test_billable_weight_uses_5000_divisor_and_half_kilos_when_card_is_metric(
        book: RateBook) -> None:
    # 305×205×105 mm → up to 31×21×11 cm = 7161 cm³ ÷ 5000 = 1.43 → 1.5 kg; 800 g → 1.0 kg.
    q = by_service(quotes(book, Address("DE", "80331"), Package(305, 205, 105, 800),
                          origin=BERLIN))["MET/STANDARD"]
    assert (q.packages[0].dim_weight, q.packages[0].actual_weight) == (1500, 1000)
    assert (q.weight_unit, q.total, q.currency) == ("kg", 600, "EUR")


def test_fuel_is_percent_of_base_plus_surcharges_rounded_half_even_when_residential(
        book: RateBook) -> None:
    # 3 lb, zone 1: base 8.00 + residential 4.20 = 12.20; 12.5 % = 1.525 → 1.52 (half even).
    q = by_service(quotes(book, Address("US", "10001", residential=True), SMALL))["TST/GROUND"]
    assert lines(q) == {"base": 800, "residential": 420, "fuel": 152}
    assert q.total == 1372


def test_additional_handling_is_charged_when_longest_side_exceeds_threshold(
        book: RateBook) -> None:
    # 1300×200×100 mm → 51×8×4 in: longest 51 > 48. Dim 1632 ÷ 139 → 12 lb; zone 2: 22.00.
    found = by_service(quotes(book, Address("US", "20001", residential=True),
                              Package(1300, 200, 100, 3000)))
    ground, express = found["TST/GROUND"], found["TST/EXPRESS"]
    assert lines(ground) == {"base": 2200, "residential": 420, "additional_handling": 1500,
                             "fuel": 515}
    assert (ground.total, express.total) == (4635, 7110)


def test_oversize_replaces_handling_and_lifts_billable_weight_when_longest_side_is_98_in(
        book: RateBook) -> None:
    # 2500×150×150 mm → 98×6×6 in: oversize (> 96 in), billed at least 90 lb: 60.00.
    found = quotes(book, NYC, Package(2500, 150, 150, 5000))
    ground = by_service(found)["TST/GROUND"]
    assert lines(ground) == {"base": 6000, "oversize": 10_000, "fuel": 2000}
    assert (ground.packages[0].dim_weight, ground.billable_weight) == (26_000, 90_000)
    reasons = {f"{e.carrier}/{e.service}": e.reason for e in found.excluded}
    assert reasons["TST/EXPRESS"] == "package 1 exceeds max length 60 in (longest side 98 in)"


def test_remote_area_surcharge_applies_when_zip_is_in_remote_table(book: RateBook) -> None:
    q = by_service(quotes(book, Address("US", "99901"), SMALL))["TST/GROUND"]
    assert (q.zone, lines(q), q.total) == ("3", {"base": 1300, "remote_area": 300,
                                                 "fuel": 200}, 1800)


def test_packages_add_up_when_shipment_has_two(book: RateBook) -> None:
    q = by_service(quotes(book, Address("US", "10001", residential=True), SMALL,
                          SMALL))["TST/GROUND"]
    assert lines(q) == {"base": 1600, "residential": 840, "fuel": 305}
    assert (q.total, q.billable_weight, len(q.packages)) == (2745, 6000, 2)


def test_raises_no_service_naming_each_limit_when_package_is_too_big_for_all(
        book: RateBook) -> None:
    with pytest.raises(NoServiceAvailable) as caught:
        quotes(book, NYC, SMALL, Package(2800, 100, 100, 1000))
    assert "larger or heavier than any service allows" in caught.value.message
    reasons = {p.field: p.message for p in caught.value.problems}
    assert reasons["TST/GROUND"] == "package 2 exceeds max length 108 in (longest side 110 in)"
    assert reasons["TST/EXPRESS"].startswith("package 2 exceeds max length 60 in")


def test_excludes_service_naming_weight_when_package_is_over_max_weight(book: RateBook) -> None:
    with pytest.raises(NoServiceAvailable) as caught:
        quotes(book, NYC, Package(300, 300, 300, 70_000))
    assert "exceeds max weight 150 lb (weighs 154.3 lb)" in caught.value.message


def test_raises_no_service_when_no_carrier_serves_the_postal_code(book: RateBook) -> None:
    with pytest.raises(NoServiceAvailable) as caught:
        quotes(book, Address("US", "00501"), SMALL)
    assert caught.value.message.startswith("no carrier serves destination US 00501")
    reasons = {p.field: p.message for p in caught.value.problems}
    assert reasons["TST/GROUND"] == ("Testway has no zone for destination postal codes "
                                     "starting 005 (US)")
    assert reasons["MET/STANDARD"] == "Metricpost does not ship from US to US"


@pytest.mark.parametrize("dest, packages, fields", [
    (Address("XX", "12345"), [SMALL], ["destination.country"]),
    (Address("US", "ABC"), [SMALL], ["destination.postal_code"]),
    (Address("US", ""), [SMALL], ["destination.postal_code"]),
    (Address("US", "10001", latitude=95.0, longitude=1.0), [SMALL], ["destination.latitude"]),
    (NYC, [], ["packages"]),
    (NYC, [Package(100, 100, 100, 0), Package(-1, 100, 100, 5)],
     ["packages[0].weight_g", "packages[1].length_mm"]),
])
def test_names_every_bad_field_when_input_is_invalid(dest: Address, packages: list[Package],
                                                     fields: list[str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        checked_shipment(NYC, dest, packages, TUESDAY_NOON)
    assert [p.field for p in caught.value.problems] == fields


def test_rejects_naive_ready_time_when_no_zone_is_given() -> None:
    with pytest.raises(ValidationFailed) as caught:
        checked_shipment(NYC, NYC, [SMALL], datetime(2026, 12, 1, 12, 0))
    assert caught.value.problems[0].field == "ready_at"


def test_accepts_zip_plus_four_and_spaced_codes_when_normalized(book: RateBook) -> None:
    shipment = checked_shipment(NYC, Address("us", "20001-1234"), [SMALL], TUESDAY_NOON)
    assert (shipment.destination.country, shipment.destination.postal_code) == ("US",
                                                                               "200011234")
    assert by_service(quote_all(book.cards, shipment))["TST/GROUND"].zone == "2"


def test_choose_picks_cheapest_meeting_promise_when_ground_is_in_time(book: RateBook) -> None:
    # Zone 2: GROUND 11.25 delivered Thu 12-03; EXPRESS 22.50 delivered Wed 12-02.
    found = quotes(book, Address("US", "20001"), SMALL, promise=date(2026, 12, 3))
    choice = choose(found)
    assert choice.chosen is not None and choice.meets_promise
    assert (choice.chosen.service, choice.chosen.total) == ("GROUND", 1125)
    tighter = choose(found, date(2026, 12, 2))
    assert tighter.chosen is not None and tighter.chosen.service == "EXPRESS"


def test_choose_names_fastest_when_no_service_meets_promise(book: RateBook) -> None:
    choice = choose(quotes(book, Address("US", "20001"), SMALL, promise=date(2026, 12, 1)))
    assert choice.chosen is None and not choice.meets_promise
    assert choice.fastest is not None and choice.fastest.service == "EXPRESS"
    assert choice.message == ("no service delivers by 2026-12-01; the fastest is Testway "
                              "Express (TST), 22.50 USD, delivered 2026-12-02")


def test_choose_takes_cheapest_overall_when_there_is_no_promise(book: RateBook) -> None:
    choice = choose(quotes(book, Address("US", "20001"), SMALL))
    assert choice.chosen is not None and choice.chosen.service == "GROUND"
    assert choice.message.startswith("cheapest: Testway Ground (TST), 11.25 USD")


def test_quotes_are_sorted_cheapest_first_when_several_services_price(book: RateBook) -> None:
    totals = [q.total for q in quotes(book, Address("US", "20001"), SMALL).quotes]
    assert totals == sorted(totals) and len(totals) == 2


def test_sample_cards_quote_three_carriers_when_routes_fit(tmp_path: Path) -> None:
    from backroom.shipping.rating.loader import load_rate_book

    sample = load_rate_book()
    sf = Address("US", "94107", False, 37.7621, -122.3971)
    us = quote_all(sample.cards, checked_shipment(sf, Address("US", "94110", True), [SMALL],
                                                  TUESDAY_NOON))
    eu = quote_all(sample.cards, checked_shipment(BERLIN, Address("FR", "75001"), [SMALL],
                                                  TUESDAY_NOON))
    assert {q.carrier for q in us.quotes} == {"PWY", "METRO"}
    assert {q.carrier for q in eu.quotes} == {"EUP"}
    metro = by_service(us)["METRO/SAME_DAY"]
    assert (metro.zone, metro.delivery_date) == ("A", date(2026, 12, 1))


def test_choose_refuses_to_compare_currencies_when_quotes_mix_them(book: RateBook) -> None:
    usd = by_service(quotes(book, Address("US", "20001"), SMALL))["TST/GROUND"]
    eur = by_service(quotes(book, Address("DE", "80331"), SMALL, origin=BERLIN))["MET/STANDARD"]
    with pytest.raises(ValidationFailed) as caught:
        choose([usd, eur])
    assert caught.value.problems[0].field == "currency"
    assert caught.value.problems[0].value == "EUR, USD"
