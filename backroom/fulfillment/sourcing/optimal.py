"""The cost-optimal strategy: branch and bound over every way to split every line.

Each line must ship as many units as the warehouses hold between them (``ship_targets``: stock
ships when any warehouse has it). The search takes the lines most constrained first and tries
every split of a line over the warehouses with stock (each warehouse 0..its stock, summing to
the target; lines with more than ``MAX_SPLITS`` splits get the single-warehouse fills and the
greedy fills in every warehouse order instead). A branch is cut as soon as its partial score —
late units, then shipping so far plus the split penalty, plus one more penalty when a line left
cannot come from the warehouses already used — is no better than the best plan found: a
shipment never gets cheaper when units are added, so the partial score is a lower bound. The
greedy plans seed the best, and splits that only use warehouses already shipping are tried
first. Estimates are memoised per (warehouse, content) by the ``CostModel``.

When no plan reaches the targets (some combined shipment no service can carry), the search is
repeated allowing backorders. ``NODE_LIMIT`` bounds the work on huge orders (the best plan found
is kept).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import permutations

from backroom.fulfillment.sourcing.costs import Allocation, CostModel, Key, best_of

MAX_SPLITS = 64
MAX_ORDERS = 24  # warehouse orders tried for a line with too many splits
NODE_LIMIT = 50_000
_WORST: Key = (1 << 62, 1 << 62, 1 << 62)

Split = tuple[tuple[int, int], ...]  # (candidate index, units) for each warehouse giving units


@dataclass(frozen=True, slots=True)
class SearchStats:
    nodes: int
    complete: bool  # False when NODE_LIMIT stopped the search


def ship_targets(model: CostModel) -> list[int]:
    """Units per line to ship: all of it, unless the warehouses together hold less (lines of
    one SKU take its stock in order: their units are interchangeable)."""
    candidates = model.request.candidates
    left = {line.sku_id: sum(c.stock(line.sku_id) for c in candidates)
            for line in model.request.lines}
    targets = []
    for line in model.request.lines:
        take = min(line.qty, left[line.sku_id])
        left[line.sku_id] -= take
        targets.append(take)
    return targets


def cost_optimal(model: CostModel, seeds: Sequence[Allocation] = ()
                 ) -> tuple[Allocation, SearchStats]:
    """The best allocation found (exact unless ``NODE_LIMIT`` was reached)."""
    seeded = best_of(model, seeds)
    targets = ship_targets(model)
    search = _Search(model, targets, relaxed=False)
    if seeded is not None:
        search.best, search.best_key = seeded[0], seeded[1].key
    search.run()
    nodes, complete = search.nodes, search.nodes < NODE_LIMIT
    forced = sum(line.qty for line in model.request.lines) - sum(targets)
    if search.best is None or search.best_key[0] > forced:
        relaxed = _Search(model, targets, relaxed=True)
        relaxed.best, relaxed.best_key = search.best, search.best_key
        relaxed.run()
        search = relaxed
        nodes += relaxed.nodes
        complete = complete and relaxed.nodes < NODE_LIMIT
    return (search.best or model.empty()), SearchStats(nodes, complete)


class _Search:
    def __init__(self, model: CostModel, targets: list[int], *, relaxed: bool) -> None:
        self.model = model
        k, n = model.size
        self.k, self.n = k, n
        self.targets = targets
        lines = model.request.lines
        self.skus = [line.sku_id for line in lines]
        self.stock: dict[int, list[int]] = {
            sku: [c.stock(sku) for c in model.request.candidates] for sku in set(self.skus)}
        self.splits = [_splits(targets[i], self.stock[self.skus[i]], relaxed) for i in range(n)]
        self.masks = [[sum(1 << w for w, _ in s) for s in splits] for splits in self.splits]
        self.order = sorted(range(n), key=lambda i: (len(self.splits[i]),
                                                     -targets[i] * model.units[i].weight_g))
        self.contents = [[0] * n for _ in range(k)]
        self.cost = [0] * k  # estimated cost of each warehouse's shipment so far
        self.late = [0] * k  # its units, when it misses the promise
        self.backordered = sum(line.qty for line in lines) - sum(targets)  # unavoidable
        self.short = 0  # units of the lines placed so far left below their target
        self.best: Allocation | None = None
        self.best_key: Key = _WORST
        self.nodes = 0

    def run(self) -> None:
        self._visit(0, 0)

    def _visit(self, depth: int, used: int) -> None:
        self.nodes += 1
        if depth == self.n:
            self._leaf(used)
            return
        i = self.order[depth]
        stock = self.stock[self.skus[i]]
        splits, masks = self.splits[i], self.masks[i]
        for inside in (True, False):  # splits within the warehouses used first
            for split, mask in zip(splits, masks, strict=True):
                if ((mask & ~used) == 0) != inside or self.nodes >= NODE_LIMIT:
                    continue
                if all(stock[w] >= units for w, units in split):
                    self._branch(depth, i, split, used | mask, stock)

    def _branch(self, depth: int, i: int, split: tuple[tuple[int, int], ...], used: int,
                stock: list[int]) -> None:
        saved = [(w, self.cost[w], self.late[w]) for w, _ in split]
        short = self.targets[i] - sum(units for _, units in split)
        self.short += short
        feasible = True
        for w, units in split:
            self.contents[w][i] += units
            stock[w] -= units
            if feasible:
                feasible = self._price(w)
        if feasible and self._bound(depth + 1, used) < self.best_key:
            self._visit(depth + 1, used)
        for w, units in split:
            self.contents[w][i] -= units
            stock[w] += units
        for w, cost, late in saved:
            self.cost[w], self.late[w] = cost, late
        self.short -= short

    def _price(self, w: int) -> bool:
        content = tuple(self.contents[w])
        found = self.model.estimate(w, content)
        if found is None:
            return False
        self.cost[w] = found.cost_minor
        self.late[w] = 0 if found.meets_promise else sum(content)
        return True

    def _bound(self, depth: int, used: int) -> Key:
        packages = used.bit_count()
        for j in self.order[depth:]:
            stock = self.stock[self.skus[j]]
            held = sum(stock[w] for w in range(self.k) if used >> w & 1)
            if self.targets[j] > held:
                packages += 1
                break
        penalty = self.model.penalty * max(0, packages - 1)
        return (self.backordered + self.short, sum(self.late), sum(self.cost) + penalty)

    def _leaf(self, used: int) -> None:
        packages = used.bit_count()
        key = (self.backordered + self.short, sum(self.late),
               sum(self.cost) + self.model.penalty * max(0, packages - 1))
        if key < self.best_key:
            self.best_key = key
            self.best = tuple(tuple(c) for c in self.contents)


def _splits(target: int, caps: list[int], relaxed: bool) -> list[Split]:
    """Ways to ship ``target`` units (or fewer, ``relaxed``) from warehouses holding ``caps``."""
    totals = range(target, -1, -1) if relaxed else (target,)
    found: list[Split] = []
    for total in totals:
        if total == 0:
            found.append(())
            continue
        if _count(total, caps) <= MAX_SPLITS:
            found += [tuple((w, x) for w, x in enumerate(c) if x) for c in _compose(total, caps)]
        else:
            found += _canonical(total, caps)
    return sorted(dict.fromkeys(found), key=lambda s: (-sum(x for _, x in s), len(s)))


def _compose(total: int, caps: Sequence[int]) -> Iterator[tuple[int, ...]]:
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    for x in range(min(total, caps[0]), -1, -1):
        for rest in _compose(total - x, caps[1:]):
            yield (x, *rest)


def _count(total: int, caps: Sequence[int]) -> int:
    ways = [1] + [0] * total
    for cap in caps:
        ways = [sum(ways[t - x] for x in range(min(cap, t) + 1)) for t in range(total + 1)]
    return ways[total]


def _canonical(total: int, caps: Sequence[int]) -> list[Split]:
    """Single-warehouse fills, then greedy fills along warehouse orders."""
    holding = [w for w, cap in enumerate(caps) if cap > 0]
    found: list[Split] = [((w, total),) for w in holding if caps[w] >= total]
    for count, order in enumerate(permutations(holding)):
        if count >= MAX_ORDERS:
            break
        need, split = total, []
        for w in order:
            take = min(need, caps[w])
            if take:
                split.append((w, take))
                need -= take
        if need == 0:
            found.append(tuple(sorted(split)))
    return found
