"""What an allocation costs: one shipment per warehouse used, priced by the ``Rate``.

An allocation gives each candidate warehouse a *content*: units per order line (by index).
Its score is compared lexicographically — fewer units backordered, then fewer units in
shipments that miss the promise, then the lower total (estimated shipping + the split penalty
for each package beyond the first). So stock always ships if any warehouse has it (late rather
than not at all), a warehouse that cannot keep the promise is used only for units no punctual
warehouse can supply, and among the rest the cheapest wins.

Estimates are memoised per (warehouse, content): the search asks for the same shipment many
times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backroom.fulfillment.sourcing.model import Estimate, Rate, SourcingRequest
from backroom.fulfillment.sourcing.parcels import DEFAULT_PARCELS, ParcelModel

Content = tuple[int, ...]  # units per order line, by line index
Allocation = tuple[Content, ...]  # a content per candidate, by candidate index
Key = tuple[int, int, int]  # (backordered units, late units, total minor units)
_MISSING = Estimate("", "", -1, None, False)  # not in the memo yet


@dataclass(frozen=True, slots=True)
class Score:
    backordered: int
    late_units: int
    shipping_minor: int
    packages: int
    penalty_minor: int  # the split penalty charged

    @property
    def total_minor(self) -> int:
        return self.shipping_minor + self.penalty_minor

    @property
    def key(self) -> Key:
        return (self.backordered, self.late_units, self.total_minor)


class CostModel:
    """The request, its rate and parcel estimate, and the memo of shipment estimates."""

    def __init__(self, request: SourcingRequest, rate: Rate,
                 parcels: ParcelModel = DEFAULT_PARCELS) -> None:
        self.request = request
        self.rate = rate
        self.parcel_model = parcels
        self.units = parcels.units(request.lines)
        self.penalty = max(0, request.split_penalty_minor)
        self.ids = tuple(c.warehouse_id for c in request.candidates)
        self.memo: dict[tuple[int, Content], Estimate | None] = {}
        self.rate_calls = 0
        self._alone: dict[int, Allocation] = {}

    @property
    def size(self) -> tuple[int, int]:
        """(candidates, lines)."""
        return len(self.request.candidates), len(self.request.lines)

    def estimate(self, w: int, content: Content) -> Estimate | None:
        """Candidate ``w`` shipping ``content``; None when no service can carry it."""
        key = (w, content)
        found = self.memo.get(key, _MISSING)
        if found is not _MISSING:
            return found
        parcels = self.parcel_model.parcels_for(self.units, content)
        found = None
        if parcels:
            self.rate_calls += 1
            found = self.rate(self.ids[w], parcels)
        self.memo[key] = found
        return found

    def empty(self) -> Allocation:
        k, n = self.size
        return tuple((0,) * n for _ in range(k))

    def backordered(self, allocation: Allocation) -> list[int]:
        """Units per line that no warehouse ships in ``allocation``."""
        if not allocation:
            return [line.qty for line in self.request.lines]
        return [line.qty - shipped for line, shipped in zip(
            self.request.lines, map(sum, zip(*allocation, strict=True)), strict=True)]

    def score(self, allocation: Allocation) -> Score | None:
        """None when a warehouse would ship something no service can carry."""
        shipping = late = packages = 0
        for w, content in enumerate(allocation):
            units = sum(content)
            if not units:
                continue
            found = self.estimate(w, content)
            if found is None:
                return None
            packages += 1
            shipping += found.cost_minor
            late += 0 if found.meets_promise else units
        penalty = self.penalty * max(0, packages - 1)
        return Score(sum(self.backordered(allocation)), late, shipping, packages, penalty)

    def stock_of(self, w: int) -> dict[int, int]:
        """A fresh copy of candidate ``w``'s stock of the order's SKUs."""
        c = self.request.candidates[w]
        return {line.sku_id: c.stock(line.sku_id) for line in self.request.lines}

    def alone(self, w: int) -> Allocation:
        """Everything candidate ``w`` can supply on its own (the rest backordered)."""
        if w in self._alone:
            return self._alone[w]
        stock = self.stock_of(w)
        content = []
        for line in self.request.lines:
            take = min(line.qty, stock[line.sku_id])
            stock[line.sku_id] -= take
            content.append(take)
        k, n = self.size
        found = tuple(tuple(content) if v == w else (0,) * n for v in range(k))
        self._alone[w] = found
        return found


def best_of(model: CostModel, allocations: Sequence[Allocation]) -> tuple[Allocation, Score] | None:
    """The best-scoring allocation (the first of equals), or None if none can ship."""
    best: tuple[Allocation, Score] | None = None
    for allocation in allocations:
        score = model.score(allocation)
        if score is not None and (best is None or score.key < best[1].key):
            best = allocation, score
    return best
