"""Moving-average valuation on top of the cost layers, chosen per company (database).

With ``average``, whenever units enter a value area (a warehouse, or a transfer's transit)
every open layer of that area is *levelled* to the area's average unit cost: the area's total
value is split over its open layers in proportion to their units (exact to the cent,
``allocate``). Consumption still takes layers oldest first, but as every layer carries the
same unit cost, an issue costs the moving average. Levelling moves value between layers of
one area only, so the area's total (and the Inventory account) does not change; each change
is recorded in ``cost_revaluations`` with its time.

Switching FIFO → average levels every area at once; average → FIFO just stops levelling.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backroom.core import clock
from backroom.core.errors import ValidationFailed
from backroom.core.money import allocate
from backroom.db.bulk import insert_rows
from backroom.db.tables import APP_SETTINGS
from backroom.db.uow import UnitOfWork
from backroom.inventory.tables import LAYERS
from backroom.inventory.valuation_tables import REVALUATIONS

SETTING = "inventory.valuation"
METHODS = ("fifo", "average")
_CACHE_S = 2.0
_CACHE_ATTR = "_backroom_valuation_method"


def method(conn: Connection) -> str:
    """``fifo`` or ``average``; read on every batch of moves, so cached on the engine for two
    seconds (another process's change is seen within that time)."""
    hit = getattr(conn.engine, _CACHE_ATTR, None)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return str(hit[1])
    value = conn.execute(select(APP_SETTINGS.c.value).where(APP_SETTINGS.c.key == SETTING)
                         ).scalar() or "fifo"
    setattr(conn.engine, _CACHE_ATTR, (now + _CACHE_S, value))
    return str(value)


def set_method(uow: UnitOfWork, name: str) -> dict[str, Any]:
    """Choose the valuation method; switching to ``average`` levels every area now."""
    if name not in METHODS:
        raise ValidationFailed.single("method", name, "must be fifo or average")
    with uow.transaction() as conn:
        ins = (pg_insert(APP_SETTINGS) if conn.dialect.name == "postgresql"
               else sqlite_insert(APP_SETTINGS))
        conn.execute(ins.values(key=SETTING, value=name).on_conflict_do_update(
            index_elements=["key"], set_={"value": name}))
        levelled = level_all(conn) if name == "average" else 0
        setattr(conn.engine, _CACHE_ATTR, None)
    return {"method": name, "layers_levelled": levelled}


def level(pool: list[list[int]], revalued: dict[int, int],
          layer_after: dict[int, tuple[int, int]]) -> None:
    """Give every open layer of ``pool`` ([id, qty, value] lists) the pool's average unit
    cost, in place; record each change in ``revalued`` and ``layer_after`` by layer id."""
    live = [entry for entry in pool if entry[1] > 0]
    if len(live) < 2:
        return
    targets = allocate(sum(e[2] for e in live), [e[1] for e in live])
    for entry, target in zip(live, targets, strict=True):
        if target != entry[2]:
            revalued[entry[0]] = revalued.get(entry[0], 0) + target - entry[2]
            entry[2] = target
            layer_after[entry[0]] = (entry[1], entry[2])


def record(conn: Connection, revalued: dict[int, int], real_ids: dict[int, int], *,
           kind: str = "average", landed_cost_id: int | None = None) -> None:
    """Persist levelling: ``value_in`` of stored layers moves with their remaining value, and
    every change is logged. Layers written in this batch (negative ids) got it on insert."""
    stored = [{"lid": lid, "d": d} for lid, d in sorted(revalued.items()) if lid > 0 and d]
    if stored:
        conn.execute(update(LAYERS).where(LAYERS.c.id == bindparam("lid"))
                     .values(value_in=LAYERS.c.value_in + bindparam("d")), stored)
    now = clock.now()
    insert_rows(conn, REVALUATIONS, [
        {"layer_id": real_ids.get(lid, lid), "delta": d, "kind": kind,
         "landed_cost_id": landed_cost_id, "created_at": now}
        for lid, d in sorted(revalued.items()) if d])


def level_all(conn: Connection) -> int:
    """Level every area with two or more open layers; the number of layers changed."""
    lay = LAYERS.c
    stmt = (select(lay.id, lay.sku_id, lay.warehouse_id, lay.transfer_id, lay.qty_remaining,
                   lay.value_remaining).where(lay.qty_remaining > 0).order_by(lay.id))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    pools: dict[tuple[Any, ...], list[list[int]]] = defaultdict(list)
    for r in conn.execute(stmt):
        pools[(r.sku_id, r.warehouse_id, r.transfer_id)].append(
            [r.id, r.qty_remaining, r.value_remaining])
    revalued: dict[int, int] = {}
    after: dict[int, tuple[int, int]] = {}
    for pool in pools.values():
        level(pool, revalued, after)
    if after:
        conn.execute(update(LAYERS).where(LAYERS.c.id == bindparam("lid"))
                     .values(value_remaining=bindparam("v")),
                     [{"lid": lid, "v": v} for lid, (_q, v) in sorted(after.items())])
    record(conn, revalued, {})
    return len(revalued)
