"""Lower bounds on the number of identical boxes: how far from optimal a packing can be.

- **L0** (volume): the items' total volume over one box's volume, rounded up.
- **L1** (Martello, Pisinger & Vigo 2000): items longer than half the box along two axes
  overlap in those two, so they must stack along the third; the Martello–Toth bound of that
  one-dimensional problem, best of the three axes.
- **Clique**: items that cannot share a box (on every axis the two together are longer than
  the box) need a box each; any set of pairwise incompatible items is a bound.

L1 and the clique bound assume fixed orientation (the benchmark's rule); with rotation only L0
is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backroom.fulfillment.packing.model import Box, Dims, Item


@dataclass(frozen=True, slots=True)
class Bounds:
    l0: int
    l1: int
    clique: int

    @property
    def best(self) -> int:
        return max(self.l0, self.l1, self.clique)


def bounds(items: Sequence[Item], box: Box, *, rotate: bool = False) -> Bounds:
    l0 = -(-sum(i.volume for i in items) // box.volume) if items else 0
    if rotate:
        return Bounds(l0, 0, 0)
    dims = [i.dims for i in items]
    return Bounds(l0, _l1(dims, box.inner), len(_clique(dims, box.inner)))


def lower_bound(items: Sequence[Item], box: Box, *, rotate: bool = False) -> int:
    return bounds(items, box, rotate=rotate).best


def _l1(dims: list[Dims], inner: Dims) -> int:
    best = 0
    for axis in range(3):
        a, b = [k for k in range(3) if k != axis]
        stacked = [d[axis] for d in dims if 2 * d[a] > inner[a] and 2 * d[b] > inner[b]]
        best = max(best, martello_toth(stacked, inner[axis]))
    return best


def martello_toth(sizes: Sequence[int], capacity: int) -> int:
    """Martello & Toth's bound L2 for one-dimensional bin packing of ``sizes``."""
    if not sizes:
        return 0
    best = -(-sum(sizes) // capacity)
    for alpha in sorted({0, *(s for s in sizes if 2 * s <= capacity)}):
        large = [s for s in sizes if s > capacity - alpha]
        middle = [s for s in sizes if capacity - alpha >= s and 2 * s > capacity]
        small = [s for s in sizes if alpha <= s and 2 * s <= capacity]
        room = len(middle) * capacity - sum(middle)
        extra = max(0, -(-(sum(small) - room) // capacity))
        best = max(best, len(large) + len(middle) + extra)
    return best


def incompatible(a: Dims, b: Dims, inner: Dims) -> bool:
    """Two items that cannot lie side by side along any axis of the box."""
    return all(x + y > limit for x, y, limit in zip(a, b, inner, strict=True))


def _clique(dims: list[Dims], inner: Dims, budget: int = 20_000) -> list[int]:
    """A largest set of pairwise incompatible items found within ``budget`` search nodes
    (any such set is a valid bound, so stopping early is safe)."""
    n = len(dims)
    adjacent = [{j for j in range(n) if j != i and incompatible(dims[i], dims[j], inner)}
                for i in range(n)]
    best: list[int] = []
    nodes = 0

    def grow(chosen: list[int], candidates: list[int]) -> None:
        nonlocal best, nodes
        nodes += 1
        if len(chosen) > len(best):
            best = chosen
        for k, v in enumerate(candidates):
            if nodes > budget or len(chosen) + len(candidates) - k <= len(best):
                return
            grow([*chosen, v], [u for u in candidates[k + 1:] if u in adjacent[v]])

    grow([], sorted(range(n), key=lambda v: -len(adjacent[v])))
    return best
