"""Fewest identical boxes: the classic 3D bin packing problem (Martello, Pisinger & Vigo 2000).

Used for the benchmark instances and for any "how many of this box" question. Three phases:

1. **Construct**: every item order × placement rule of ``construct.strategies`` fills boxes
   first-fit; the best (fewest boxes, then the emptiest last box) is kept.
2. **Empty the weakest box** until the time budget runs out or the lower bound is reached:
   its items first go straight into free spaces of the other boxes; what is left is repacked
   together with the items of 1–4 random other boxes, with several item orders. Fewer boxes
   is a win; the same number with an emptier weakest box is accepted (so the weakest box
   drains over the iterations); anything else is discarded.
3. **Guided repacking** (fixed orientation; the second half of the budget): ``guided`` looks
   for one box fewer by assigning items to boxes with CP-SAT under the relaxation's
   conditions and packing each box, learning from the boxes that do not go in. If it gives
   up early, phase 2 goes on until the budget is spent.

Deterministic for a given ``seed`` apart from where the time budget cuts the search off.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from backroom.fulfillment.packing.bounds import lower_bound
from backroom.fulfillment.packing.construct import Order, fill, strategies
from backroom.fulfillment.packing.engine import Container
from backroom.fulfillment.packing.errors import check_input
from backroom.fulfillment.packing.guided import repack_into
from backroom.fulfillment.packing.model import Box, Item, Packing, Placement

DRAIN_SHARE = 0.5  # of the budget for emptying the weakest box; the rest for guided repacking


@dataclass(frozen=True, slots=True)
class BinResult:
    packing: Packing
    lower_bound: int
    iterations: int
    seconds: float


def pack_bins(items: Sequence[Item], box: Box, *, rotate: bool = False, seconds: float = 1.0,
              seed: int = 0, known_bound: int = 0) -> BinResult:
    """As few boxes of type ``box`` as found for ``items`` in ``seconds`` of CPU time (this
    process's, so a busy machine does not shorten the search). The search also stops on
    reaching a lower bound: ``bounds.lower_bound`` or ``known_bound`` (e.g. from
    ``relaxation_bound``), whichever is higher."""
    check_input(items, [box], rotate=rotate)
    began = time.process_time()
    order = Order.of(items, rotate)
    bound = max(known_bound, lower_bound(items, box, rotate=rotate))
    rng = random.Random(seed)
    search = _Drain(order, box, rng)
    bins = search.construct()
    iterations = 0
    deadline = began + seconds
    drain_until = began + (seconds if rotate else seconds * DRAIN_SHARE)
    while len(bins) > bound and time.process_time() < drain_until:
        iterations += 1
        bins = search.step(bins)
    while not rotate and len(bins) > bound and time.process_time() < deadline:
        fewer = repack_into(order, box, len(bins) - 1, deadline, rng)
        if fewer is None:
            break
        bins = fewer
    while len(bins) > bound and time.process_time() < deadline:  # time left: drain again
        iterations += 1
        bins = search.step(bins)
    return BinResult(_packing(order, box, bins), bound, iterations,
                     time.process_time() - began)


class _Drain:
    def __init__(self, order: Order, box: Box, rng: random.Random) -> None:
        self.order = order
        self.box = box
        self.rng = rng

    def new_box(self, _ref: int = 0) -> Container:
        return self.order.container(self.box.inner, self.box.max_weight_g)

    def fill(self, sequence: Sequence[int], corners: bool) -> list[Container]:
        bins: list[Container] = []
        if not fill(self.order, sequence, bins, self.new_box, corners):
            raise AssertionError("every item fits an empty box (checked by the caller)")
        return bins

    def construct(self) -> list[Container]:
        everything = list(range(len(self.order.items)))
        tries = [self.fill(seq, corners) for seq, corners in strategies(self.order, everything)]
        return min(tries, key=_score)

    def step(self, bins: list[Container]) -> list[Container]:
        bins = sorted(bins, key=lambda b: b.volume)
        weakest = bins[0] if len(bins) < 2 or self.rng.random() < 0.8 else bins[1]
        others = [b for b in bins if b is not weakest]
        left = self.insert_directly(weakest, others)
        if not left:
            return others
        picked = self.rng.sample(others, min(len(others), self.rng.choice((1, 2, 2, 3, 3, 4))))
        pool = left + [r for b in picked for r in b.refs()]
        repacked = self.repack(pool, len(picked))
        rest = [b for b in others if b not in picked]
        if len(repacked) <= len(picked):
            return rest + repacked
        emptiest = min(b.volume for b in repacked)
        if emptiest < weakest.volume or (emptiest == weakest.volume and self.rng.random() < 0.5):
            return rest + repacked
        return rest + picked + [self.rebuilt(weakest, left)]

    def insert_directly(self, weakest: Container, others: list[Container]) -> list[int]:
        """Move what fits into the free spaces of the other boxes; the refs that stay."""
        o = self.order
        stay = []
        for ref in sorted(weakest.refs(), key=lambda r: -o.volumes[r]):
            for target in sorted(others, key=lambda b: -b.volume):
                spot = target.find(o.options[ref], o.weights[ref], o.volumes[ref], True)
                if spot is not None:
                    target.put(ref, spot, o.weights[ref])
                    break
            else:
                stay.append(ref)
        return stay

    def rebuilt(self, weakest: Container, left: list[int]) -> Container:
        """``weakest`` holding only ``left`` (the others' placements stay valid)."""
        keep = set(left)
        box = self.new_box()
        box.placed = [p for p in weakest.placed if p[0] in keep]
        box.volume = sum(p[4] * p[5] * p[6] for p in box.placed)
        box.weight_g = sum(self.order.weights[p[0]] for p in box.placed)
        box.spaces = list(weakest.spaces)  # still empty: a subset of the true free space
        return box

    def repack(self, pool: list[int], target: int) -> list[Container]:
        best: list[Container] | None = None
        plans = strategies(self.order, pool)[:4]
        volumes = self.order.volumes
        for _ in range(4):
            noisy = sorted(pool, key=lambda r: -volumes[r] * (0.6 + 0.8 * self.rng.random()))
            plans.append((noisy, self.rng.random() < 0.5))
        for sequence, corners in plans:
            bins = self.fill(sequence, corners)
            if best is None or _score(bins) < _score(best):
                best = bins
            if len(best) <= target:
                break
        assert best is not None
        return best


def _score(bins: list[Container]) -> tuple[int, int]:
    return (len(bins), min(b.volume for b in bins))


def _packing(order: Order, box: Box, bins: list[Container]) -> Packing:
    bins = sorted(bins, key=lambda b: -b.volume)
    placements = tuple(Placement(order.items[ref], index, x, y, z, dx, dy, dz)
                       for index, b in enumerate(bins)
                       for ref, x, y, z, dx, dy, dz in b.placed)
    return Packing(tuple(box for _ in bins), placements, box.cost * len(bins), 0)
