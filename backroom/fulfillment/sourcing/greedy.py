"""The peers' way: walk the warehouses in a fixed order and fill line by line.

``priority`` walks them in the merchant's priority order, ``closest`` nearest first (straight-
line distance to the destination when both are placed; otherwise the earliest estimated
delivery, which the carriers' zone charts tie to distance). For each line, in order, each
warehouse gives what it has until the line is full; what none has is backordered — as Saleor
and Magento MSI's source-selection algorithms do. Backroom adds the promise rule: warehouses
that can keep the promised date are walked before those that cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from backroom.fulfillment.sourcing.costs import Allocation, CostModel
from backroom.fulfillment.sourcing.model import distance_km

_FAR = float("inf")


def priority_order(model: CostModel) -> list[int]:
    candidates = model.request.candidates
    order = sorted(range(len(candidates)),
                   key=lambda w: (candidates[w].priority, candidates[w].warehouse_id))
    return punctual_first(model, order)


def closest_order(model: CostModel) -> list[int]:
    request = model.request

    def key(w: int) -> tuple[float, date, int, int]:
        c = request.candidates[w]
        km = distance_km(c, request.destination)
        found = model.estimate(w, model.alone(w)[w])
        when = found.delivery_date if found is not None and found.delivery_date else date.max
        return (_FAR if km is None else km, when, c.priority, c.warehouse_id)

    return punctual_first(model, sorted(range(len(request.candidates)), key=key))


def punctual_first(model: CostModel, order: Sequence[int]) -> list[int]:
    """``order`` with the warehouses whose own shipment would keep the promise first."""
    if model.request.promise is None:
        return list(order)
    late: list[int] = []
    on_time: list[int] = []
    for w in order:
        found = model.estimate(w, model.alone(w)[w])
        (on_time if found is None or found.meets_promise else late).append(w)
    return on_time + late


def greedy_fill(model: CostModel, order: Sequence[int]) -> Allocation:
    """Line by line, take from each warehouse in ``order`` what it has (and can ship)."""
    k, n = model.size
    contents = [[0] * n for _ in range(k)]
    stock = [model.stock_of(w) for w in range(k)]
    for i, line in enumerate(model.request.lines):
        need = line.qty
        for w in order:
            if need == 0:
                break
            take = min(need, stock[w][line.sku_id])
            if take == 0:
                continue
            trial = list(contents[w])
            trial[i] += take
            if model.estimate(w, tuple(trial)) is None:
                continue
            contents[w] = trial
            stock[w][line.sku_id] -= take
            need -= take
    return tuple(tuple(c) for c in contents)


def greedy_priority(model: CostModel) -> Allocation:
    return greedy_fill(model, priority_order(model))


def greedy_closest(model: CostModel) -> Allocation:
    return greedy_fill(model, closest_order(model))
