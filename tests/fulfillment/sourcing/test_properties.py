"""Properties on random small orders: the cost strategy is never worse than the greedy ones,
equals the exhaustive optimum, and every plan places each unit exactly once within stock."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backroom.fulfillment.sourcing import STRATEGIES, CostModel, Plan, SourcingRequest, plan
from backroom.fulfillment.sourcing.exhaustive import exhaustive_best
from backroom.fulfillment.sourcing.verify import verify_plan
from tests.fulfillment.sourcing.kit import PROMISE, flat_rate, line, request, wh

SKUS = (10, 11, 12)


@st.composite
def problems(draw: st.DrawFn) -> tuple[SourcingRequest, dict[int, tuple[int, int]], list[int]]:
    count = draw(st.integers(1, 3))
    weights = {sku: draw(st.integers(100, 4000)) for sku in SKUS}  # a SKU weighs what it weighs
    skus = [draw(st.sampled_from(SKUS)) for _ in range(count)]
    lines = [line(i + 1, sku, draw(st.integers(1, 3)), weights[sku])
             for i, sku in enumerate(skus)]
    warehouses = draw(st.integers(1, 3))
    candidates = [wh(w, f"W{w}", {sku: draw(st.integers(0, 3)) for sku in SKUS},
                     priority=draw(st.integers(1, 3)),
                     at=(draw(st.floats(25, 48)), draw(st.floats(-122, -70))))
                  for w in range(1, warehouses + 1)]
    prices = {w: (draw(st.integers(300, 2000)), draw(st.integers(0, 400)))
              for w in range(1, warehouses + 1)}
    late = draw(st.lists(st.integers(1, warehouses), max_size=2, unique=True))
    req = request(lines, candidates, penalty=draw(st.integers(0, 600)),
                  promise=draw(st.sampled_from((None, PROMISE))),
                  destination=(draw(st.floats(25, 48)), draw(st.floats(-122, -70))))
    return req, prices, late


def key(p: Plan) -> tuple[int, int, int]:
    return (p.backordered_units, p.detail["late_units"], p.total_minor)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_cost_equals_exhaustive_and_beats_greedy_when_orders_are_random(
        problem: tuple[SourcingRequest, dict[int, tuple[int, int]], list[int]]) -> None:
    req, prices, late = problem
    rate = flat_rate(prices, late=late)
    plans = {s: plan(req, rate, s) for s in STRATEGIES}
    for strategy, p in plans.items():
        assert verify_plan(req, p) == [], strategy
    best = key(plans["cost"])
    assert best <= key(plans["priority"])
    assert best <= key(plans["closest"])
    _, optimum = exhaustive_best(CostModel(req, rate))
    assert best == optimum.key


@settings(max_examples=100, deadline=None)
@given(problems(), st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True))
def test_plans_stay_within_stock_when_some_warehouses_cannot_ship(
        problem: tuple[SourcingRequest, dict[int, tuple[int, int]], list[int]],
        refuse: list[int]) -> None:
    req, prices, late = problem
    rate = flat_rate(prices, late=late, refuse=refuse)
    for strategy in STRATEGIES:
        p = plan(req, rate, strategy)
        assert verify_plan(req, p) == [], strategy
        assert not {a.warehouse_id for a in p.assignments} & set(refuse)
