"""What a shop without cartonization does, for the benchmark to compare against.

**Volume only.** Take the smallest box (by inner volume) whose volume is at least the items'
total volume, that can carry their weight and that each item fits on its own. At the packing
table the items may still not go in (shapes do not add up like volumes): then the next bigger
box is tried, and so on. If no box holds everything, the order is split: the largest box that
takes the biggest remaining item is filled as far as it goes, and the rest starts over. Shipping
cost plays no part in the choice; it is priced afterwards with the same cost model.

Whether items "go in" is decided by the same placement engine cartonization uses (a person at
the table would find a way at least as often), so the difference measured is the choice of
boxes, not the skill of packing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from backroom.fulfillment.packing.construct import Order, could_fit, fill, pack_together
from backroom.fulfillment.packing.costs import DEFAULT_RATE
from backroom.fulfillment.packing.engine import Container, settle
from backroom.fulfillment.packing.errors import NoShippablePacking, check_input
from backroom.fulfillment.packing.model import Box, Item, Packing, Placement, ShipCost

PackFn = Callable[[int, list[int]], Container | None]  # (box type, refs) → packed or None


def volume_only(items: Sequence[Item], boxes: Sequence[Box], *,
                ship_cost: ShipCost | None = None, rotate: bool = True) -> Packing:
    """The packing a volume-only shop ends up with (see the module's rule), priced."""
    check_input(items, boxes, rotate=rotate)
    order = Order.of(items, rotate)

    def pack(tag: int, refs: list[int]) -> Container | None:
        box = boxes[tag]
        return pack_together(order, refs, box.inner, box.max_weight_g, tag=tag)[0]

    return priced(order, boxes, volume_rule(order, boxes, pack), ship_cost or DEFAULT_RATE)


def volume_rule(order: Order, boxes: Sequence[Box], pack: PackFn) -> list[Container]:
    """The cartons of the volume-only rule; ``pack`` tries to put refs into one box type."""
    by_volume = sorted(range(len(boxes)), key=lambda t: (boxes[t].volume, t))
    remaining = list(range(len(order.items)))
    cartons: list[Container] = []
    while remaining:
        whole = next((packed for tag in by_volume
                      if could_fit(order, remaining, boxes[tag].inner, boxes[tag].max_weight_g)
                      and (packed := pack(tag, remaining)) is not None), None)
        if whole is not None:
            cartons.append(whole)
            break
        part = _fill_largest(order, remaining, boxes, by_volume)
        cartons.append(part)
        taken = set(part.refs())
        remaining = [r for r in remaining if r not in taken]
    return cartons


def _fill_largest(order: Order, refs: list[int], boxes: Sequence[Box],
                  by_volume: list[int]) -> Container:
    sequence = sorted(refs, key=lambda r: (-order.volumes[r], r))
    for tag in reversed(by_volume):
        box = boxes[tag]
        if not could_fit(order, sequence[:1], box.inner, box.max_weight_g):
            continue
        carton = order.container(box.inner, box.max_weight_g, tag)
        for ref in sequence:  # as many as go in, biggest first
            fill(order, [ref], [carton], lambda _ref: None, False)
        return carton
    raise AssertionError("check_input guarantees a box for every item")


def priced(order: Order, boxes: Sequence[Box], cartons: Sequence[Container],
           ship_cost: ShipCost) -> Packing:
    """A ``Packing`` of engine containers (``tag`` = index into ``boxes``), priced."""
    used = tuple(boxes[c.tag] for c in cartons)
    placements = tuple(
        Placement(order.items[ref], index, x, y, z, dx, dy, dz)
        for index, carton in enumerate(cartons)
        for ref, x, y, z, dx, dy, dz in settle(carton.placed))
    box_cost = sum(b.cost for b in used)
    parcels = [boxes[c.tag].parcel(c.weight_g) for c in cartons]
    shipping = ship_cost(parcels)
    if shipping is None:
        raise NoShippablePacking.single("items", len(order.items),
                                        "no service can carry these parcels")
    return Packing(used, placements, box_cost, shipping)
