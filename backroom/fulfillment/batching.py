"""Group fulfillment orders into pick batches (one cart, one tote per order) so that each
cart's walk is short. Pure code.

Greedy seed-and-grow: a batch starts with the order whose picks lie furthest into the
warehouse (first aisle, deepest bay), then repeatedly takes the order that adds the fewest new
aisles to the walk (ties: the closest bays, then the oldest order) among the next
``WINDOW`` orders in aisle order. Visiting an aisle is what
costs a picker most in a parallel-aisle warehouse, so this keeps carts in few aisles; the
route inside each batch is then exact (``picking.router``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WINDOW = 64  # candidates looked at per step: the next ones in aisle order (keeps it O(n))


@dataclass(frozen=True, slots=True)
class Candidate:
    key: int  # fulfillment order id
    stops: tuple[tuple[int, int], ...]  # (aisle index, bay) of each pick


def _centre(c: Candidate) -> float:
    return sum(b for _, b in c.stops) / len(c.stops) if c.stops else 0.0


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A candidate with what the greedy step asks of it worked out once."""

    candidate: Candidate
    aisles: frozenset[int]
    centre: float
    order: tuple[int, int, int]  # first aisle, deepest bay (negated), key


def _prepared(c: Candidate) -> _Prepared:
    return _Prepared(c, frozenset(a for a, _ in c.stops), _centre(c),
                     (min((a for a, _ in c.stops), default=0),
                      -max((b for _, b in c.stops), default=0), c.key))


def group(candidates: Sequence[Candidate], totes: int) -> list[list[int]]:
    """Batches of at most ``totes`` orders, covering every candidate exactly once."""
    if totes < 1:
        raise ValueError("a cart needs at least one tote")
    left = sorted((_prepared(c) for c in candidates), key=lambda p: p.order)
    batches: list[list[int]] = []
    while left:
        seed = left.pop(0)
        batch, aisles, centres = [seed.candidate.key], set(seed.aisles), seed.centre
        while len(batch) < totes and left:
            best = _best(left, aisles, centres / len(batch))
            chosen = left.pop(best)
            batch.append(chosen.candidate.key)
            aisles |= chosen.aisles
            centres += chosen.centre
        batches.append(batch)
    return batches


def _best(left: list[_Prepared], aisles: set[int], centre: float) -> int:
    """Index of the cheapest of the next WINDOW candidates: fewest new aisles, then the
    closest bays, then the oldest (the first such)."""
    first = left[0]
    best, best_new = 0, len(first.aisles - aisles)
    best_far, best_key = abs(first.centre - centre), first.candidate.key
    for i in range(1, min(len(left), WINDOW)):
        p = left[i]
        new = len(p.aisles - aisles)
        if new > best_new:
            continue
        far = abs(p.centre - centre)
        if new < best_new or far < best_far or (far == best_far and p.candidate.key < best_key):
            best, best_new, best_far, best_key = i, new, far, p.candidate.key
    return best
