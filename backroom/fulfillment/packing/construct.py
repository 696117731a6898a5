"""Constructive packing: items in a chosen order, each to the best spot of the first open box
that takes it, a new box when none does. Several orders and both placement rules are tried,
because which one wins depends on the items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backroom.fulfillment.packing.engine import Container
from backroom.fulfillment.packing.model import Dims, Item

Opener = Callable[[int], Container | None]  # a new box for item ``ref``, or None: give up


@dataclass(frozen=True, slots=True)
class Order:
    """The items of one problem as the engine sees them, addressed by index ("ref")."""

    items: tuple[Item, ...]
    options: tuple[tuple[Dims, ...], ...]
    weights: tuple[int, ...]
    volumes: tuple[int, ...]
    min_side: int  # the thinnest side of any item: thinner spaces are useless
    min_volume: int  # the smallest item: smaller spaces are useless

    @classmethod
    def of(cls, items: Sequence[Item], rotate: bool) -> Order:
        options = tuple(item.orientations(rotate) for item in items)
        return cls(tuple(items), options, tuple(i.weight_g for i in items),
                   tuple(i.volume for i in items),
                   min((min(i.dims) for i in items), default=1),
                   min((i.volume for i in items), default=1))

    def container(self, dims: Dims, capacity_g: int, tag: int = 0) -> Container:
        return Container(dims, capacity_g, min_side=self.min_side, min_volume=self.min_volume,
                         tag=tag)

    def fits(self, ref: int, dims: Dims) -> bool:
        length, width, height = dims
        return any(a <= length and b <= width and c <= height for a, b, c in self.options[ref])


def _by_volume(o: Order, r: int) -> tuple[int, ...]:
    return (-o.volumes[r], -max(o.items[r].dims), r)


def _by_longest(o: Order, r: int) -> tuple[int, ...]:
    return (-max(o.items[r].dims), -o.volumes[r], r)


def _by_height(o: Order, r: int) -> tuple[int, ...]:
    item = o.items[r]
    return (-item.height_mm, -item.length_mm * item.width_mm, r)


def _by_thickness(o: Order, r: int) -> tuple[int, ...]:
    return (-min(o.items[r].dims), -o.volumes[r], r)


SORTS: tuple[Callable[[Order, int], tuple[int, ...]], ...] = (
    _by_volume, _by_longest, _by_height, _by_thickness)
RULES = (False, True)  # corners=False (back-bottom-left), corners=True (nearest corner)


def strategies(order: Order, refs: Sequence[int]) -> list[tuple[list[int], bool]]:
    """Distinct (item order, rule) pairs worth trying, the usually best first."""
    seen: set[tuple[int, ...]] = set()
    sequences = []
    for sort in SORTS:
        seq = sorted(refs, key=lambda r, s=sort: s(order, r))  # type: ignore[misc]
        if tuple(seq) not in seen:
            seen.add(tuple(seq))
            sequences.append(seq)
    return [(seq, rule) for rule in RULES for seq in sequences]


def fill(order: Order, sequence: Sequence[int], containers: list[Container], opener: Opener,
         corners: bool) -> bool:
    """Put each item into the first of ``containers`` with room (opening more with
    ``opener``); False as soon as an item fits nowhere."""
    options, weights, volumes = order.options, order.weights, order.volumes
    for ref in sequence:
        for container in containers:
            spot = container.find(options[ref], weights[ref], volumes[ref], corners)
            if spot is not None:
                container.put(ref, spot, weights[ref])
                break
        else:
            fresh = opener(ref)
            if fresh is None:
                return False
            spot = fresh.find(options[ref], weights[ref], volumes[ref], corners)
            if spot is None:
                return False
            fresh.put(ref, spot, weights[ref])
            containers.append(fresh)
    return True


def could_fit(order: Order, refs: Sequence[int], dims: Dims, capacity_g: int) -> bool:
    """Cheap necessary conditions: volume, weight and every item on its own."""
    length, width, height = dims
    if sum(order.volumes[r] for r in refs) > length * width * height:
        return False
    if sum(order.weights[r] for r in refs) > capacity_g:
        return False
    return all(order.fits(r, dims) for r in refs)


def pack_together(order: Order, refs: Sequence[int], dims: Dims, capacity_g: int, *,
                  tag: int = 0) -> tuple[Container | None, int]:
    """All of ``refs`` in one box of ``dims``: the container, or None, and the attempts spent
    (every strategy for up to 12 items, the first four beyond)."""
    if not could_fit(order, refs, dims, capacity_g):
        return None, 0
    return pack_fitting(order, refs, dims, capacity_g, tag=tag)


def pack_fitting(order: Order, refs: Sequence[int], dims: Dims, capacity_g: int, *,
                 tag: int = 0, plans: list[tuple[list[int], bool]] | None = None
                 ) -> tuple[Container | None, int]:
    """``pack_together`` for refs that ``could_fit``; ``plans``: their ``strategies``."""
    spent = 0
    plans = strategies(order, refs) if plans is None else plans
    for sequence, corners in plans[:8 if len(refs) <= 12 else 4]:
        spent += 1
        box = order.container(dims, capacity_g, tag)
        if fill(order, sequence, [box], lambda _ref: None, corners):
            return box, spent
    return None, spent
