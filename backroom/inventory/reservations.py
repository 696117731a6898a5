"""Reserving stock for demand (order lines): the hot path of the whole system.

The common case (an untracked SKU) is one guarded UPDATE of the warehouse position, which only
succeeds while ``on_hand - reserved - safety_stock`` covers the request, plus one INSERT of the
reservation row and its event (on PostgreSQL all three are one statement). No
read-then-write: the database decides, so concurrent processes can never oversell. Lot-tracked
SKUs take the FEFO path under row locks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Integer,
    String,
    and_,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)

from backroom.core import clock
from backroom.core.errors import NotFound, Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.base import UTCDateTime
from backroom.db.bulk import insert_ids
from backroom.db.prepared import Prepared
from backroom.db.tables import OUTBOX
from backroom.inventory.errors import InsufficientStock, Shortfall
from backroom.inventory.model import LotStock, choose_stock
from backroom.inventory.tables import LOTS, POSITIONS, RESERVATIONS, SETTINGS, WAREHOUSES

P, R, S = POSITIONS.c, RESERVATIONS.c, SETTINGS.c

_safety = (select(func.coalesce(func.max(S.safety_stock), 0))
           .where(S.warehouse_id == bindparam("w"), S.sku_id == bindparam("s"))
           .scalar_subquery())
# The hot path runs precompiled (see backroom.db.prepared): Core's per-execution bookkeeping
# cost more than the statements themselves.
_GUARD = (update(POSITIONS)
          .where(P.warehouse_id == bindparam("w"), P.sku_id == bindparam("s"),
                 P.lot_id == bindparam("l"), P.on_hand - P.reserved - _safety >= bindparam("q"))
          .values(reserved=P.reserved + bindparam("q")))
_GUARDED = Prepared(_GUARD)
_insert_row = insert(RESERVATIONS).values(
    warehouse_id=bindparam("w"), sku_id=bindparam("s"), lot_id=bindparam("l"),
    qty=bindparam("q"), open_qty=bindparam("q"), state="active",
    reference=bindparam("reference"), created_at=bindparam("created_at"))
_INSERT = Prepared(_insert_row.inline())  # SQLite: the id is the cursor's lastrowid
_INSERT_RETURNING = Prepared(_insert_row.returning(R.id))
# PostgreSQL: guarded UPDATE, reservation INSERT and its outbox event in one statement (one
# round trip instead of three). Each data-modifying CTE runs only on the rows the one before
# returned, so nothing is written unless the guard matched; the event's payload is built by the
# server with the same keys as ``_recorded`` writes.
_guarded = _GUARD.returning(P.warehouse_id, P.sku_id, P.lot_id).cte("guarded")
_inserted = (insert(RESERVATIONS).from_select(
    ["warehouse_id", "sku_id", "lot_id", "qty", "open_qty", "state", "reference", "created_at"],
    select(_guarded.c.warehouse_id, _guarded.c.sku_id, _guarded.c.lot_id,
           bindparam("q", type_=Integer), bindparam("q", type_=Integer), literal("active", String),
           bindparam("reference", type_=String), bindparam("created_at", type_=UTCDateTime())))
    .returning(R.id, R.warehouse_id, R.sku_id, R.lot_id, R.qty, R.reference).cte("inserted"))
_event = (insert(OUTBOX).from_select(
    ["event_id", "type", "aggregate", "payload", "occurred_at"],
    select(bindparam("event_id", type_=String), literal("stock.reserved", String),
           bindparam("aggregate", type_=String),
           func.json_build_object("reservation_id", _inserted.c.id,
                                  "warehouse_id", _inserted.c.warehouse_id,
                                  "sku_id", _inserted.c.sku_id, "lot_id", _inserted.c.lot_id,
                                  "qty", _inserted.c.qty, "reference", _inserted.c.reference),
           bindparam("created_at", type_=UTCDateTime())).select_from(_inserted))
    .returning(OUTBOX.c.id).cte("recorded"))
_RESERVE_IN_ONE = Prepared(select(_inserted.c.id).add_cte(_guarded, _inserted, _event))


@dataclass(frozen=True, slots=True)
class Reserved:
    id: int
    warehouse_id: int
    sku_id: int
    lot_id: int
    qty: int
    reference: str


def reserve(conn: Connection, *, warehouse_id: int, sku_id: int, qty: int, reference: str,
            tracking: str = "none", lot_id: int | None = None,
            labels: tuple[str, str] = ("", "")) -> list[Reserved]:
    """Reserve ``qty`` of a SKU in a warehouse; all or nothing. ``labels``: (wh, sku) codes."""
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise ValidationFailed.single("qty", qty, "must be a positive whole number")
    if tracking == "none" or lot_id:
        lot = lot_id or 0
        params = {"w": warehouse_id, "s": sku_id, "l": lot, "q": qty, "reference": reference,
                  "created_at": clock.now()}
        if conn.dialect.name == "postgresql":
            row = _RESERVE_IN_ONE.execute(conn, {**params, "event_id": uuid.uuid4().hex,
                                                 "aggregate": f"sku:{sku_id}"}).fetchone()
            if row is None:
                raise _shortfall(conn, warehouse_id, sku_id, qty, labels, lot)
            return [Reserved(int(row[0]), warehouse_id, sku_id, lot, qty, reference)]
        if _GUARDED.execute(conn, params).rowcount != 1:
            raise _shortfall(conn, warehouse_id, sku_id, qty, labels, lot)
        rid = int(_INSERT.execute(conn, params).lastrowid)
        return [_recorded(conn, rid, warehouse_id, sku_id, lot, qty, reference)]
    return _reserve_fefo(conn, warehouse_id, sku_id, qty, reference, labels)


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    """``qty`` units of a SKU in a warehouse for ``reference`` (one ``reserve`` call)."""

    warehouse_id: int
    sku_id: int
    qty: int
    reference: str
    tracking: str = "none"


def reserve_many(conn: Connection, requests: Sequence[ReserveRequest]) -> list[list[Reserved]]:
    """``reserve`` for many requests at once; the reservations of each, in request order.

    Untracked SKUs: one guarded UPDATE per (warehouse, SKU) with the units of every request
    for it, sent as one executemany in SKU-then-warehouse order (the fixed lock order), one
    executemany INSERT of the reservation rows and one list of events. Lot- and serial-tracked
    SKUs take ``reserve``'s FEFO path one by one. All or nothing: if any guard fails (another
    process took the stock), nothing is kept (a savepoint is rolled back) and
    ``InsufficientStock`` names every (warehouse, SKU) short."""
    problems = [Problem(f"requests[{n}].qty", "must be a positive whole number", r.qty)
                for n, r in enumerate(requests)
                if not isinstance(r.qty, int) or isinstance(r.qty, bool) or r.qty <= 0]
    if problems:
        raise ValidationFailed.of(problems)
    wanted: dict[tuple[int, int], int] = {}
    for r in requests:
        if r.tracking == "none":
            wanted[(r.sku_id, r.warehouse_id)] = wanted.get((r.sku_id, r.warehouse_id), 0) + r.qty
    guards = [{"w": w, "s": s, "l": 0, "q": q} for (s, w), q in sorted(wanted.items())]
    try:
        with conn.begin_nested():
            if guards and conn.execute(_GUARD, guards).rowcount != len(guards):
                raise InsufficientStock([])
            return _reserved_rows(conn, requests)
    except InsufficientStock as err:
        if err.shortfalls:
            raise
        raise _shortfalls(conn, guards) from None


def _reserved_rows(conn: Connection, requests: Sequence[ReserveRequest]
                   ) -> list[list[Reserved]]:
    """The reservation rows and events of ``requests`` (untracked positions already guarded);
    tracked SKUs reserved by FEFO."""
    now = clock.now()
    plain = [r for r in requests if r.tracking == "none"]
    ids = insert_ids(conn, RESERVATIONS, [
        {"warehouse_id": r.warehouse_id, "sku_id": r.sku_id, "lot_id": 0, "qty": r.qty,
         "open_qty": r.qty, "state": "active", "reference": r.reference, "created_at": now}
        for r in plain])
    made = {id(r): [Reserved(rid, r.warehouse_id, r.sku_id, 0, r.qty, r.reference)]
            for r, rid in zip(plain, ids, strict=True)}
    record(conn, [DomainEvent("stock.reserved", {
        "reservation_id": x.id, "warehouse_id": x.warehouse_id, "sku_id": x.sku_id,
        "lot_id": 0, "qty": x.qty, "reference": x.reference}, aggregate=f"sku:{x.sku_id}")
        for (x,) in made.values()])
    out = []
    for r in requests:
        if r.tracking == "none":
            out.append(made[id(r)])
        else:
            out.append(_reserve_fefo(conn, r.warehouse_id, r.sku_id, r.qty, r.reference,
                                     ("", "")))
    return out


def _shortfalls(conn: Connection, guards: list[dict[str, int]]) -> InsufficientStock:
    """Which of the guarded (warehouse, SKU, units) the stock does not cover now."""
    found = [_shortfall(conn, g["w"], g["s"], g["q"], ("", ""), 0).shortfalls[0]
             for g in guards]
    return InsufficientStock([s for s in found if s.available < s.requested] or found)


def _insert(conn: Connection, w: int, s: int, lot: int, qty: int, reference: str) -> Reserved:
    rid = int(_INSERT_RETURNING.execute(conn, {
        "w": w, "s": s, "l": lot, "q": qty, "reference": reference,
        "created_at": clock.now()}).fetchone()[0])
    return _recorded(conn, rid, w, s, lot, qty, reference)


def _recorded(conn: Connection, rid: int, w: int, s: int, lot: int, qty: int,
              reference: str) -> Reserved:
    record(conn, [DomainEvent("stock.reserved", {
        "reservation_id": rid, "warehouse_id": w, "sku_id": s, "lot_id": lot, "qty": qty,
        "reference": reference}, aggregate=f"sku:{s}")])
    return Reserved(rid, w, s, lot, qty, reference)


def _reserve_fefo(conn: Connection, w: int, s: int, qty: int, reference: str,
                  labels: tuple[str, str]) -> list[Reserved]:
    stmt = (select(P.lot_id, P.on_hand, P.reserved, LOTS.c.expiry_date)
            .join(LOTS, LOTS.c.id == P.lot_id)
            .where(P.warehouse_id == w, P.sku_id == s, P.lot_id != 0)
            .order_by(P.lot_id))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=POSITIONS)
    rows = conn.execute(stmt).all()
    safety = conn.execute(select(S.safety_stock).where(S.warehouse_id == w, S.sku_id == s)
                          ).scalar_one_or_none() or 0
    free_total = sum(r.on_hand - r.reserved for r in rows) - safety
    if free_total < qty:
        raise InsufficientStock([Shortfall(labels[1] or str(s), f"warehouse {labels[0] or w}",
                                           qty, max(free_total, 0))])
    picks = choose_stock([LotStock(0, r.lot_id, r.on_hand - r.reserved, r.expiry_date, r.lot_id)
                          for r in rows], qty, fefo=True)
    out = []
    for cand, take in picks:
        conn.execute(update(POSITIONS).where(P.warehouse_id == w, P.sku_id == s,
                                             P.lot_id == cand.lot_id)
                     .values(reserved=P.reserved + take))
        out.append(_insert(conn, w, s, cand.lot_id, take, reference))
    return out


def _shortfall(conn: Connection, w: int, s: int, qty: int, labels: tuple[str, str],
               lot: int) -> InsufficientStock:
    row = conn.execute(select(P.on_hand, P.reserved).where(
        P.warehouse_id == w, P.sku_id == s, P.lot_id == lot)).first()
    safety = conn.execute(select(S.safety_stock).where(S.warehouse_id == w, S.sku_id == s)
                          ).scalar_one_or_none() or 0
    free = (row.on_hand - row.reserved - safety) if row else 0
    wh = labels[0] or conn.execute(select(WAREHOUSES.c.code).where(WAREHOUSES.c.id == w)
                                   ).scalar_one_or_none() or str(w)
    lot_code = (conn.execute(select(LOTS.c.code).where(LOTS.c.id == lot)).scalar_one_or_none()
                or "") if lot else ""
    return InsufficientStock([Shortfall(labels[1] or str(s), f"warehouse {wh}", qty,
                                        max(free, 0), lot_code)])


def release(conn: Connection, *, reservation_id: int | None = None, reference: str | None = None,
            qty: int | None = None) -> list[dict[str, int]]:
    """Release open reservations by id or by reference (all, or ``qty`` units, newest first)."""
    if (reservation_id is None) == (reference is None):
        raise ValidationFailed.single("reservation", None, "give a reservation id or a reference")
    if qty is not None and qty <= 0:
        raise ValidationFailed.single("qty", qty, "must be a positive whole number")
    where = (R.id == reservation_id) if reservation_id is not None else (R.reference == reference)
    stmt = (select(R.id, R.warehouse_id, R.sku_id, R.lot_id, R.open_qty)
            .where(and_(where, R.state == "active")).order_by(R.id.desc()))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rows = conn.execute(stmt).all()
    if not rows:
        what = f"id {reservation_id}" if reservation_id is not None else f"reference {reference!r}"
        raise NotFound(f"no active reservation with {what}")
    left = qty if qty is not None else sum(r.open_qty for r in rows)
    if left > sum(r.open_qty for r in rows):
        raise ValidationFailed.single("qty", qty, f"only {sum(r.open_qty for r in rows)} "
                                      "units are reserved")
    released = []
    for r in rows:
        if left == 0:
            break
        take = min(left, r.open_qty)
        left -= take
        _close(conn, r.id, r.open_qty - take, "released")
        conn.execute(update(POSITIONS).where(P.warehouse_id == r.warehouse_id,
                                             P.sku_id == r.sku_id, P.lot_id == r.lot_id)
                     .values(reserved=P.reserved - take))
        released.append({"reservation_id": r.id, "qty": take})
        record(conn, [DomainEvent("stock.released", {
            "reservation_id": r.id, "warehouse_id": r.warehouse_id, "sku_id": r.sku_id,
            "lot_id": r.lot_id, "qty": take}, aggregate=f"sku:{r.sku_id}")])
    return released


def consume(conn: Connection, *, warehouse_id: int, sku_id: int, lot_id: int, reference: str,
            qty: int) -> int:
    """Mark up to ``qty`` reserved units under ``reference`` as used by a shipment.

    Returns how many units were consumed; the caller's move lowers ``reserved`` by as much.
    """
    return consume_many(conn, [Use(warehouse_id, sku_id, lot_id, reference, qty)])[0]


@dataclass(frozen=True, slots=True)
class Use:
    """``qty`` units of a SKU and lot leaving a warehouse for ``reference`` (``consume``)."""

    warehouse_id: int
    sku_id: int
    lot_id: int
    reference: str
    qty: int


_ACTIVE = (select(R.id, R.warehouse_id, R.sku_id, R.lot_id, R.reference, R.open_qty)
           .where(R.reference.in_(bindparam("refs", expanding=True)), R.state == "active")
           .order_by(R.id))


def consume_many(conn: Connection, uses: Sequence[Use]) -> list[int]:
    """``consume`` for many uses in order (oldest reservation first, as ``consume``): one read
    of the references' active reservations (locked in id order on PostgreSQL) and at most two
    executemany updates. Units consumed per use."""
    refs = sorted({u.reference for u in uses if u.reference and u.qty > 0})
    stmt = _ACTIVE.with_for_update() if conn.dialect.name == "postgresql" else _ACTIVE
    pools: dict[tuple[int, int, int, str], list[list[int]]] = {}
    for start in range(0, len(refs), 500):
        for r in conn.execute(stmt, {"refs": refs[start:start + 500]}):
            pools.setdefault((r.warehouse_id, r.sku_id, r.lot_id, r.reference), []).append(
                [r.id, r.open_qty])
    used, after = [], {}
    for u in uses:
        left = u.qty if u.reference and u.qty > 0 else 0
        for slot in pools.get((u.warehouse_id, u.sku_id, u.lot_id, u.reference), ()):
            if left == 0:
                break
            take = min(left, slot[1])
            left -= take
            slot[1] -= take
            after[slot[0]] = slot[1]
        used.append(max(u.qty, 0) - left if u.reference else 0)
    now = clock.now()
    closed = [{"r_id": i, "r_open": 0, "r_at": now} for i, n in after.items() if n == 0]
    _CONSUMED.executemany(conn, closed)
    _LOWERED.executemany(conn, [{"r_id": i, "r_open": n} for i, n in after.items() if n != 0])
    return used


_lowered = update(RESERVATIONS).where(R.id == bindparam("r_id")).values(
    open_qty=bindparam("r_open"))
_LOWERED = Prepared(_lowered)
_CONSUMED = Prepared(_lowered.values(state="consumed", closed_at=bindparam("r_at")))


def _close(conn: Connection, rid: int, open_qty: int, final_state: str) -> None:
    values: dict[str, object] = {"open_qty": open_qty}
    if open_qty == 0:
        values.update(state=final_state, closed_at=clock.now())
    conn.execute(update(RESERVATIONS).where(R.id == rid).values(**values))
