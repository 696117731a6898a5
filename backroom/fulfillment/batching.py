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


def _cost(aisles: set[int], bays: float, c: Candidate) -> tuple[int, float, int]:
    new = len({a for a, _ in c.stops} - aisles)
    return (new, abs(_centre(c) - bays), c.key)


def group(candidates: Sequence[Candidate], totes: int) -> list[list[int]]:
    """Batches of at most ``totes`` orders, covering every candidate exactly once."""
    if totes < 1:
        raise ValueError("a cart needs at least one tote")
    left = sorted(candidates, key=lambda c: (min((a for a, _ in c.stops), default=0),
                                             -max((b for _, b in c.stops), default=0), c.key))
    batches: list[list[int]] = []
    while left:
        seed = left.pop(0)
        batch, aisles = [seed], {a for a, _ in seed.stops}
        while len(batch) < totes and left:
            centre = sum(_centre(c) for c in batch) / len(batch)
            window = range(min(len(left), WINDOW))
            best = min(window, key=lambda i: _cost(aisles, centre, left[i]))
            chosen = left.pop(best)
            batch.append(chosen)
            aisles |= {a for a, _ in chosen.stops}
        batches.append([c.key for c in batch])
    return batches
