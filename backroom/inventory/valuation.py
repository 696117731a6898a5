"""Inventory value, read side: what the cost layers hold now or held at a date.

Used by the books (accounting reports and audit) so they never read inventory tables
themselves. Value areas: each warehouse, and goods in transit (``warehouse`` None).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from backroom.catalog.tables import PRODUCTS
from backroom.inventory.tables import CONSUMPTIONS, LAYERS, MOVES, WAREHOUSES
from backroom.inventory.valuation_tables import REVALUATIONS


@dataclass(frozen=True, slots=True)
class Holding:
    sku: str
    warehouse: str | None  # None: in transit
    qty: int
    value: int  # minor units of the base currency


def area_totals(conn: Connection) -> dict[str, int]:
    """Remaining layer value now: ``{"warehouse": …, "transit": …}`` in minor units."""
    lay = LAYERS.c
    totals = {"warehouse": 0, "transit": 0}
    for row in conn.execute(select(lay.warehouse_id.is_(None).label("transit"),
                                   func.coalesce(func.sum(lay.value_remaining), 0).label("v"))
                            .where(lay.qty_remaining > 0)
                            .group_by(lay.warehouse_id.is_(None))):
        totals["transit" if row.transit else "warehouse"] += int(row.v)
    return totals


def valued_moves(conn: Connection) -> Iterator[int]:
    """Ids of done moves that carry a non-zero value (each must be posted exactly once)."""
    m = MOVES.c
    yield from (int(i) for i in conn.execute(
        select(m.id).where(m.state == "done", m.value_minor.is_not(None), m.value_minor != 0)
        .order_by(m.id)).scalars())


def holdings(conn: Connection, before: datetime | None = None, *, sku: str | None = None,
             warehouse: str | None = None) -> list[Holding]:
    """Units and value per SKU and warehouse (transit last), now or just before ``before``.

    Now: the layers' remaining quantities and values. At a date: every layer created before
    it, less what moves done before it consumed of them and less revaluations made since.
    """
    lay, p, w = LAYERS.c, PRODUCTS.c, WAREHOUSES.c
    qty: Any
    value: Any
    source: Any
    if before is None:
        qty, value = lay.qty_remaining, lay.value_remaining
        source = LAYERS
    else:
        c, m, rv = CONSUMPTIONS.c, MOVES.c, REVALUATIONS.c
        used = (select(c.layer_id, func.sum(c.qty).label("q"), func.sum(c.value).label("v"))
                .join(MOVES, m.id == c.move_id).where(m.done_at < before)
                .group_by(c.layer_id).subquery())
        later = (select(rv.layer_id, func.sum(rv.delta).label("d"))
                 .where(rv.created_at >= before).group_by(rv.layer_id).subquery())
        source = (LAYERS.outerjoin(used, used.c.layer_id == lay.id)
                  .outerjoin(later, later.c.layer_id == lay.id))
        qty = lay.qty_in - func.coalesce(used.c.q, 0)
        value = lay.value_in - func.coalesce(used.c.v, 0) - func.coalesce(later.c.d, 0)
    stmt = (select(p.sku, w.code, func.sum(qty).label("q"), func.sum(value).label("v"))
            .select_from(source.join(PRODUCTS, p.id == lay.sku_id)
                         .outerjoin(WAREHOUSES, w.id == lay.warehouse_id))
            .group_by(p.sku, w.code).order_by(w.code.is_(None), w.code, p.sku))
    if before is not None:
        stmt = stmt.where(lay.created_at < before)
    if sku:
        stmt = stmt.where(p.sku == sku)
    if warehouse:
        stmt = stmt.where(w.code == warehouse)
    return [Holding(r.sku, r.code, int(r.q), int(r.v)) for r in conn.execute(stmt)
            if int(r.q) or int(r.v)]


def sku_codes(conn: Connection, ids: list[int]) -> dict[int, str]:
    """SKU code per product id."""
    p = PRODUCTS.c
    return {int(r.id): r.sku for r in conn.execute(select(p.id, p.sku).where(p.id.in_(ids)))}
