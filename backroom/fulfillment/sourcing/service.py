"""Sourcing against the database: read what the pure strategies need, and keep the decision.

``plan_order`` only reads (warehouses, stock positions, safety stock, product sizes) and
quotes the rate cards; it reserves nothing. The caller reserves each assignment with the
inventory area's guarded reservation — that is the guard against a concurrent order taking the
same units — and then calls ``record_decision`` in the same transaction. ``Planner`` does the
same for many orders against one read of the stock (allocation's chunks); ``plan_order`` is a
planner of one order.

- **Candidates**: active warehouses with a postal code and country (others cannot be rated).
  Warehouses have no priority column: the priority is the order of their ids (the warehouse
  set up first is walked first by the ``priority`` strategy).
- **Available to sell** per warehouse and SKU = on hand − reserved − safety stock, never below
  zero; for an untracked SKU from its lot-0 position, for a lot- or serial-tracked SKU summed
  over its lots — the same buckets the reservation guard checks.
- **Destination**: the order's ship-to; residential unless it names a company. It has no
  coordinates, so ``closest`` ranks warehouses by the earliest estimated delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.settings import get_settings
from backroom.db.bulk import insert_ids
from backroom.fulfillment.sourcing.model import Candidate, OrderLine, Plan, SourcingRequest
from backroom.fulfillment.sourcing.parcels import DEFAULT_PARCELS, ParcelModel
from backroom.fulfillment.sourcing.quotecache import QuoteCache
from backroom.fulfillment.sourcing.rated import checked_destination
from backroom.fulfillment.sourcing.strategies import check_strategy, plan
from backroom.fulfillment.tables import SOURCING_DECISIONS
from backroom.inventory.tables import POSITIONS, SETTINGS, WAREHOUSES
from backroom.orders.demand import Demand
from backroom.shipping.rating.model import Address

W, P, S = WAREHOUSES.c, POSITIONS.c, SETTINGS.c
_WAREHOUSES = (select(W.id, W.code, W.postal_code, W.country, W.latitude, W.longitude)
               .where(W.active.is_(True)).order_by(W.id))


def plan_order(conn: Connection, demand: Demand, *, strategy: str | None = None,
               split_penalty_minor: int | None = None, currency: str | None = None,
               ready_at: datetime | None = None, carriers: Sequence[str] | None = None,
               rates_dir: str | Path | None = None,
               parcels: ParcelModel = DEFAULT_PARCELS) -> Plan:
    """Which warehouse ships which of ``demand``'s open units (read only).

    Defaults: ``BACKROOM_SOURCING_STRATEGY`` (``cost``), ``BACKROOM_SOURCING_SPLIT_PENALTY_MINOR``
    and the base currency (quotes in other currencies are ignored); ``ready_at`` now.
    ``ValidationFailed`` for an unknown strategy or a ship-to rating cannot read."""
    planner = Planner(conn, strategy=strategy, split_penalty_minor=split_penalty_minor,
                      currency=currency, ready_at=ready_at, carriers=carriers,
                      rates_dir=rates_dir, parcels=parcels)
    planner.load([demand])
    return planner.plan(demand)


class Planner:
    """Sources many orders against one read of the stock (a chunk of allocation).

    ``load`` reads the products and available-to-sell of the orders' SKUs once; ``plan``
    plans one order; ``take`` lowers the stock in memory by what a plan assigned, so orders
    planned oldest first, each followed by ``take``, get the plans they would get one at a
    time. Rate quotes are shared by the whole chunk (``QuoteCache``, ``ready_at`` taken once
    for it), and by the next chunks when ``quotes`` passes the cache on."""

    def __init__(self, conn: Connection, *, strategy: str | None = None,
                 split_penalty_minor: int | None = None, currency: str | None = None,
                 ready_at: datetime | None = None, carriers: Sequence[str] | None = None,
                 rates_dir: str | Path | None = None,
                 parcels: ParcelModel = DEFAULT_PARCELS, quotes: QuoteCache | None = None
                 ) -> None:
        settings = get_settings()
        self.conn = conn
        self.strategy = strategy or settings.sourcing_strategy
        self.penalty = (settings.sourcing_split_penalty_minor if split_penalty_minor is None
                        else split_penalty_minor)
        self.currency = currency or settings.base_currency
        self.parcels = parcels
        warehouses = conn.execute(_WAREHOUSES).all()
        self.warehouses = [w for w in warehouses if w.postal_code and w.country]
        origins = {w.id: Address(w.country, w.postal_code, False, w.latitude, w.longitude)
                   for w in self.warehouses}
        rates_dir = rates_dir or settings.rates_dir or None
        now = ready_at or clock.now()
        if quotes is None or not quotes.fits(origins, self.currency, carriers, rates_dir, now):
            quotes = QuoteCache(origins, currency=self.currency, ready_at=now,
                                carriers=carriers, rates_dir=rates_dir)
        self.quotes = quotes
        self.stock: dict[int, dict[int, int]] = {w.id: {} for w in self.warehouses}
        self.products: dict[int, tuple[int, int, int, int]] = {}  # weight, sizes
        self.tracking: dict[int, str] = {}  # how each SKU is reserved (``reserve_many``)

    def load(self, demands: Iterable[Demand]) -> None:
        """Read the products and stock of the SKUs these orders want (once per SKU)."""
        skus = {ln.product_id for d in demands for ln in d.lines if ln.qty > 0}
        skus -= self.products.keys()
        if not skus:
            return
        c = PRODUCTS.c
        for r in self.conn.execute(select(c.id, c.weight_g, c.length_mm, c.width_mm,
                                          c.height_mm, c.tracking).where(c.id.in_(skus))):
            self.products[r.id] = (r.weight_g or 0, r.length_mm or 0, r.width_mm or 0,
                                   r.height_mm or 0)
            self.tracking[r.id] = r.tracking
        free = available_to_sell(self.conn, [w.id for w in self.warehouses], skus)
        for w, units in free.items():
            self.stock[w].update(units)

    def plan(self, demand: Demand) -> Plan:
        """``demand``'s plan against the stock left (``load`` it first)."""
        name = check_strategy(self.strategy)
        destination = checked_destination(_destination(demand))
        lines = tuple(OrderLine(ln.line_id, ln.product_id, ln.qty,
                                *self.products[ln.product_id], ln.sku)
                      for ln in demand.lines if ln.qty > 0)
        skus = {ln.sku_id for ln in lines}
        candidates = tuple(
            Candidate(w.id, w.code, rank, _held(self.stock[w.id], skus), w.latitude,
                      w.longitude) for rank, w in enumerate(self.warehouses, start=1))
        request = SourcingRequest(lines, candidates, self.currency, demand.promised_date, None,
                                  self.penalty)
        return plan(request, self.quotes.rate(destination, demand.promised_date), name,
                    parcels=self.parcels)

    def take(self, plan: Plan) -> None:
        """The plan's units are reserved: later plans cannot have them."""
        for a in plan.assignments:
            held = self.stock[a.warehouse_id]
            held[a.sku_id] = held.get(a.sku_id, 0) - a.qty


def _held(stock: dict[int, int], skus: set[int]) -> dict[int, int]:
    """The units of ``skus`` in ``stock`` (a copy: the planner's stock moves on)."""
    return {s: n for s in skus if (n := stock.get(s, 0)) > 0}


def _destination(demand: Demand) -> Address:
    to = demand.ship_to
    return Address((to.country or "").strip().upper(), to.postal_code or "",
                   residential=not (to.company or "").strip())


def available_to_sell(conn: Connection, warehouse_ids: Sequence[int],
                      sku_ids: set[int]) -> dict[int, dict[int, int]]:
    """{warehouse id: {sku id: on hand − reserved − safety stock, at least 0}}."""
    if not warehouse_ids or not sku_ids:
        return {}
    tracked = {r.id for r in conn.execute(select(PRODUCTS.c.id).where(
        PRODUCTS.c.id.in_(sku_ids), PRODUCTS.c.tracking != "none"))}
    free: dict[tuple[int, int], int] = {}
    for r in conn.execute(select(P.warehouse_id, P.sku_id, P.lot_id, P.on_hand, P.reserved)
                          .where(P.sku_id.in_(sku_ids), P.warehouse_id.in_(warehouse_ids))):
        if (r.lot_id != 0) == (r.sku_id in tracked):
            key = (r.warehouse_id, r.sku_id)
            free[key] = free.get(key, 0) + r.on_hand - r.reserved
    for s in conn.execute(select(S.warehouse_id, S.sku_id, S.safety_stock)
                          .where(S.sku_id.in_(sku_ids), S.warehouse_id.in_(warehouse_ids))):
        key = (s.warehouse_id, s.sku_id)
        if key in free:
            free[key] -= s.safety_stock
    out: dict[int, dict[int, int]] = {}
    for (w, sku), units in free.items():
        if units > 0:
            out.setdefault(w, {})[sku] = units
    return out


def record_decision(conn: Connection, order_id: int, plan: Plan) -> int:
    """Keep the plan's decision and reason on the order (``sourcing_decisions``); its id."""
    return record_decisions(conn, [(order_id, plan)])[0]


def record_decisions(conn: Connection, decisions: Sequence[tuple[int, Plan]]) -> list[int]:
    """``record_decision`` for many (order id, plan) at once; their ids, in order."""
    now = clock.now()
    return insert_ids(conn, SOURCING_DECISIONS, [
        {"order_id": order_id, "strategy": p.strategy, "estimated_cost_minor": p.shipping_minor,
         "currency": p.currency, "packages": p.packages,
         "backordered_units": p.backordered_units, "reason": p.reason, "detail": p.detail,
         "decided_at": now} for order_id, p in decisions])
