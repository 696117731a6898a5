"""Read side of the stock ledger: levels, positions, moves, reservations and transfers.

Core selects only, every value a bound parameter. Lists use keyset pagination: each ``Page``
carries the key of its last row, and the next page starts strictly after it, so pages never
overlap or skip rows while others write. Codes (SKU, location, warehouse, lot) are shown
instead of ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, or_, select, tuple_

from backroom.catalog.tables import PRODUCTS
from backroom.core.errors import NotFound, ValidationFailed
from backroom.inventory.model import LocationKind, Reason
from backroom.inventory.tables import (
    LEVELS,
    LOCATIONS,
    LOTS,
    MOVES,
    POSITIONS,
    RESERVATIONS,
    SETTINGS,
    TRANSFER_LINES,
    TRANSFERS,
    WAREHOUSES,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
RESERVATION_STATES = ("active", "consumed", "released")
TRANSFER_STATES = ("in_transit", "received", "cancelled")

_P, _L, _W, _LOT, _LV = PRODUCTS.c, LOCATIONS.c, WAREHOUSES.c, LOTS.c, LEVELS.c


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list and the key to continue after (``None`` on the last page)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    next_after: Any = None


def check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.single("limit", limit, f"must be between 1 and {MAX_LIMIT}")


def _fetch(conn: Connection, stmt: Select[Any], limit: int,
           key: Any) -> Page:
    """Run ``stmt`` for one row more than ``limit`` to learn whether another page follows."""
    rows = [dict(r._mapping) for r in conn.execute(stmt.limit(limit + 1))]
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, key(rows[-1]))
    return Page(rows)


# --- levels -----------------------------------------------------------------------------------

_LEVELS_FOR_SKU = (
    select(_L.code.label("location"), _L.kind, _W.code.label("warehouse"),
           _LOT.code.label("lot"), _LOT.expiry_date.label("expiry"), _LV.on_hand, _LV.reserved)
    .select_from(LEVELS)
    .join(LOCATIONS, _L.id == _LV.location_id)
    .outerjoin(WAREHOUSES, _W.id == _L.warehouse_id)
    .outerjoin(LOTS, _LOT.id == _LV.lot_id)
    .where(_LV.sku_id == select(_P.id).where(_P.sku == bindparam("sku")).scalar_subquery(),
           _LV.on_hand > 0,
           or_(_LV.physical, _L.kind == LocationKind.TRANSIT.value))
    .order_by(_W.code.is_(None), _W.code, _L.code, _LV.lot_id)
)


def levels_for_sku(conn: Connection, sku_code: str) -> list[dict[str, Any]]:
    """Every location holding ``sku_code`` (warehouse locations and goods in transit).

    One indexed query (``ix_stock_levels_sku``); an unknown SKU simply holds nothing.
    """
    result = conn.execute(_LEVELS_FOR_SKU, {"sku": sku_code})
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]  # dict(row._mapping): 3x slower


def sku_exists(conn: Connection, sku_code: str) -> bool:
    return conn.execute(select(_P.id).where(_P.sku == sku_code)).first() is not None


def list_levels(conn: Connection, *, sku: str | None = None, location: str | None = None,
                warehouse: str | None = None, lot: str | None = None, physical_only: bool = True,
                limit: int = DEFAULT_LIMIT,
                after: tuple[str, str, int] | None = None) -> Page:
    """Non-zero levels by (location code, SKU, lot id); virtual locations when not ``physical_only``.

    Virtual locations carry running balances: SUPPLIER goes negative by everything received.
    """
    check_limit(limit)
    stmt: Select[Any] = (
        select(_L.code.label("location"), _L.kind, _W.code.label("warehouse"), _P.sku,
               _LV.lot_id, _LOT.code.label("lot"), _LOT.expiry_date.label("expiry"),
               _LV.on_hand, _LV.reserved)
        .select_from(LEVELS)
        .join(LOCATIONS, _L.id == _LV.location_id)
        .join(PRODUCTS, _P.id == _LV.sku_id)
        .outerjoin(WAREHOUSES, _W.id == _L.warehouse_id)
        .outerjoin(LOTS, _LOT.id == _LV.lot_id)
        .where(or_(_LV.on_hand != 0, _LV.reserved != 0))
        .order_by(_L.code, _P.sku, _LV.lot_id)
    )
    stmt = _filters(stmt, {_P.sku: sku, _L.code: location, _W.code: warehouse, _LOT.code: lot})
    if physical_only:
        stmt = stmt.where(_LV.physical)
    if after is not None:
        stmt = stmt.where(tuple_(_L.code, _P.sku, _LV.lot_id) > tuple_(*after))
    page = _fetch(conn, stmt, limit, lambda r: (r["location"], r["sku"], r["lot_id"]))
    for item in page.items:
        item.pop("lot_id")
    return page


def _filters(stmt: Select[Any], equal: dict[Any, Any]) -> Select[Any]:
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


# --- positions --------------------------------------------------------------------------------

def positions(conn: Connection, *, sku: str | None = None, warehouse: str | None = None,
              by_lot: bool = False, limit: int = DEFAULT_LIMIT,
              after: tuple[Any, ...] | None = None) -> Page:
    """The sales buckets per warehouse and SKU (and lot when ``by_lot``).

    ``available = on_hand - reserved - safety_stock`` per warehouse and SKU; it is negative
    when reservations already eat into the safety stock. Safety stock is set per warehouse and
    SKU, not per lot, so per-lot rows show ``safety_stock`` null and ``available`` as
    ``on_hand - reserved``. Keyset: (warehouse code, SKU[, lot id]).
    """
    check_limit(limit)
    keys = [_W.code, _P.sku, *([POSITIONS.c.lot_id] if by_lot else [])]
    stmt = _filters(_positions_select(by_lot), {_P.sku: sku, _W.code: warehouse})
    if after is not None:
        if len(after) != len(keys):
            raise ValidationFailed.single("cursor", list(after), "does not fit this listing")
        stmt = stmt.where(tuple_(*keys) > tuple_(*after))
    names = ("warehouse", "sku", "lot_id")[:len(keys)]
    page = _fetch(conn, stmt.order_by(*keys), limit, lambda r: tuple(r[k] for k in names))
    for item in page.items:
        _finish_position(item, by_lot)
    return page


def _positions_select(by_lot: bool) -> Select[Any]:
    pc, sc = POSITIONS.c, SETTINGS.c
    buckets = [func.sum(getattr(pc, b)).label(b)
               for b in ("on_hand", "reserved", "quarantined", "incoming")]
    columns: list[Any] = [_W.code.label("warehouse"), _P.sku]
    groups: list[Any] = [_W.code, _P.sku]
    if by_lot:
        columns += [pc.lot_id, _LOT.code.label("lot"), _LOT.expiry_date.label("expiry")]
        groups += [pc.lot_id, _LOT.code, _LOT.expiry_date]
    else:
        columns.append(func.coalesce(func.max(sc.safety_stock), 0).label("safety_stock"))
    stmt = (select(*columns, *buckets).select_from(POSITIONS)
            .join(WAREHOUSES, _W.id == pc.warehouse_id)
            .join(PRODUCTS, _P.id == pc.sku_id))
    if by_lot:
        stmt = stmt.outerjoin(LOTS, _LOT.id == pc.lot_id)
    else:
        stmt = stmt.outerjoin(SETTINGS, and_(sc.warehouse_id == pc.warehouse_id,
                                             sc.sku_id == pc.sku_id))
    return stmt.group_by(*groups)


def _finish_position(item: dict[str, Any], by_lot: bool) -> None:
    for bucket in ("on_hand", "reserved", "quarantined", "incoming"):
        item[bucket] = int(item[bucket] or 0)
    if by_lot:
        item.pop("lot_id")
        item["safety_stock"] = None
        item["available"] = item["on_hand"] - item["reserved"]
    else:
        item["safety_stock"] = int(item["safety_stock"])
        item["available"] = item["on_hand"] - item["reserved"] - item["safety_stock"]


# --- moves ------------------------------------------------------------------------------------

_SRC, _DST = LOCATIONS.alias("src"), LOCATIONS.alias("dst")
_REVERSAL = MOVES.alias("reversal")


def _move_select() -> Select[Any]:
    m = MOVES.c
    reversed_by = (select(_REVERSAL.c.id).where(_REVERSAL.c.reverses_move_id == m.id)
                   .limit(1).scalar_subquery())
    return (select(m.id, _P.sku, _LOT.code.label("lot"), m.qty,
                   _SRC.c.code.label("from"), _DST.c.code.label("to"),
                   _SRC.c.kind.label("from_kind"), _DST.c.kind.label("to_kind"), m.state,
                   m.reason, m.reference, m.note, m.value_minor, m.transfer_id,
                   m.reverses_move_id, reversed_by.label("reversed_by"), m.created_at, m.done_at)
            .select_from(MOVES)
            .join(PRODUCTS, _P.id == m.sku_id)
            .join(_SRC, _SRC.c.id == m.from_location_id)
            .join(_DST, _DST.c.id == m.to_location_id)
            .outerjoin(LOTS, _LOT.id == m.lot_id))


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed.single(name, value.isoformat(), "needs a timezone, e.g. "
                                      "2025-01-31T00:00:00Z or +02:00")


def list_moves(conn: Connection, *, sku: str | None = None, reference: str | None = None,
               location: str | None = None, since: datetime | None = None,
               until: datetime | None = None, reason: str | None = None,
               limit: int = DEFAULT_LIMIT, after_id: int | None = None) -> Page:
    """Moves newest first (keyset by id). ``since`` ≤ done_at < ``until``; ``location``
    matches either end."""
    check_limit(limit)
    _aware("since", since)
    _aware("until", until)
    if reason is not None and reason not in {r.value for r in Reason}:
        raise ValidationFailed.single("reason", reason, "must be one of "
                                      + ", ".join(r.value for r in Reason))
    m = MOVES.c
    stmt = _filters(_move_select(), {_P.sku: sku, m.reference: reference, m.reason: reason})
    if location is not None:
        stmt = stmt.where(or_(_SRC.c.code == location, _DST.c.code == location))
    if since is not None:
        stmt = stmt.where(m.done_at >= since)
    if until is not None:
        stmt = stmt.where(m.done_at < until)
    if after_id is not None:
        stmt = stmt.where(m.id < after_id)
    return _fetch(conn, stmt.order_by(m.id.desc()), limit, lambda r: r["id"])


def get_move(conn: Connection, move_id: int) -> dict[str, Any]:
    row = conn.execute(_move_select().where(MOVES.c.id == move_id)).first()
    if row is None:
        raise NotFound(f"no stock move {move_id}")
    return dict(row._mapping)


# --- reservations -----------------------------------------------------------------------------

def _reservation_select() -> Select[Any]:
    r = RESERVATIONS.c
    return (select(r.id, _W.code.label("warehouse"), _P.sku, _LOT.code.label("lot"), r.qty,
                   r.open_qty, r.state, r.reference, r.created_at, r.closed_at)
            .select_from(RESERVATIONS)
            .join(WAREHOUSES, _W.id == r.warehouse_id)
            .join(PRODUCTS, _P.id == r.sku_id)
            .outerjoin(LOTS, _LOT.id == r.lot_id))


def list_reservations(conn: Connection, *, reference: str | None = None, sku: str | None = None,
                      warehouse: str | None = None, state: str | None = None,
                      limit: int = DEFAULT_LIMIT, after_id: int | None = None) -> Page:
    """Reservations newest first (keyset by id)."""
    check_limit(limit)
    if state is not None and state not in RESERVATION_STATES:
        raise ValidationFailed.single("state", state,
                                      "must be one of " + ", ".join(RESERVATION_STATES))
    r = RESERVATIONS.c
    stmt = _filters(_reservation_select(), {r.reference: reference, _P.sku: sku,
                                            _W.code: warehouse, r.state: state})
    if after_id is not None:
        stmt = stmt.where(r.id < after_id)
    return _fetch(conn, stmt.order_by(r.id.desc()), limit, lambda row: row["id"])


def reservations_by_id(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The given reservations, in the order of ``ids``."""
    if not ids:
        return []
    rows = {row.id: dict(row._mapping) for row in conn.execute(
        _reservation_select().where(RESERVATIONS.c.id.in_(list(ids))))}
    return [rows[i] for i in ids if i in rows]


# --- transfers --------------------------------------------------------------------------------

def list_transfers(conn: Connection, *, state: str | None = None, warehouse: str | None = None,
                   reference: str | None = None, limit: int = DEFAULT_LIMIT,
                   after_id: int | None = None) -> Page:
    """Transfers newest first with their lines; ``warehouse`` matches either end."""
    check_limit(limit)
    if state is not None and state not in TRANSFER_STATES:
        raise ValidationFailed.single("state", state,
                                      "must be one of " + ", ".join(TRANSFER_STATES))
    t = TRANSFERS.c
    src_wh, dst_wh = WAREHOUSES.alias("src_wh"), WAREHOUSES.alias("dst_wh")
    stmt: Select[Any] = (
        select(t.id, t.reference, src_wh.c.code.label("from_warehouse"),
               dst_wh.c.code.label("to_warehouse"), t.state, t.created_at, t.received_at)
        .join(src_wh, src_wh.c.id == t.from_warehouse_id)
        .join(dst_wh, dst_wh.c.id == t.to_warehouse_id)
    )
    stmt = _filters(stmt, {t.state: state, t.reference: reference})
    if warehouse is not None:
        stmt = stmt.where(or_(src_wh.c.code == warehouse, dst_wh.c.code == warehouse))
    if after_id is not None:
        stmt = stmt.where(t.id < after_id)
    page = _fetch(conn, stmt.order_by(t.id.desc()), limit, lambda r: r["id"])
    lines = _transfer_lines(conn, [item["id"] for item in page.items])
    for item in page.items:
        item["lines"] = lines.get(item["id"], [])
    return page


def _transfer_lines(conn: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not ids:
        return {}
    tl = TRANSFER_LINES.c
    out: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(select(tl.transfer_id, _P.sku, _LOT.code.label("lot"), tl.qty,
                                   tl.received_qty)
                            .join(PRODUCTS, _P.id == tl.sku_id)
                            .outerjoin(LOTS, _LOT.id == tl.lot_id)
                            .where(tl.transfer_id.in_(ids)).order_by(tl.id)):
        line = dict(row._mapping)
        out.setdefault(line.pop("transfer_id"), []).append(line)
    return out


__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "get_move", "levels_for_sku",
           "list_levels", "list_moves", "list_reservations", "list_transfers", "positions",
           "reservations_by_id", "sku_exists"]
