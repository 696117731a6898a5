"""Cartonization: which of the merchant's boxes to use for an order, and what goes where.

The objective is money, not volume: the cost of the boxes plus the billed shipping of the
parcels they make (``ShipCost``: by default a dimensional-weight tariff, in fulfillment the
carriers' rate cards). A box bigger than needed costs more to ship even when the box itself is
cheap, and two small parcels can be cheaper than one big one.

The search, on a fixed budget of packing attempts so an order of 20 items takes milliseconds:

1. the cheapest single box that holds everything (boxes tried in order of box + shipping cost
   for the order's weight, the first that packs wins);
2. the volume-only rule (``baselines``), so the answer is never dearer than that;
3. every box type as the *main* box: fill boxes of that type one after another, then *shrink*
   each carton to the cheapest box its contents fit, and *merge* pairs of cartons whose
   contents fit one box when that is cheaper;
4. *split* the best single-box answer in two balanced halves, each in its cheapest box;
5. *relocate* single items of the best answer to another carton or a box of their own while
   that lowers the total.

The cheapest packing found is returned; the tests and the benchmark verify every one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backroom.fulfillment.packing.baselines import volume_rule
from backroom.fulfillment.packing.construct import Order, fill, pack_fitting, strategies
from backroom.fulfillment.packing.costs import DEFAULT_RATE
from backroom.fulfillment.packing.engine import Container, settle
from backroom.fulfillment.packing.errors import NoShippablePacking, check_input
from backroom.fulfillment.packing.model import (
    Box,
    Dims,
    Item,
    Packing,
    Parcel,
    Placement,
    ShipCost,
)

DEFAULT_EFFORT = 120  # packing attempts per order; each is one fill of a box
_MISSING: Any = object()


class CartonizeMemo:
    """What ``cartonize`` may keep from one call to the next while the boxes and the shipping
    cost stay the same (a batch of orders on routes the rate cards price alike): the price of
    each parcel set, and the boxes each item fits on its own. One memo per boxes and cost
    function; sharing one between different ones gives wrong answers."""

    __slots__ = ("fits", "prices")

    def __init__(self) -> None:
        self.prices: dict[tuple[Parcel, ...], int | None] = {}
        self.fits: dict[tuple[Item, bool], tuple[int, int]] = {}


def cartonize(items: Sequence[Item], boxes: Sequence[Box], *, ship_cost: ShipCost | None = None,
              rotate: bool = True, effort: int = DEFAULT_EFFORT,
              memo: CartonizeMemo | None = None) -> Packing:
    """The cheapest packing found for ``items`` in boxes of the catalog ``boxes``.

    ``ship_cost`` prices a list of parcels (default ``DEFAULT_RATE``); ``rotate=False`` keeps
    every item exactly as given; ``memo`` carries prices over from earlier calls with the same
    boxes and cost (the answer is the same with or without it). Raises ``ItemsFitNoBox``
    naming each item no box can hold, ``NoShippablePacking`` when ``ship_cost`` refuses every
    packing found."""
    check_input(items, boxes, rotate=rotate)
    if not items:
        return Packing((), (), 0, 0)
    search = _Search(Order.of(items, rotate), tuple(boxes), ship_cost or DEFAULT_RATE, effort,
                     memo or CartonizeMemo(), rotate)
    search.run()
    return search.result()


class _Search:
    def __init__(self, order: Order, boxes: tuple[Box, ...], ship: ShipCost, effort: int,
                 memo: CartonizeMemo, rotate: bool) -> None:
        self.order = order
        self.boxes = boxes
        self.ship = ship
        self.budget = effort
        self.everything = list(range(len(order.items)))
        self.packed: dict[tuple[int, tuple[int, ...]], Container | None] = {}
        self.prices = memo.prices
        # Per set of refs (sorted): weight, volume and the box types each item fits on its
        # own (bit ``tag``), which decide ``could_fit``; the boxes by cost; the strategies.
        self.sets: dict[tuple[int, ...], tuple[int, int, int]] = {}
        self.ranked: dict[tuple[int, ...], list[int]] = {}
        self.plans: dict[tuple[int, ...], list[tuple[list[int], bool]]] = {}
        # Bit ``tag`` of ``shape[ref]``: some orientation of the item fits inside box ``tag``;
        # of ``alone[ref]``: it could fit that box on its own (``could_fit``, weight too).
        self.shape: list[int] = []
        self.alone: list[int] = []
        for r, item in enumerate(order.items):
            fits = memo.fits.get((item, rotate))
            if fits is None:
                shape = _shape_mask(order.options[r], boxes)
                fits = memo.fits[(item, rotate)] = (shape, sum(
                    1 << t for t, box in enumerate(boxes) if shape >> t & 1
                    and order.volumes[r] <= box.volume and order.weights[r] <= box.max_weight_g))
            self.shape.append(fits[0])
            self.alone.append(fits[1])
        self.by_volume = sorted(self.everything, key=lambda r: (-order.volumes[r], r))
        self.outer = [(*box.outer, box.tare_g) for box in boxes]
        self.best: list[Container] | None = None
        self.best_cost: int | None = None

    # -- the search -------------------------------------------------------------------------
    def run(self) -> None:
        whole = self.cheapest_box(self.everything)
        if whole is not None:
            self.consider([whole])
        if len(self.everything) == 1:
            # One item: every other candidate is that item alone in some box, priced as
            # ``cheapest_box`` priced it, so none is cheaper than ``whole`` (ties keep it).
            return
        self.consider(volume_rule(self.order, self.boxes,  # never dearer than that rule
                                  lambda tag, refs: self.pack(tag, refs, force=True)))
        mains = sorted(range(len(self.boxes)), key=lambda t: -self.boxes[t].volume)
        for main in mains:
            cartons = self.fill_with(main)
            if cartons is None:
                continue
            cartons = self.merge(self.shrink(cartons))
            self.consider(cartons)
        if self.best is not None and len(self.best) == 1:
            self.split(self.best[0].refs())
        if self.best is not None:
            self.consider(self.relocate(self.best))

    def fill_with(self, main: int) -> list[Container] | None:
        """Boxes of type ``main`` one after another (another type for items it cannot take)."""
        bit = 1 << main
        if not any(mask & bit for mask in self.alone):
            return None
        if self.budget <= 0 and self.best is not None:
            return None
        self.budget -= 1
        cartons: list[Container] = []

        def opener(ref: int) -> Container | None:
            tag = main if self.alone[ref] & bit else self.cheapest_type_for(ref)
            if tag is None:
                return None
            chosen = self.boxes[tag]
            return self.order.container(chosen.inner, chosen.max_weight_g, tag)

        return cartons if fill(self.order, self.by_volume, cartons, opener, False) else None

    def shrink(self, cartons: list[Container]) -> list[Container]:
        """Each carton's contents into the cheapest box they fit, when that is cheaper."""
        out = []
        for carton in cartons:
            smaller = self.cheapest_box(carton.refs())
            now, then = self.price([carton]), None if smaller is None else self.price([smaller])
            better = then is not None and (now is None or then < now)
            out.append(smaller if better and smaller is not None else carton)
        return out

    def merge(self, cartons: list[Container]) -> list[Container]:
        """Put two cartons' contents into one box while that lowers the total."""
        current = self.price(cartons)
        improved = True
        while improved and len(cartons) > 1 and self.budget > 0:
            improved = False
            for i in range(len(cartons)):
                for j in range(i + 1, len(cartons)):
                    joined = self.cheapest_box(cartons[i].refs() + cartons[j].refs())
                    if joined is None:
                        continue
                    trial = [c for k, c in enumerate(cartons) if k not in (i, j)] + [joined]
                    cost = self.price(trial)
                    if cost is not None and (current is None or cost < current):
                        cartons, current, improved = trial, cost, True
                        break
                if improved:
                    break
        return cartons

    def relocate(self, cartons: list[Container]) -> list[Container]:
        """Move single items to another carton or a box of their own while that is cheaper."""
        current = self.price(cartons)
        improved = True
        while improved and self.budget > 0:
            improved = False
            for i, ref in self._movable(cartons):
                rest = [r for r in cartons[i].refs() if r != ref]
                left = self.cheapest_box(rest)
                if left is None:
                    continue
                others = [c for k, c in enumerate(cartons) if k != i]
                for j in range(len(others) + 1):
                    target = [*others[j].refs(), ref] if j < len(others) else [ref]
                    moved = self.cheapest_box(target)
                    if moved is None:
                        continue
                    trial = [c for k, c in enumerate(others) if k != j] + [left, moved]
                    cost = self.price(trial)
                    if cost is not None and (current is None or cost < current):
                        cartons, current, improved = trial, cost, True
                        break
                if improved:
                    break
        return cartons

    def _movable(self, cartons: list[Container]) -> list[tuple[int, int]]:
        """(carton, item) pairs, one item per distinct SKU and size, biggest items first."""
        pairs = []
        for i, carton in enumerate(cartons):
            if len(carton.placed) < 2:
                continue
            seen = set()
            for ref in sorted(carton.refs(), key=lambda r: (-self.order.volumes[r], r)):
                if self.order.items[ref] not in seen:
                    seen.add(self.order.items[ref])
                    pairs.append((i, ref))
        return pairs

    def split(self, refs: list[int]) -> None:
        """Two balanced halves (by volume), each in its cheapest box."""
        if len(refs) < 2:
            return
        halves: tuple[list[int], list[int]] = ([], [])
        loads = [0, 0]
        for ref in sorted(refs, key=lambda r: (-self.order.volumes[r], r)):
            side = 0 if loads[0] <= loads[1] else 1
            halves[side].append(ref)
            loads[side] += self.order.volumes[ref]
        first, second = self.cheapest_box(halves[0]), self.cheapest_box(halves[1])
        if first is not None and second is not None:
            self.consider([first, second])

    # -- building blocks --------------------------------------------------------------------
    def cheapest_box(self, refs: list[int]) -> Container | None:
        """The box of lowest box + shipping cost that ``refs`` fit in (None if none packs)."""
        for tag in self.ranking(refs):
            packed = self.pack(tag, refs)
            if packed is not None:
                return packed
        return None

    def ranking(self, refs: list[int]) -> list[int]:
        """The box types ``refs`` could fit (``could_fit``) whose parcel some service carries,
        by box + shipping cost, then type (computed once per set of refs)."""
        key = tuple(sorted(refs))
        found = self.ranked.get(key)
        if found is not None:
            return found
        weight, volume, shape = self.set_of(key)
        priced = []
        for tag, box in enumerate(self.boxes):
            if shape >> tag & 1 and volume <= box.volume and weight <= box.max_weight_g:
                length, width, height, tare = self.outer[tag]
                cost = self._price_parcels(((length, width, height, weight + tare),))
                if cost is not None:
                    priced.append((cost + box.cost, tag))
        found = self.ranked[key] = [tag for _, tag in sorted(priced)]
        return found

    def set_of(self, key: tuple[int, ...]) -> tuple[int, int, int]:
        found = self.sets.get(key)
        if found is None:
            order, shape = self.order, -1
            for r in key:
                shape &= self.shape[r]
            found = self.sets[key] = (sum(order.weights[r] for r in key),
                                      sum(order.volumes[r] for r in key), shape)
        return found

    def cheapest_type_for(self, ref: int) -> int | None:
        found = self.cheapest_box([ref])
        return None if found is None else found.tag

    def pack(self, tag: int, refs: list[int], force: bool = False) -> Container | None:
        """``refs`` in one box of type ``tag`` (cached); None when they do not go in or the
        budget is spent (unless ``force``)."""
        key = tuple(sorted(refs))
        found = self.packed.get((tag, key), _MISSING)
        if found is not _MISSING:
            return found
        if self.budget <= 0 and self.best is not None and not force:
            return None  # out of budget: not cached, so a later cheaper call may not be wrong
        box = self.boxes[tag]
        weight, volume, shape = self.set_of(key)
        packed: Container | None = None
        if shape >> tag & 1 and volume <= box.volume and weight <= box.max_weight_g:
            plans = self.plans.get(key)
            if plans is None:
                plans = self.plans[key] = strategies(self.order, refs)
            packed, spent = pack_fitting(self.order, refs, box.inner, box.max_weight_g,
                                         tag=tag, plans=plans)
            self.budget -= spent
        self.packed[(tag, key)] = packed
        return packed

    def price(self, cartons: list[Container]) -> int | None:
        outer = self.outer
        parcels = []
        boxes = 0
        for c in cartons:
            length, width, height, tare = outer[c.tag]
            parcels.append((length, width, height, c.weight_g + tare))
            boxes += self.boxes[c.tag].cost
        shipping = self._price_parcels(tuple(parcels) if len(parcels) == 1
                                       else tuple(sorted(parcels)))
        if shipping is None:
            return None
        return shipping + boxes

    def _price_parcels(self, key: tuple[Parcel, ...]) -> int | None:
        """The shipping of ``key``, parcels in sorted order (priced once)."""
        found = self.prices.get(key, _MISSING)
        if found is _MISSING:
            found = self.prices[key] = self.ship(list(key))
        return found

    def consider(self, cartons: list[Container]) -> None:
        cost = self.price(cartons)
        if cost is not None and (self.best_cost is None or cost < self.best_cost):
            self.best, self.best_cost = cartons, cost

    def result(self) -> Packing:
        if self.best is None:
            raise NoShippablePacking.single("items", len(self.order.items),
                                            "no service can carry any packing of these items")
        cartons = sorted(self.best, key=lambda c: (-self.boxes[c.tag].volume, c.tag))
        boxes = tuple(self.boxes[c.tag] for c in cartons)
        placements = [
            Placement(self.order.items[ref], index, x, y, z, dx, dy, dz)
            for index, carton in enumerate(cartons)
            for ref, x, y, z, dx, dy, dz in settle(carton.placed)]
        box_cost = sum(b.cost for b in boxes)
        total = self.price(cartons)
        assert total is not None
        return Packing(boxes, tuple(placements), box_cost, total - box_cost)


def _shape_mask(options: Sequence[Dims], boxes: Sequence[Box]) -> int:
    """Bit ``tag`` set when some orientation in ``options`` fits inside box ``tag``."""
    mask = 0
    for tag, box in enumerate(boxes):
        length, width, height = box.inner
        if any(a <= length and b <= width and c <= height for a, b, c in options):
            mask |= 1 << tag
    return mask
