"""The strategies on small orders priced by hand (flat rate: first kg + each further kg)."""

from __future__ import annotations

import json

import pytest

from backroom.core.errors import ValidationFailed
from backroom.fulfillment.sourcing import STRATEGIES, Backorder, register
from backroom.fulfillment.sourcing.verify import verify_plan
from tests.fulfillment.sourcing.kit import (
    PROMISE,
    flat_rate,
    line,
    placed,
    request,
    source,
    wh,
)

NYC_DAL = {1: (800, 100), 2: (900, 100)}


def test_cost_ships_from_one_warehouse_when_greedy_priority_splits() -> None:
    req = request([line(1, 10), line(2, 11), line(3, 12)],
                  [wh(1, "NYC", {10: 5}), wh(2, "DAL", {10: 5, 11: 5, 12: 5})])
    rate = flat_rate(NYC_DAL)
    greedy = source(req, rate, "priority")
    assert placed(greedy) == {"NYC": {1: 1}, "DAL": {2: 1, 3: 1}}
    assert (greedy.shipping_minor, greedy.split_penalty_minor, greedy.total_minor) == (
        800 + 1000, 150, 1950)
    best = source(req, rate)
    assert placed(best) == {"DAL": {1: 1, 2: 1, 3: 1}}
    assert (best.total_minor, best.packages, best.backordered) == (1100, 1, ())
    assert best.reason == ("All from DAL by TST GROUND: $11.00 vs $19.50 from the priority "
                           "order (NYC+DAL)")
    assert greedy.reason == "Split NYC+DAL in priority order: $19.50 vs $11.00 from DAL alone"


def test_cost_splits_when_no_single_warehouse_is_cheaper() -> None:
    req = request([line(1, 10), line(2, 11)],
                  [wh(1, "NYC", {10: 1}), wh(2, "DAL", {11: 1}), wh(3, "RNO", {10: 1, 11: 1})])
    best = source(req, flat_rate({**NYC_DAL, 3: (3000, 100)}))
    assert placed(best) == {"NYC": {1: 1}, "DAL": {2: 1}}
    assert best.total_minor == 800 + 900 + 150
    assert best.reason == "Split NYC+DAL: $18.50 vs $31.00 from RNO alone"
    assert [s.cost_minor for s in best.shipments.values()] == [800, 900]


def test_promise_excludes_the_cheaper_warehouse_when_it_would_arrive_late() -> None:
    req = request([line(1, 10)], [wh(1, "NYC", {10: 1}), wh(2, "DAL", {10: 1})],
                  promise=PROMISE)
    rate = flat_rate({1: (500, 100), 2: (900, 100)}, late=[1])
    for strategy in STRATEGIES:
        p = source(req, rate, strategy)
        assert placed(p) == {"DAL": {1: 1}}, strategy
        assert p.meets_promise is True
    best = source(req, rate)
    assert best.reason == ("All from DAL by TST GROUND: $9.00 vs $5.00 from NYC alone (which "
                           "cannot deliver by 2026-11-13)")
    unpromised = request([line(1, 10)], [wh(1, "NYC", {10: 1}), wh(2, "DAL", {10: 1})])
    anytime = flat_rate({1: (500, 100), 2: (900, 100)})  # no promise: nothing is late
    assert placed(source(unpromised, anytime)) == {"NYC": {1: 1}}


def test_ships_late_and_says_so_when_no_warehouse_can_keep_the_promise() -> None:
    req = request([line(1, 10)], [wh(1, "NYC", {10: 1}), wh(2, "DAL", {10: 1})],
                  promise=PROMISE)
    p = source(req, flat_rate(NYC_DAL, late=[1, 2]))
    assert placed(p) == {"NYC": {1: 1}}
    assert p.meets_promise is False
    assert p.reason.endswith("; no warehouse holding the stock can deliver by 2026-11-13 "
                             "(arrives 2026-11-16)")
    assert p.detail["late_units"] == 1


def test_backorders_everything_when_no_warehouse_has_stock() -> None:
    req = request([line(1, 10, qty=2), line(2, 11)],
                  [wh(1, "NYC", {}), wh(2, "DAL", {12: 3, 10: 0})], promise=PROMISE)
    for strategy in STRATEGIES:
        p = source(req, flat_rate(NYC_DAL), strategy)
        assert p.assignments == () and p.shipments == {}
        assert p.backordered == (Backorder(1, 2), Backorder(2, 1))
        assert (p.total_minor, p.packages, p.meets_promise) == (0, 0, None)
        assert p.reason == "Backordered all 3 units: no warehouse has stock available to sell"


def test_partial_fill_takes_what_each_warehouse_has_and_backorders_the_rest() -> None:
    req = request([line(1, 10, qty=5), line(2, 11)],
                  [wh(1, "NYC", {10: 3, 11: 1}), wh(2, "DAL", {10: 1})])
    p = source(req, flat_rate(NYC_DAL))
    assert placed(p) == {"NYC": {1: 3, 2: 1}, "DAL": {1: 1}}
    assert p.backordered == (Backorder(1, 1),)
    line_id, qty = p.backordered[0]
    assert (line_id, qty) == (1, 1)
    assert p.total_minor == (800 + 300) + 900 + 150
    assert p.reason == ("Split NYC+DAL: $21.50 vs $11.00 from NYC alone (1 of 2 lines out of "
                        "stock there); 1 unit backordered (no stock to sell anywhere)")
    assert verify_plan(req, p) == []


def test_lines_of_one_sku_share_its_stock_when_the_order_repeats_it() -> None:
    req = request([line(1, 10, qty=2), line(2, 10, qty=2)], [wh(1, "NYC", {10: 3})])
    p = source(req, flat_rate(NYC_DAL))
    assert p.assigned_units == 3 and p.backordered_units == 1
    assert verify_plan(req, p) == []


def test_backorders_what_no_service_can_carry_when_together_too_heavy() -> None:
    req = request([line(1, 10, weight_g=15_000), line(2, 11, weight_g=15_000)],
                  [wh(1, "NYC", {10: 1, 11: 1})])
    heavy = flat_rate(NYC_DAL)

    def rate(warehouse_id: int, parcels: list[tuple[int, int, int, int]]) -> object:
        return None if sum(p[3] for p in parcels) > 20_000 else heavy(warehouse_id, parcels)

    p = source(req, rate)  # type: ignore[arg-type]
    assert p.assigned_units == 1 and p.backordered_units == 1
    assert p.reason.endswith("; 1 unit backordered (no carrier service can carry all of them)")


def test_closest_walks_nearest_first_when_priority_walks_the_fixed_order() -> None:
    dallas = (32.7876, -96.7994)
    req = request([line(1, 10)], [wh(1, "NYC", {10: 1}, at=(40.7506, -73.9972)),
                                  wh(2, "DAL", {10: 1}, at=(32.8998, -97.0403))],
                  destination=dallas)
    rate = flat_rate({1: (800, 100), 2: (900, 100)})
    assert placed(source(req, rate, "closest")) == {"DAL": {1: 1}}
    assert placed(source(req, rate, "priority")) == {"NYC": {1: 1}}


def test_detail_is_json_with_the_alternatives_when_a_plan_is_made() -> None:
    req = request([line(1, 10), line(2, 11)], [wh(1, "NYC", {10: 1}), wh(2, "DAL", {10: 1, 11: 1})],
                  promise=PROMISE)
    p = source(req, flat_rate(NYC_DAL))
    detail = json.loads(json.dumps(p.detail))
    assert detail["strategy"] == "cost" and detail["promise"] == "2026-11-13"
    assert {a["name"] for a in detail["alternatives"]} == {"NYC alone", "DAL alone", "priority",
                                                           "closest"}
    assert detail["shipments"][0]["delivery_date"] == "2026-11-12"
    assert detail["total_minor"] == p.total_minor
    assert detail["assignments"] == [{"warehouse_id": 2, "line_id": 1, "sku_id": 10, "qty": 1},
                                     {"warehouse_id": 2, "line_id": 2, "sku_id": 11, "qty": 1}]


def test_unknown_strategy_is_refused_when_named() -> None:
    req = request([line(1, 10)], [wh(1, "NYC", {10: 1})])
    with pytest.raises(ValidationFailed) as err:
        source(req, flat_rate(NYC_DAL), "cheapest")
    assert "closest, cost, priority" in str(err.value.problems)


def test_a_registered_strategy_is_used_when_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(STRATEGIES, "last", STRATEGIES["cost"])
    register("last", lambda model, seeds: (model.alone(len(model.request.candidates) - 1), {}))
    req = request([line(1, 10)], [wh(1, "NYC", {10: 1}), wh(2, "DAL", {10: 1})])
    p = source(req, flat_rate(NYC_DAL), "last")
    assert placed(p) == {"DAL": {1: 1}} and p.strategy == "last"


def test_nothing_is_planned_when_the_order_has_no_open_units_or_no_warehouse() -> None:
    empty = source(request([], [wh(1, "NYC", {10: 1})]), flat_rate(NYC_DAL))
    assert (empty.assignments, empty.backordered, empty.packages) == ((), (), 0)
    assert empty.reason == "Nothing to place: the order has no open units"
    alone = source(request([line(1, 10, qty=2)], []), flat_rate(NYC_DAL))
    assert alone.backordered == (Backorder(1, 2),)
    assert alone.reason == "Backordered all 2 units: no warehouse has stock available to sell"
