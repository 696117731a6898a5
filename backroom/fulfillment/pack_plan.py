"""Choosing the cartons of fulfillment orders: the one place proposals are made, for one
order (``packing_service.propose_cartons``) or many (``pack_batch``).

A ``Planner`` lives for one call. It prices parcels on the carriers' rate cards in the box
catalog's currency, for the order's route and promise (``packing.ratecache``: a price is
quoted once per batch however many orders need it), falling back to ``DEFAULT_RATE`` when the
rate cards cannot be used (no carrier in that currency, a warehouse without an address) or
carry none of the packings found. Orders with the same units in the same order on routes the
rate cards price alike get the same proposal, so it is made once.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from backroom.core import clock
from backroom.core.errors import BackroomError, Problem, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import boxes as box_catalog
from backroom.fulfillment.packing import (
    DEFAULT_RATE,
    Box,
    CartonizeMemo,
    Item,
    NoShippablePacking,
    Packing,
    ShipCost,
    cartonize,
)
from backroom.fulfillment.packing.ratecache import RateCache
from backroom.fulfillment.tables import BOXES
from backroom.shipping.rating import model as rating
from backroom.shipping.rating import services as rating_services

_DEFAULT: Hashable = ("default_rate",)


@dataclass(frozen=True, slots=True)
class Route:
    """What a proposal depends on besides the units: where from, where to, by when."""

    warehouse: str
    country: str
    postal_code: str
    promised_date: date | None


@dataclass(frozen=True, slots=True)
class Catalog:
    boxes: tuple[Box, ...]
    currency: str
    ids: dict[str, int]  # box code -> id


def items_of(lines: Sequence[Any]) -> list[Item]:
    """One ``Item`` per unit still to pack (lines in order); every missing size or weight is
    reported. ``lines`` carry ``sku``, ``qty_picked``, ``qty_packed``, sizes and weight."""
    problems = [Problem("sku", "has no size or weight in the catalog (length_mm, width_mm, "
                               "height_mm and weight_g are needed to choose boxes)", r.sku)
                for r in lines if r.qty_picked > r.qty_packed
                and None in (r.length_mm, r.width_mm, r.height_mm, r.weight_g)]
    if problems:
        raise ValidationFailed.of(problems)
    return [Item(r.sku, r.length_mm, r.width_mm, r.height_mm, r.weight_g)
            for r in lines for _ in range(r.qty_picked - r.qty_packed)]


class Planner:
    """Proposals for the fulfillment orders of one call (see the module docstring)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.ready_at = clock.now()  # when every quote of the call takes the parcels as ready
        self._rates: dict[str, RateCache | None] = {}
        self._origins: dict[str, rating.Address | None] = {}
        self._boxes: tuple[Box, ...] | None = None
        self._memo: dict[tuple[tuple[str, Hashable], tuple[Item, ...]],
                         tuple[Packing, str]] = {}
        self._prices: dict[tuple[str, Hashable], CartonizeMemo] = {}  # per currency, cost key

    def catalog(self, conn: Connection) -> Catalog:
        """The active boxes (``ValidationFailed`` if their costs mix currencies)."""
        boxes, currency = box_catalog.catalog_for_packing(conn)
        ids = {r.code: r.id for r in conn.execute(select(BOXES.c.code, BOXES.c.id))}
        if tuple(boxes) != self._boxes:
            self._boxes, self._memo, self._prices = tuple(boxes), {}, {}
        return Catalog(tuple(boxes), currency, ids)

    def propose(self, route: Route, items: list[Item], catalog: Catalog) -> tuple[Packing, str]:
        """The cheapest packing found for ``items`` and the cost model it was priced with
        (``rate_cards`` or ``default_rate``). Raises what ``cartonize`` raises."""
        cost, key, model = self._ship_cost(route, catalog.currency)
        memo_key = ((catalog.currency, key), tuple(items))
        found = self._memo.get(memo_key)
        if found is None:
            memo, fallback = (self._prices.setdefault((catalog.currency, k), CartonizeMemo())
                              for k in (key, _DEFAULT))
            found = self._memo[memo_key] = _cartonize(items, list(catalog.boxes), cost, model,
                                                      memo, fallback)
        return found

    def _ship_cost(self, route: Route, currency: str) -> tuple[ShipCost, Hashable, str]:
        rates = self._rate_cache(currency)
        origin = self._origin(route.warehouse) if rates is not None else None
        if rates is None or origin is None:
            return DEFAULT_RATE, _DEFAULT, "default_rate"
        destination = rating.Address(route.country, route.postal_code, True)
        cost, key = rates.ship_cost(origin, destination, route.promised_date)
        return cost, key, "rate_cards"

    def _rate_cache(self, currency: str) -> RateCache | None:
        """The rate cards in the boxes' currency, or None (rate cards that do not load)."""
        if currency not in self._rates:
            try:
                codes = [c.code for c in rating_services.carriers() if c.currency == currency]
                self._rates[currency] = RateCache(codes, ready_at=self.ready_at) if codes \
                    else None
            except BackroomError:
                self._rates[currency] = None
        return self._rates[currency]

    def _origin(self, warehouse: str) -> rating.Address | None:
        """The warehouse's ship-from address, or None (no address to ship from)."""
        if warehouse not in self._origins:
            try:
                self._origins[warehouse] = rating_services.warehouse_address(self.uow, warehouse)
            except BackroomError:
                self._origins[warehouse] = None
        return self._origins[warehouse]


def _cartonize(items: list[Item], boxes: list[Box], cost: ShipCost, model: str,
               memo: CartonizeMemo, fallback: CartonizeMemo) -> tuple[Packing, str]:
    try:
        return cartonize(items, boxes, ship_cost=cost, memo=memo), model
    except NoShippablePacking:  # no carrier quotes these parcels: still propose boxes
        return cartonize(items, boxes, memo=fallback), "default_rate"


@dataclass(frozen=True, slots=True)
class Proposal:
    """A fulfillment order's cartons as proposed, numbered from ``first``."""

    fo_id: int
    packing: Packing
    first: int
    currency: str
    model: str

    def cartons(self) -> list[tuple[int, Box, dict[str, int], int]]:
        """Per carton: its number, box, units per SKU (in placement order) and gross weight."""
        out = []
        for i, box in enumerate(self.packing.boxes):
            skus: dict[str, int] = {}
            grams = box.tare_g
            for p in self.packing.contents(i):
                skus[p.item.sku] = skus.get(p.item.sku, 0) + 1
                grams += p.item.weight_g
            out.append((self.first + i, box, skus, grams))
        return out

    def view(self) -> dict[str, Any]:
        """As the services answer it: each carton with its box, weights, the units per SKU
        and where each goes, and the costs."""
        packing, cartons = self.packing, []
        for i, (number, box, skus, grams) in enumerate(self.cartons()):
            inside = packing.contents(i)
            cartons.append({
                "carton_no": number, "box": box.code, "inner_mm": list(box.inner),
                "outer_mm": list(box.outer), "box_cost_minor": box.cost,
                "contents_g": grams - box.tare_g, "weight_g": grams,
                "max_weight_g": box.max_weight_g, "fill": round(packing.fill(i), 3),
                "items": [{"sku": s, "qty": n} for s, n in skus.items()],
                "placements": [{"sku": p.item.sku, "x_mm": p.x_mm, "y_mm": p.y_mm,
                                "z_mm": p.z_mm, "length_mm": p.length_mm,
                                "width_mm": p.width_mm, "height_mm": p.height_mm}
                               for p in inside]})
        return {"fulfillment_order_id": self.fo_id, "cartons": cartons,
                "currency": self.currency, "box_cost_minor": packing.box_cost,
                "shipping_cost_minor": packing.shipping_cost, "total_minor": packing.total,
                "ship_cost_model": self.model}

    def brief(self) -> dict[str, Any]:
        """The cartons (number, box, weight, units per SKU) and the total, no placements."""
        return {"fulfillment_order_id": self.fo_id,
                "cartons": [{"carton_no": n, "box": box.code, "weight_g": grams,
                             "items": [{"sku": s, "qty": q} for s, q in skus.items()]}
                            for n, box, skus, grams in self.cartons()],
                "currency": self.currency, "total_minor": self.packing.total,
                "ship_cost_model": self.model}
