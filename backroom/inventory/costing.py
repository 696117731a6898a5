"""FIFO cost layers: plan what each move takes or adds, then write it after the moves exist.

Value areas: each warehouse, and goods in transit per transfer. A move that leaves an area
consumes that area's oldest layers; a move that enters one creates a layer at the value it
carried (or, from outside the company, at its known cost, else the last known unit cost, else the
SKU's standard cost).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, bindparam, func, select, tuple_, update

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.money import round_minor
from backroom.db.bulk import insert_ids, insert_rows
from backroom.inventory import averaging
from backroom.inventory.model import LayerSlice, Move, consume_fifo
from backroom.inventory.tables import CONSUMPTIONS, LAYERS

AreaKey = tuple[int, int | None, int | None]  # (sku, warehouse or None=transit, transfer)


def area_of(move: Move, *, source: bool) -> AreaKey | None:
    place = move.source if source else move.dest
    area = place.valuation_area
    if area is None:
        return None
    if area[0] == "transit":
        return (move.sku_id, None, move.transfer_id)
    return (move.sku_id, area[1], None)


@dataclass
class CostPlan:
    values: list[int | None] = field(default_factory=list)
    slices: list[list[LayerSlice]] = field(default_factory=list)
    new_layers: list[tuple[int, AreaKey, int, int]] = field(default_factory=list)  # idx, area, q, v
    layer_after: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> qty, value
    revalued: dict[int, int] = field(default_factory=dict)  # id -> value change (averaging)


def plan(conn: Connection, moves: list[Move]) -> CostPlan:
    """Decide each move's value and layer effects; reads (and on PostgreSQL locks) layers."""
    out = CostPlan()
    average = averaging.method(conn) == "average"
    pools = _load_pools(conn, {src for m in moves if (src := area_of(m, source=True))
                               and src[1] is not None and src != area_of(m, source=False)})
    pending: dict[AreaKey, list[list[int]]] = defaultdict(list)  # layers made in this batch
    fallback = _fallback_unit_costs(conn, {m.sku_id for m in moves
                                           if area_of(m, source=True) is None
                                           and m.value_minor is None})
    for idx, move in enumerate(moves):
        src, dst = area_of(move, source=True), area_of(move, source=False)
        if src == dst:
            out.values.append(None)
            out.slices.append([])
            continue
        if src is not None:
            pool = pools.get(src)
            if pool is None:
                pool = pools[src] = _load_pool(conn, src) + pending[src]
            taken = consume_fifo([(lid, q, v) for lid, q, v in pool], move.qty)
            by_id = {s.layer_id: s for s in taken}
            for entry in pool:
                if entry[0] in by_id:
                    entry[1] -= by_id[entry[0]].qty
                    entry[2] -= by_id[entry[0]].value
                    out.layer_after[entry[0]] = (entry[1], entry[2])
            value = sum(s.value for s in taken)
            out.slices.append(taken)
        else:
            value = (move.value_minor if move.value_minor is not None
                     else round_minor(fallback.get(move.sku_id, Decimal(0)) * move.qty))
            out.slices.append([])
        out.values.append(value)
        if dst is not None:
            temp_id = -(len(out.new_layers) + 1)  # real id known once written
            out.new_layers.append((idx, dst, move.qty, value))
            pending[dst].append([temp_id, move.qty, value])
            if dst in pools:
                pools[dst].append(pending[dst][-1])
            if average:  # moving average: the area's layers share one unit cost
                if dst not in pools:
                    pools[dst] = _load_pool(conn, dst) + pending[dst]
                averaging.level(pools[dst], out.revalued, out.layer_after)
    return out


def write(conn: Connection, cost_plan: CostPlan, move_ids: list[int]) -> None:
    """Persist new layers, remaining quantities and layer consumptions for posted moves.

    Layers created earlier in the same batch carry negative temporary ids until inserted.
    """
    real_ids: dict[int, int] = {}
    if cost_plan.new_layers:
        now = clock.now()
        rows = []
        for n, (idx, area, qty, value) in enumerate(cost_plan.new_layers):
            left_q, left_v = cost_plan.layer_after.get(-(n + 1), (qty, value))
            rows.append({"sku_id": area[0], "warehouse_id": area[1], "transfer_id": area[2],
                         "move_id": move_ids[idx], "qty_in": qty,
                         "value_in": value + cost_plan.revalued.get(-(n + 1), 0),
                         "qty_remaining": left_q, "value_remaining": left_v, "created_at": now})
        ids = insert_ids(conn, LAYERS, rows)
        real_ids = {-(n + 1): i for n, i in enumerate(ids)}
    updates = [{"lid": lid, "q": q, "v": v}
               for lid, (q, v) in sorted(cost_plan.layer_after.items()) if lid > 0]
    if updates:
        conn.execute(update(LAYERS).where(LAYERS.c.id == bindparam("lid")).values(
            qty_remaining=bindparam("q"), value_remaining=bindparam("v")), updates)
    consumptions = [{"layer_id": real_ids.get(s.layer_id, s.layer_id), "move_id": move_ids[i],
                     "qty": s.qty, "value": s.value}
                    for i, slices in enumerate(cost_plan.slices) for s in slices]
    insert_rows(conn, CONSUMPTIONS, consumptions)
    if cost_plan.revalued:
        averaging.record(conn, cost_plan.revalued, real_ids)


def _load_pool(conn: Connection, area: AreaKey) -> list[list[int]]:
    sku_id, warehouse_id, transfer_id = area
    c = LAYERS.c
    stmt = select(c.id, c.qty_remaining, c.value_remaining).where(
        c.sku_id == sku_id, c.qty_remaining > 0)
    stmt = stmt.where(c.warehouse_id == warehouse_id) if warehouse_id is not None else stmt.where(
        c.warehouse_id.is_(None), c.transfer_id == transfer_id)
    stmt = stmt.order_by(c.created_at, c.id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return [[r.id, r.qty_remaining, r.value_remaining] for r in conn.execute(stmt)]


def _load_pools(conn: Connection, areas: set[AreaKey]) -> dict[AreaKey, list[list[int]]]:
    """``_load_pool`` of many warehouse areas at once (locked in SKU, warehouse order)."""
    c = LAYERS.c
    pools: dict[AreaKey, list[list[int]]] = {a: [] for a in areas}
    keys = sorted((a[0], a[1]) for a in areas)
    for start in range(0, len(keys), 300):
        stmt = (select(c.sku_id, c.warehouse_id, c.id, c.qty_remaining, c.value_remaining)
                .where(tuple_(c.sku_id, c.warehouse_id).in_(keys[start:start + 300]),
                       c.qty_remaining > 0)
                .order_by(c.sku_id, c.warehouse_id, c.created_at, c.id))
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        for r in conn.execute(stmt):
            pools[(r.sku_id, r.warehouse_id, None)].append([r.id, r.qty_remaining,
                                                            r.value_remaining])
    return pools


def _fallback_unit_costs(conn: Connection, sku_ids: set[int]) -> dict[int, Decimal]:
    """Unit cost for units arriving from outside without a stated cost."""
    if not sku_ids:
        return {}
    costs: dict[int, Decimal] = {}
    c = LAYERS.c
    # Only each SKU's newest warehouse layer, not its whole history.
    newest = (select(func.max(c.id)).where(c.sku_id.in_(sorted(sku_ids)),
                                           c.warehouse_id.is_not(None))
              .group_by(c.sku_id))
    for layer in conn.execute(select(c.sku_id, c.qty_in, c.value_in).where(c.id.in_(newest))):
        costs[layer.sku_id] = Decimal(layer.value_in) / layer.qty_in
    p = PRODUCTS.c
    for row in conn.execute(select(p.id, p.standard_cost_minor).where(
            p.id.in_(sorted(sku_ids - set(costs))))):
        costs[row.id] = Decimal(row.standard_cost_minor or 0)
    return costs
