"""Checking a packing from first principles, independent of how it was found.

Every item of the order is placed exactly once, inside its box, lying in an allowed orientation,
no two items in a box overlap, and no box carries more than its maximum weight. The tests run
it on every packing they get, and the benchmark on every packing of every packer it compares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from backroom.fulfillment.packing.model import Box, Item, Packing, Placement


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule. ``kind``: missing, extra, bad_box, outside, orientation, overlap or
    overweight."""

    kind: str
    message: str


def verify(packing: Packing, items: Sequence[Item], *, rotate: bool = True) -> list[Violation]:
    """Every rule ``packing`` breaks for the order ``items`` (empty when it is valid)."""
    return verify_placements(packing.boxes, packing.placements, items, rotate=rotate)


def verify_placements(boxes: Sequence[Box], placements: Sequence[Placement],
                      items: Sequence[Item], *, rotate: bool = True) -> list[Violation]:
    """Like ``verify`` for bare boxes and placements (as another packer returns them)."""
    found = _count_items(placements, items)
    per_box: list[list[Placement]] = [[] for _ in boxes]
    for p in placements:
        if not 0 <= p.box < len(boxes):
            found.append(Violation("bad_box", f"{p.item.sku} is in box #{p.box}, which does "
                                              f"not exist ({len(boxes)} boxes)"))
            continue
        per_box[p.box].append(p)
        found.extend(_check_one(p, boxes[p.box], rotate))
    for index, (box, inside) in enumerate(zip(boxes, per_box, strict=True)):
        found.extend(_overlaps(index, inside))
        weight = sum(p.item.weight_g for p in inside)
        if weight > box.max_weight_g:
            found.append(Violation("overweight", f"box #{index} ({box.code}) holds {weight} g, "
                                                 f"more than its {box.max_weight_g} g"))
    return found


def _count_items(placements: Sequence[Placement], items: Sequence[Item]) -> list[Violation]:
    wanted = Counter(items)
    placed = Counter(p.item for p in placements)
    found = []
    for item, count in wanted.items():
        if placed[item] < count:
            found.append(Violation("missing", f"{item.describe()} is placed {placed[item]} "
                                              f"times, the order has {count}"))
    for item, count in placed.items():
        if count > wanted[item]:
            found.append(Violation("extra", f"{item.describe()} is placed {count} times, the "
                                            f"order has {wanted[item]}"))
    return found


def _check_one(p: Placement, box: Box, rotate: bool) -> list[Violation]:
    found = []
    if p.x_mm < 0 or p.y_mm < 0 or p.z_mm < 0 or any(
            end > limit for end, limit in zip(p.far, box.inner, strict=True)):
        found.append(Violation("outside", f"{p.item.sku} at ({p.x_mm}, {p.y_mm}, {p.z_mm}) "
                                          f"sticks out of box #{p.box} ({box.code})"))
    lying = (p.length_mm, p.width_mm, p.height_mm)
    if lying not in p.item.orientations(rotate):
        rule = "as given" if not rotate else (
            "upright (this side up)" if not p.item.can_rotate else "a turn of its sides")
        found.append(Violation("orientation", f"{p.item.sku} lies {lying}, which is not "
                                              f"{rule} of {p.item.dims}"))
    return found


def _overlaps(index: int, inside: list[Placement]) -> list[Violation]:
    found = []
    ordered = sorted(inside, key=lambda p: p.x_mm)
    for i, a in enumerate(ordered):
        ax1, ay1, az1 = a.far
        for b in ordered[i + 1:]:
            if b.x_mm >= ax1:
                break  # sorted by x: nothing further can overlap ``a``
            _, by1, bz1 = b.far
            if b.y_mm < ay1 and a.y_mm < by1 and b.z_mm < az1 and a.z_mm < bz1:
                found.append(Violation("overlap", f"{a.item.sku} and {b.item.sku} overlap in "
                                                  f"box #{index}"))
    return found
