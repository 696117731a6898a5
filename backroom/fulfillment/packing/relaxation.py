"""A stronger lower bound: a relaxation of the bin count problem solved exactly by CP-SAT.

Assign items to ``k`` boxes so that in every box (all valid for fixed orientation):

- the items' volume fits the box;
- items longer than half the box along an axis all overlap along it, so their faces on the
  other two axes must fit side by side: the sum of those areas fits the box's face;
- items longer than half along two axes must stack along the third: their sides there add up
  to at most the box's;
- two items that cannot share a box (``bounds.incompatible``) are in different boxes.

Every real packing satisfies these, so when CP-SAT proves that no assignment to ``k`` boxes
exists, at least ``k + 1`` boxes are needed. ``relaxation_bound`` raises the simple bound one
box at a time while such proofs come within the time limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backroom.fulfillment.packing.bounds import incompatible, lower_bound
from backroom.fulfillment.packing.model import Box, Dims, Item


def relaxation_bound(items: Sequence[Item], box: Box, *, seconds: float = 2.0,
                     ceiling: int | None = None) -> int:
    """A proven lower bound for fixed orientation (never above ``ceiling``, e.g. the number of
    boxes a packing already uses: no proof is sought at or beyond it)."""
    bound = lower_bound(items, box)
    while ceiling is None or bound < ceiling:
        if not _infeasible([i.dims for i in items], box.inner, bound, seconds):
            break
        bound += 1
    return bound


def _infeasible(dims: list[Dims], inner: Dims, k: int, seconds: float) -> bool:
    from ortools.sat.python import cp_model

    model, _ = assignment_model(dims, inner, k)
    return bool(solver_for(seconds).solve(model) == cp_model.INFEASIBLE)


def assignment_model(dims: list[Dims], inner: Dims, k: int, cuts: Sequence[Sequence[int]] = (),
                     weights: tuple[Sequence[int], int] | None = None
                     ) -> tuple[Any, list[list[Any]]]:
    """The relaxation for ``k`` boxes as a CP-SAT model, and its variables ``x[item][box]``.
    Each of ``cuts`` is a set of items that may not all share a box; ``weights`` (the items'
    grams and a box's limit) adds the weight limit."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    n = len(dims)
    by_volume = sorted(range(n), key=lambda i: -dims[i][0] * dims[i][1] * dims[i][2])
    x = [[model.new_bool_var(f"x{i}_{b}") for b in range(k)] for i in range(n)]
    for rank, i in enumerate(by_volume):
        model.add_exactly_one(x[i])
        for b in range(rank + 1, k):  # symmetry: the r-th largest item is in one of boxes 0..r
            model.add(x[i][b] == 0)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
             if incompatible(dims[i], dims[j], inner)]
    for b in range(k):
        _box_constraints(model, [row[b] for row in x], dims, inner)
        for i, j in pairs:
            model.add_bool_or([x[i][b].negated(), x[j][b].negated()])
        for cut in cuts:
            model.add(sum(x[i][b] for i in cut) <= len(cut) - 1)
        if weights is not None:
            grams, limit = weights
            model.add(sum(grams[i] * x[i][b] for i in range(n)) <= limit)
    return model, x


def solver_for(seconds: float) -> Any:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = 2
    return solver


def _box_constraints(model: Any, inside: list[Any], dims: list[Dims], inner: Dims) -> None:
    n = len(dims)
    length, width, height = inner
    model.add(sum(dims[i][0] * dims[i][1] * dims[i][2] * inside[i] for i in range(n))
              <= length * width * height)
    for axis in range(3):
        a, b = [k for k in range(3) if k != axis]
        long_here = [i for i in range(n) if 2 * dims[i][axis] > inner[axis]]
        if len(long_here) > 1:
            model.add(sum(dims[i][a] * dims[i][b] * inside[i] for i in long_here)
                      <= inner[a] * inner[b])
        stacked = [i for i in range(n)
                   if 2 * dims[i][a] > inner[a] and 2 * dims[i][b] > inner[b]]
        if len(stacked) > 1:
            model.add(sum(dims[i][axis] * inside[i] for i in stacked) <= inner[axis])
