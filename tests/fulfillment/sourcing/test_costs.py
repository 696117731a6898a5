"""The parcel estimate, and the billable-weight rate table against quoting every parcel."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from backroom.fulfillment.sourcing import OrderLine, ParcelModel
from backroom.fulfillment.sourcing.rated import rate_card_rate
from backroom.fulfillment.sourcing.ratetable import RateTable
from backroom.fulfillment.sourcing.samples import READY_AT, make_shop
from backroom.shipping.rating.model import Address
from tests.fulfillment.sourcing.kit import line

MODEL = ParcelModel()


def test_no_parcel_when_the_content_is_empty() -> None:
    assert MODEL.parcels([line(1, 10)], [0]) == []


def test_box_holds_the_longest_item_and_the_tare_when_one_unit_ships() -> None:
    long = line(1, 10, weight_g=500)
    (parcel,) = MODEL.parcels([long], [1])
    assert parcel[:3] >= (200, 150, 100)
    assert parcel[3] == 500 + MODEL.tare_g
    assert parcel[0] * parcel[1] * parcel[2] * MODEL.fill_percent >= 200 * 150 * 100 * 100


def test_heavy_shares_go_as_equal_parcels_under_the_limit_when_over_max_weight() -> None:
    parcels = MODEL.parcels([line(1, 10, weight_g=9_000)], [5])
    assert len(parcels) == 3
    assert len(set(parcels)) == 1
    assert all(p[3] <= MODEL.max_parcel_g for p in parcels)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5000), st.integers(10, 700), st.integers(10, 700),
                          st.integers(10, 700), st.integers(0, 4)), min_size=1, max_size=5),
       st.integers(0, 4))
def test_parcels_never_shrink_when_a_unit_is_added(
        specs: list[tuple[int, int, int, int, int]], grow: int) -> None:
    lines = [OrderLine(i, i, 1, w, a, b, c) for i, (w, a, b, c, _) in enumerate(specs)]
    content = [q for *_, q in specs]
    bigger = list(content)
    bigger[grow % len(bigger)] += 1
    before, after = MODEL.parcels(lines, content), MODEL.parcels(lines, bigger)
    assert sum(p[3] for p in after) >= sum(p[3] for p in before)
    if len(after) == len(before) and before:
        assert after[0][0] >= before[0][0]  # the longest side never gets shorter


def test_rate_table_prices_like_quoting_each_parcel_when_parcels_vary() -> None:
    shop = make_shop()
    table = RateTable(shop.origins, READY_AT)
    rng = random.Random(3)
    for n in range(60):
        dest = Address("US", rng.choice(["10001", "75201", "94103", "99501", "59101"]),
                       rng.random() < 0.5)
        promise = rng.choice([None, date(2026, 11, 11), date(2026, 11, 13)])
        parcels = [(rng.randrange(100, 1400), rng.randrange(80, 800), rng.randrange(30, 500),
                    rng.randrange(100, 30_000)) for _ in range(rng.choice((1, 1, 2)))]
        warehouse = 1 + n % 3
        direct = rate_card_rate(shop.origins, dest, currency="USD", promise=promise,
                                ready_at=READY_AT, carriers=["PWY"])
        assert table.rate(dest, promise)(warehouse, parcels) == direct(warehouse, parcels)
    assert table.direct > 0  # some parcels drew handling or size charges: quoted as they are
    assert table.quotes  # the others came from the table
