"""The exact optimum by exhaustive search: every way of giving every line's units to the
warehouses (any unit may also be backordered), scored like the strategies score.

Nothing is pruned and nothing is assumed about the costs, so it is the reference the
cost-optimal strategy is measured against (benchmark, property tests). It grows as the product
over lines of the number of splits — fine for a few lines of a few units.
"""

from __future__ import annotations

from collections.abc import Iterator

from backroom.fulfillment.sourcing.costs import Allocation, CostModel, Score


def splits(qty: int, caps: list[int]) -> Iterator[tuple[int, ...]]:
    """Every (units from each warehouse) with each at most its cap and the sum at most qty."""
    if not caps:
        yield ()
        return
    for x in range(min(qty, caps[0]) + 1):
        for rest in splits(qty - x, caps[1:]):
            yield (x, *rest)


def count(model: CostModel) -> int:
    """How many allocations ``exhaustive_best`` will score (ignoring shared-SKU limits)."""
    total = 1
    for line in model.request.lines:
        caps = [min(line.qty, c.stock(line.sku_id)) for c in model.request.candidates]
        total *= sum(1 for _ in splits(line.qty, caps))
    return total


def exhaustive_best(model: CostModel) -> tuple[Allocation, Score]:
    """The best allocation of all (the first found of equals)."""
    k, n = model.size
    lines = model.request.lines
    stock = {line.sku_id: [c.stock(line.sku_id) for c in model.request.candidates]
             for line in lines}
    chosen: list[tuple[int, ...]] = []
    best: list[tuple[Allocation, Score]] = []

    def visit(i: int) -> None:
        if i == n:
            allocation = tuple(tuple(chosen[j][w] for j in range(n)) for w in range(k))
            score = model.score(allocation)
            if score is not None and (not best or score.key < best[0][1].key):
                best[:] = [(allocation, score)]
            return
        held = stock[lines[i].sku_id]
        for split in splits(lines[i].qty, held):
            for w, x in enumerate(split):
                held[w] -= x
            chosen.append(split)
            visit(i + 1)
            chosen.pop()
            for w, x in enumerate(split):
                held[w] += x

    visit(0)
    if not best:  # nothing can ship at all: backorder everything
        empty = model.empty()
        score = model.score(empty)
        assert score is not None
        return empty, score
    return best[0]
