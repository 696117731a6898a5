"""Read side of warehouses and locations: lists with keyset pagination by code, and details."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select

from backroom.core.errors import NotFound, ValidationFailed
from backroom.inventory.model import PHYSICAL_KINDS, LocationKind
from backroom.inventory.tables import LEVELS, LOCATIONS, WAREHOUSES

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

_W = WAREHOUSES.c
_L = LOCATIONS.c
_WAREHOUSE_COLUMNS = (_W.code, _W.name, _W.address_line1, _W.address_line2, _W.city, _W.region,
                      _W.postal_code, _W.country, _W.latitude, _W.longitude, _W.active,
                      _W.created_at)
_LOCATION_COLUMNS = (_L.code, _W.code.label("warehouse"), _L.kind, _L.physical, _L.name,
                     _L.zone, _L.aisle, _L.bay, _L.level, _L.active)


@dataclass(frozen=True, slots=True)
class Slice:
    """One page of a list: its rows and the code to continue after (None on the last page)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    next_after: str | None = None


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.single("limit", limit, f"must be between 1 and {MAX_LIMIT}")


def _page(conn: Connection, stmt: Select[Any], limit: int) -> Slice:
    rows = [dict(r._mapping) for r in conn.execute(stmt.limit(limit + 1))]
    if len(rows) > limit:
        return Slice(rows[:limit], str(rows[limit - 1]["code"]))
    return Slice(rows)


def _bin_counts() -> Any:
    return (select(_L.warehouse_id, func.count().label("bins"))
            .where(_L.kind == LocationKind.STORAGE.value).group_by(_L.warehouse_id).subquery())


def list_warehouses(conn: Connection, limit: int = DEFAULT_LIMIT,
                    after_code: str | None = None) -> Slice:
    """Warehouses by code, with their number of storage bins."""
    _check_limit(limit)
    bins = _bin_counts()
    stmt = (select(*_WAREHOUSE_COLUMNS, func.coalesce(bins.c.bins, 0).label("bins"))
            .outerjoin(bins, bins.c.warehouse_id == _W.id).order_by(_W.code))
    if after_code is not None:
        stmt = stmt.where(_W.code > after_code)
    return _page(conn, stmt, limit)


def get_warehouse(conn: Connection, code: str) -> dict[str, Any]:
    """One warehouse with its standard locations and a count of locations per kind."""
    code = code.strip().upper()
    row = conn.execute(select(_W.id, *_WAREHOUSE_COLUMNS).where(_W.code == code)).first()
    if row is None:
        raise NotFound(f"unknown warehouse {code!r}", data={"warehouse": code})
    out = dict(row._mapping)
    wh_id = out.pop("id")
    counts = {kind: int(n) for kind, n in conn.execute(
        select(_L.kind, func.count()).where(_L.warehouse_id == wh_id).group_by(_L.kind))}
    standard = conn.execute(select(_L.kind, _L.code).where(
        _L.warehouse_id == wh_id, _L.kind != LocationKind.STORAGE.value).order_by(_L.id)).all()
    out["bins"] = int(counts.get(LocationKind.STORAGE.value, 0))
    out["location_counts"] = {kind.value: int(counts.get(kind.value, 0))
                              for kind in LocationKind if kind in PHYSICAL_KINDS}
    out["standard_locations"] = {}
    for kind, location_code in standard:
        out["standard_locations"].setdefault(kind, location_code)
    return out


def _parse_kind(kind: str) -> str:
    try:
        return LocationKind(kind.strip().lower()).value
    except ValueError:
        raise ValidationFailed.single("kind", kind, "must be one of "
                                      + ", ".join(k.value for k in LocationKind)) from None


def list_locations(conn: Connection, warehouse_code: str | None = None, kind: str | None = None,
                   search: str | None = None, limit: int = DEFAULT_LIMIT,
                   after_code: str | None = None) -> Slice:
    """Locations by code, filtered by warehouse, kind and a case-insensitive search of the code
    and name. Virtual locations have no warehouse, so a warehouse filter leaves them out."""
    _check_limit(limit)
    stmt = select(*_LOCATION_COLUMNS).outerjoin(WAREHOUSES, _W.id == _L.warehouse_id)
    if warehouse_code:
        wh = warehouse_code.strip().upper()
        if conn.execute(select(_W.id).where(_W.code == wh)).first() is None:
            raise NotFound(f"unknown warehouse {wh!r}", data={"warehouse": wh})
        stmt = stmt.where(_W.code == wh)
    if kind:
        stmt = stmt.where(_L.kind == _parse_kind(kind))
    if search and search.strip():
        text = search.strip()
        stmt = stmt.where(or_(_L.code.icontains(text, autoescape=True),
                              _L.name.icontains(text, autoescape=True)))
    if after_code is not None:
        stmt = stmt.where(_L.code > after_code)
    return _page(conn, stmt.order_by(_L.code), limit)


def get_location(conn: Connection, code: str) -> dict[str, Any]:
    """One location with what it holds (distinct SKU/lot rows, units on hand and reserved)."""
    code = code.strip().upper()
    row = conn.execute(select(_L.id, *_LOCATION_COLUMNS)
                       .outerjoin(WAREHOUSES, _W.id == _L.warehouse_id)
                       .where(_L.code == code)).first()
    if row is None:
        raise NotFound(f"unknown location {code!r}", data={"location": code})
    out = dict(row._mapping)
    lv = LEVELS.c
    stock = conn.execute(select(func.count(), func.coalesce(func.sum(lv.on_hand), 0),
                                func.coalesce(func.sum(lv.reserved), 0))
                         .where(lv.location_id == out.pop("id"), lv.on_hand != 0)).one()
    out["stock"] = {"lines": int(stock[0]), "on_hand": int(stock[1]),
                    "reserved": int(stock[2])}
    return out
