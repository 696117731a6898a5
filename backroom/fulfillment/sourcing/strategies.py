"""Sourcing strategies by name, and ``plan``: run one and explain the result.

- ``cost`` (the default): the cheapest plan — shipping plus the split penalty — that ships all
  the stock there is and keeps the promise where any warehouse can (``optimal``);
- ``priority``: greedy, warehouses in the merchant's fixed order (``greedy``);
- ``closest``: greedy, nearest warehouse first.

A strategy is a function from a ``CostModel`` to an allocation (and search statistics);
``register`` adds one under a new name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backroom.core.errors import ValidationFailed
from backroom.fulfillment.sourcing.costs import Allocation, CostModel
from backroom.fulfillment.sourcing.explain import Outcome, build_plan
from backroom.fulfillment.sourcing.greedy import greedy_closest, greedy_priority
from backroom.fulfillment.sourcing.model import Plan, Rate, SourcingRequest
from backroom.fulfillment.sourcing.optimal import cost_optimal
from backroom.fulfillment.sourcing.parcels import DEFAULT_PARCELS, ParcelModel

Strategy = Callable[[CostModel, dict[str, Allocation]], tuple[Allocation, dict[str, Any]]]
DEFAULT_STRATEGY = "cost"


def _cost(model: CostModel, seeds: dict[str, Allocation]) -> tuple[Allocation, dict[str, Any]]:
    allocation, stats = cost_optimal(model, list(seeds.values()))
    return allocation, {"nodes": stats.nodes, "complete": stats.complete}


def _priority(model: CostModel, seeds: dict[str, Allocation]
              ) -> tuple[Allocation, dict[str, Any]]:
    return seeds["priority"], {}


def _closest(model: CostModel, seeds: dict[str, Allocation]) -> tuple[Allocation, dict[str, Any]]:
    return seeds["closest"], {}


STRATEGIES: dict[str, Strategy] = {"cost": _cost, "priority": _priority, "closest": _closest}


def register(name: str, strategy: Strategy) -> None:
    """Make ``strategy`` available as ``name`` (it receives the greedy plans as seeds)."""
    STRATEGIES[name] = strategy


def check_strategy(name: str) -> str:
    if name not in STRATEGIES:
        raise ValidationFailed.single("strategy", name, "unknown sourcing strategy; choose one "
                                      "of: " + ", ".join(sorted(STRATEGIES)))
    return name


def plan(request: SourcingRequest, rate: Rate, strategy: str = DEFAULT_STRATEGY, *,
         parcels: ParcelModel = DEFAULT_PARCELS) -> Plan:
    """Source ``request`` with ``strategy``; the plan names the alternatives it beat."""
    run = STRATEGIES[check_strategy(strategy)]
    model = CostModel(request, rate, parcels)
    seeds = {"priority": greedy_priority(model), "closest": greedy_closest(model)}
    allocation, search = run(model, seeds)
    options = {**{f"{c.code} alone": model.alone(w) for w, c in enumerate(request.candidates)},
               **seeds}
    outcomes = [Outcome(name, a, s) for name, a in options.items()
                if (s := model.score(a)) is not None]
    score = model.score(allocation)
    if score is None:  # a plugged-in strategy proposed what cannot ship: ship nothing
        allocation = model.empty()
        score = model.score(allocation)
        assert score is not None
    chosen = Outcome(strategy, allocation, score)
    return build_plan(model, strategy, chosen, outcomes, search)
