"""Confirm picks set-based, for one scan or many carts at once (the one code path).

``confirm`` takes (open task, units) pairs from any number of batches: it frees the units held
on the bins (one executemany), moves them bin → the warehouse's packing location (ONE
``ledger.post``), counts them on the tasks and fulfillment lines (one executemany each) and
settles the orders and batches with grouped queries. ``confirm_carts`` confirms whole carts:
the carts are checked up front (unknown, already picked, a held order) and the rest are
confirmed together in a savepoint; should that fail, each cart is tried on its own in its own
savepoint, so only the bad one fails and says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import BindParameter

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import BackroomError, Conflict, NotFound
from backroom.db.prepared import Prepared
from backroom.fulfillment import bins
from backroom.fulfillment.tables import (
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
    PICK_BATCHES,
    PICK_TASKS,
)
from backroom.inventory import ledger
from backroom.inventory.model import LocationKind, Move, Place, Reason
from backroom.inventory.tables import LOCATIONS, LOTS

T, FL, FO, PB, LOC = (PICK_TASKS.c, FULFILLMENT_LINES.c, FULFILLMENT_ORDERS.c, PICK_BATCHES.c,
                      LOCATIONS.c)
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_ACTIVE = ("released", "picking")

_OPEN_TASKS = (
    select(PICK_TASKS, LOC.code.label("bin"), LOC.kind.label("bin_kind"), LOC.warehouse_id,
           PRODUCTS.c.sku, PRODUCTS.c.tracking, LOTS.c.code.label("lot"),
           FL.fulfillment_order_id.label("fo_id"))
    .join(LOCATIONS, LOC.id == T.location_id).join(PRODUCTS, PRODUCTS.c.id == T.sku_id)
    .join(FULFILLMENT_LINES, FL.id == T.fulfillment_line_id)
    .outerjoin(LOTS, LOTS.c.id == T.lot_id)
    .where(T.batch_id.in_(_IDS), T.state == "open").order_by(T.batch_id, T.seq))
_BATCHES = select(PB.id, PB.state).where(PB.id.in_(_IDS)).order_by(PB.id)
_HELD = (select(FO.batch_id, FO.id, FO.hold_reason)
         .where(FO.batch_id.in_(_IDS), FO.hold_reason.is_not(None), FO.state.in_(_ACTIVE))
         .order_by(FO.id))
_PACKS = (select(LOC.id, LOC.code, LOC.warehouse_id)
          .where(LOC.warehouse_id.in_(_IDS), LOC.kind == LocationKind.PACK.value)
          .order_by(LOC.id))
# Executemany writes, compiled once (``Prepared``: no per-row bookkeeping).
_TASK_PICKED = Prepared(update(PICK_TASKS).where(T.id == bindparam("tid")).values(
    qty_picked=T.qty_picked + bindparam("q"), state=bindparam("st"), done_at=bindparam("at")))
_LINE_PICKED = Prepared(update(FULFILLMENT_LINES).where(FL.id == bindparam("lid"))
                        .values(qty_picked=FL.qty_picked + bindparam("q")))
_START = (update(FULFILLMENT_ORDERS).where(FO.batch_id.in_(_IDS), FO.state.in_(_ACTIVE))
          .values(state="picking", updated_at=bindparam("now")))
_PER_ORDER = (
    select(FL.fulfillment_order_id, func.max(FL.qty).label("units"),
           func.count(T.id).filter(T.state == "open").label("open"))
    .join(FULFILLMENT_ORDERS, FO.id == FL.fulfillment_order_id)
    .outerjoin(PICK_TASKS, T.fulfillment_line_id == FL.id)
    .where(FO.batch_id.in_(_IDS), FO.state == "picking")
    .group_by(FL.fulfillment_order_id))
_SETTLE = Prepared(update(FULFILLMENT_ORDERS).where(FO.id == bindparam("fo"))
                   .values(state=bindparam("st"), updated_at=bindparam("now")))
_STILL_OPEN = (select(T.batch_id).where(T.batch_id.in_(_IDS), T.state == "open")
               .group_by(T.batch_id))
_CLOSE = Prepared(update(PICK_BATCHES).where(PB.id == bindparam("bid"))
                  .values(state="picked", finished_at=bindparam("now")))


def left(t: Any) -> int:
    return int(t.qty - t.qty_picked - t.qty_short)


def open_tasks(conn: Connection, batch_ids: Sequence[int]) -> list[Any]:
    """Open tasks of the batches, each batch's in walking order, with bin, SKU, lot and
    fulfillment order."""
    return [r for part in bins.chunks(batch_ids)
            for r in conn.execute(_OPEN_TASKS, {"ids": part})]


def check_batches(conn: Connection, batch_ids: Sequence[int], *, held: bool = True,
                  ) -> tuple[dict[int, str], dict[int, BackroomError]]:
    """Each batch's state, and why each batch that cannot be picked now cannot (unknown,
    nothing left to pick, with ``held`` an order on hold). Batch rows are locked on
    PostgreSQL, in id order."""
    stmt = _BATCHES.with_for_update() if conn.dialect.name == "postgresql" else _BATCHES
    states = {r.id: r.state for part in bins.chunks(batch_ids)
              for r in conn.execute(stmt, {"ids": part})}
    bad: dict[int, BackroomError] = {}
    for b in batch_ids:
        if b not in states:
            bad[b] = NotFound(f"no pick batch {b}", data={"batch_id": b})
        elif states[b] not in ("open", "picking"):
            bad[b] = Conflict(f"pick batch {b} is {states[b]}; nothing is left to pick",
                              data={"batch_id": b, "state": states[b]})
    for part in bins.chunks(b for b in batch_ids if b not in bad) if held else ():
        for r in conn.execute(_HELD, {"ids": part}):
            bad.setdefault(r.batch_id, Conflict(
                f"fulfillment order {r.id} in this batch is on hold: {r.hold_reason}; "
                "release it or take it off the cart first"))
    return states, bad


def confirm_carts(conn: Connection, batch_ids: Sequence[int],
                  ) -> dict[int, BackroomError | dict[str, Any]]:
    """Confirm every open pick of each batch in full; per batch its summary or its error."""
    ids = list(dict.fromkeys(batch_ids))
    states, bad = check_batches(conn, ids)
    out: dict[int, BackroomError | dict[str, Any]] = dict(bad)
    good = [b for b in ids if b not in out]
    try:
        out.update(_confirm_in_savepoint(conn, good, states))
    except (BackroomError, IntegrityError) as err:
        if len(good) == 1:
            out[good[0]] = _as_error(err)
        else:
            for b in good:  # one at a time, so only the bad cart fails
                try:
                    out.update(_confirm_in_savepoint(conn, [b], states))
                except (BackroomError, IntegrityError) as one:
                    out[b] = _as_error(one)
    return {b: out[b] for b in ids}


def _as_error(err: Exception) -> BackroomError:
    if isinstance(err, BackroomError):
        return err
    return Conflict(f"the picks could not be confirmed: {str(err).splitlines()[0]}")


def _confirm_in_savepoint(conn: Connection, batch_ids: list[int], states: dict[int, str],
                          ) -> dict[int, dict[str, Any]]:
    if not batch_ids:
        return {}
    with conn.begin_nested():
        tasks = open_tasks(conn, batch_ids)
        closed = confirm(conn, [(t, left(t)) for t in tasks])
    picks: dict[int, int] = defaultdict(int)
    units: dict[int, int] = defaultdict(int)
    for t in tasks:
        picks[t.batch_id] += 1
        units[t.batch_id] += left(t)
    return {b: {"batch_id": b, "state": "picked" if b in closed else states[b],
                "picks": picks[b], "units": units[b]} for b in batch_ids}


def confirm(conn: Connection, picks: Sequence[tuple[Any, int]]) -> set[int]:
    """Pick ``units`` of each open task (rows of ``open_tasks``); returns the batches that
    have nothing left open."""
    picks = [(t, q) for t, q in picks if q > 0]
    if not picks:
        return set()
    bins.free_many(conn, [(t.location_id, t.sku_id, t.lot_id, q) for t, q in picks])
    _move_to_pack(conn, picks)
    now = clock.now()
    rows: list[dict[str, Any]] = []
    per_line: dict[int, int] = defaultdict(int)
    for t, q in picks:
        done = q == left(t)
        rows.append({"tid": t.id, "q": q, "st": "done" if done else "open",
                     "at": now if done else None})
        per_line[t.fulfillment_line_id] += q
    _TASK_PICKED.executemany(conn, rows)
    _LINE_PICKED.executemany(conn, [{"lid": k, "q": q} for k, q in per_line.items()])
    return advance(conn, sorted({t.batch_id for t, _ in picks}))


def _move_to_pack(conn: Connection, picks: list[tuple[Any, int]]) -> None:
    whs = sorted({t.warehouse_id for t, _ in picks})
    packs: dict[int, Place] = {}
    for r in conn.execute(_PACKS, {"ids": whs}):
        packs.setdefault(r.warehouse_id, Place(r.id, r.code, LocationKind.PACK, r.warehouse_id))
    for wh in whs:
        if wh not in packs:
            raise NotFound(f"warehouse {wh} has no packing location")
    places: dict[int, Place] = {}
    moves = []
    for t, q in picks:
        src = places.get(t.location_id)
        if src is None:
            src = places[t.location_id] = Place(t.location_id, t.bin, LocationKind(t.bin_kind),
                                                t.warehouse_id)
        moves.append(Move(t.sku_id, q, src, packs[t.warehouse_id], Reason.INTERNAL.value,
                          lot_id=t.lot_id, reference=f"fulfillment:{t.fo_id}",
                          note=f"pick batch {t.batch_id}"))
    ledger.post(conn, moves, tracking={t.sku_id: t.tracking for t, _ in picks},
                codes={t.sku_id: t.sku for t, _ in picks})


def advance(conn: Connection, batch_ids: list[int]) -> set[int]:
    """Orders whose picks are all settled are picked; a batch with none open is picked.
    Returns the batches closed now."""
    now = clock.now()
    settle, closed = [], set(batch_ids)
    for part in bins.chunks(batch_ids):
        conn.execute(_START, {"ids": part, "now": now})
        settle += [{"fo": fo_id, "st": "picked" if units else "cancelled", "now": now}
                   for fo_id, units, still_open in conn.execute(_PER_ORDER, {"ids": part})
                   if not still_open]
        closed -= set(conn.execute(_STILL_OPEN, {"ids": part}).scalars())
    _SETTLE.executemany(conn, settle)
    _CLOSE.executemany(conn, [{"bid": b, "now": now} for b in sorted(closed)])
    return closed
