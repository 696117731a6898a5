"""Sourcing against the database: read what the pure strategies need, and keep the decision.

``plan_order`` only reads (warehouses, stock positions, safety stock, product sizes) and
quotes the rate cards; it reserves nothing. The caller reserves each assignment with the
inventory area's guarded reservation — that is the guard against a concurrent order taking the
same units — and then calls ``record_decision`` in the same transaction.

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

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, insert, select

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.settings import get_settings
from backroom.fulfillment.sourcing.model import Candidate, OrderLine, Plan, SourcingRequest
from backroom.fulfillment.sourcing.parcels import DEFAULT_PARCELS, ParcelModel
from backroom.fulfillment.sourcing.rated import checked_destination, rate_card_rate
from backroom.fulfillment.sourcing.strategies import check_strategy, plan
from backroom.fulfillment.tables import SOURCING_DECISIONS
from backroom.inventory.tables import POSITIONS, SETTINGS, WAREHOUSES
from backroom.orders.demand import Demand
from backroom.shipping.rating.model import Address

W, P, S = WAREHOUSES.c, POSITIONS.c, SETTINGS.c


def plan_order(conn: Connection, demand: Demand, *, strategy: str | None = None,
               split_penalty_minor: int | None = None, currency: str | None = None,
               ready_at: datetime | None = None, carriers: Sequence[str] | None = None,
               rates_dir: str | Path | None = None,
               parcels: ParcelModel = DEFAULT_PARCELS) -> Plan:
    """Which warehouse ships which of ``demand``'s open units (read only).

    Defaults: ``BACKROOM_SOURCING_STRATEGY`` (``cost``), ``BACKROOM_SOURCING_SPLIT_PENALTY_MINOR``
    and the base currency (quotes in other currencies are ignored); ``ready_at`` now.
    ``ValidationFailed`` for an unknown strategy or a ship-to rating cannot read."""
    settings = get_settings()
    name = check_strategy(strategy or settings.sourcing_strategy)
    destination = checked_destination(_destination(demand))
    lines = _lines(conn, demand)
    warehouses = conn.execute(select(W.id, W.code, W.postal_code, W.country, W.latitude,
                                     W.longitude).where(W.active.is_(True))
                              .order_by(W.id)).all()
    warehouses = [w for w in warehouses if w.postal_code and w.country]
    stock = available_to_sell(conn, [w.id for w in warehouses], {ln.sku_id for ln in lines})
    candidates = tuple(Candidate(w.id, w.code, rank, stock.get(w.id, {}), w.latitude,
                                 w.longitude) for rank, w in enumerate(warehouses, start=1))
    origins = {w.id: Address(w.country, w.postal_code, False, w.latitude, w.longitude)
               for w in warehouses}
    money = currency or settings.base_currency
    request = SourcingRequest(
        lines, candidates, money, demand.promised_date, None,
        settings.sourcing_split_penalty_minor if split_penalty_minor is None
        else split_penalty_minor)
    rate = rate_card_rate(origins, destination, currency=money, promise=demand.promised_date,
                          ready_at=ready_at or clock.now(), carriers=carriers,
                          rates_dir=rates_dir or settings.rates_dir or None)
    return plan(request, rate, name, parcels=parcels)


def _destination(demand: Demand) -> Address:
    to = demand.ship_to
    return Address((to.country or "").strip().upper(), to.postal_code or "",
                   residential=not (to.company or "").strip())


def _lines(conn: Connection, demand: Demand) -> tuple[OrderLine, ...]:
    wanted = [line for line in demand.lines if line.qty > 0]
    c = PRODUCTS.c
    rows = {r.id: r for r in conn.execute(
        select(c.id, c.weight_g, c.length_mm, c.width_mm, c.height_mm)
        .where(c.id.in_({line.product_id for line in wanted})))} if wanted else {}
    out = []
    for line in wanted:
        r = rows[line.product_id]
        out.append(OrderLine(line.line_id, line.product_id, line.qty, r.weight_g or 0,
                             r.length_mm or 0, r.width_mm or 0, r.height_mm or 0, line.sku))
    return tuple(out)


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
    return int(conn.execute(insert(SOURCING_DECISIONS).values(
        order_id=order_id, strategy=plan.strategy, estimated_cost_minor=plan.shipping_minor,
        currency=plan.currency, packages=plan.packages,
        backordered_units=plan.backordered_units, reason=plan.reason, detail=plan.detail,
        decided_at=clock.now()).returning(SOURCING_DECISIONS.c.id)).scalar_one())
