"""Relaxation-guided repacking: one box fewer, found by assigning first and packing second.

CP-SAT assigns the items to ``k`` boxes subject to the relaxation of ``relaxation`` (volume,
faces side by side, stacking, incompatible pairs); each box's items are then packed by the
placement engine. A box whose items do not go in yields a *cut*: that set (shrunk, smallest
items first, while it still fails) may not share a box again, and CP-SAT assigns anew. Because
the packer is a heuristic a cut may exclude a set that would fit, so a failure here proves
nothing; a success is a verified packing into ``k`` boxes. Fixed orientation only.
"""

from __future__ import annotations

import random
import time

from backroom.fulfillment.packing.construct import Order, fill, pack_together
from backroom.fulfillment.packing.engine import Container
from backroom.fulfillment.packing.model import Box
from backroom.fulfillment.packing.relaxation import assignment_model, solver_for


def repack_into(order: Order, box: Box, k: int, deadline: float,
                rng: random.Random) -> list[Container] | None:
    """``k`` packed boxes holding every item, or None when none was found by ``deadline``
    (``time.process_time``)."""
    from ortools.sat.python import cp_model

    dims = [item.dims for item in order.items]
    cuts: list[list[int]] = []
    while time.process_time() < deadline:
        model, x = assignment_model(dims, box.inner, k, cuts,
                                    (order.weights, box.max_weight_g))
        solver = solver_for((deadline - time.process_time()) / 2)  # two worker threads
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        groups = [[i for i in range(len(dims)) if solver.value(x[i][b])] for b in range(k)]
        packed = []
        for group in filter(None, groups):
            one = _one_box(order, box, group, rng)
            if one is None:
                cuts.append(_shrunk(order, box, group, rng))
            else:
                packed.append(one)
        if len(packed) == len([g for g in groups if g]):
            return packed
    return None


def _one_box(order: Order, box: Box, refs: list[int], rng: random.Random,
             extra: int = 4) -> Container | None:
    """``refs`` in one box: every strategy, then ``extra`` shuffled orders."""
    packed, _ = pack_together(order, refs, box.inner, box.max_weight_g)
    if packed is not None:
        return packed
    for attempt in range(extra):
        sequence = sorted(refs, key=lambda r: -order.volumes[r] * (0.6 + 0.8 * rng.random()))
        bins: list[Container] = []
        opened = fill(order, sequence, bins,
                      lambda _r: order.container(box.inner, box.max_weight_g), attempt % 2 == 0)
        if opened and len(bins) == 1:
            return bins[0]
    return None


def _shrunk(order: Order, box: Box, refs: list[int], rng: random.Random) -> list[int]:
    """A smaller set that still does not go into one box (smallest items dropped first)."""
    failing = list(refs)
    for ref in sorted(refs, key=lambda r: order.volumes[r]):
        fewer = [r for r in failing if r != ref]
        if len(fewer) >= 2 and _one_box(order, box, fewer, rng, extra=1) is None:
            failing = fewer
    return failing
