"""Turn the codes people use (SKU, location, lot) into the ids the ledger stores.

Every lookup collects all unknown codes before raising, so a batch reports every problem once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, insert, select

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import NotFound, Problem, ValidationFailed
from backroom.inventory.model import VIRTUAL_CODES, LocationKind, Place
from backroom.inventory.tables import LOCATIONS, LOTS, WAREHOUSES


@dataclass(frozen=True, slots=True)
class Sku:
    id: int
    code: str
    tracking: str
    active: bool
    standard_cost_minor: int | None


def skus(conn: Connection, codes: Iterable[str], field: str = "sku") -> dict[str, Sku]:
    wanted = sorted(set(codes))
    found: dict[str, Sku] = {}
    p = PRODUCTS.c
    for chunk in _chunks(wanted):
        for row in conn.execute(select(p.id, p.sku, p.tracking, p.active, p.standard_cost_minor)
                                .where(p.sku.in_(chunk))):
            found[row.sku] = Sku(row.id, row.sku, row.tracking, row.active,
                                 row.standard_cost_minor)
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(f"unknown SKU: {', '.join(missing[:20])}",
                       problems=[Problem(field, "unknown SKU", c) for c in missing])
    return found


def sku(conn: Connection, code: str) -> Sku:
    return skus(conn, [code])[code]


def places(conn: Connection, codes: Iterable[str], field: str = "location") -> dict[str, Place]:
    wanted = sorted(set(codes))
    found: dict[str, Place] = {}
    c = LOCATIONS.c
    for chunk in _chunks(wanted):
        for row in conn.execute(select(c.id, c.code, c.kind, c.warehouse_id, c.active)
                                .where(c.code.in_(chunk))):
            found[row.code] = Place(row.id, row.code, LocationKind(row.kind), row.warehouse_id,
                                    row.active)
    missing = [code for code in wanted if code not in found]
    if missing:
        raise NotFound(f"unknown location: {', '.join(missing[:20])}",
                       problems=[Problem(field, "unknown location", m) for m in missing])
    return found


def place(conn: Connection, code: str, field: str = "location") -> Place:
    return places(conn, [code], field)[code]


def virtual(conn: Connection, kind: LocationKind) -> Place:
    return place(conn, VIRTUAL_CODES[kind])


def warehouse_id(conn: Connection, code: str, field: str = "warehouse") -> int:
    w = WAREHOUSES.c
    found = conn.execute(select(w.id).where(w.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"unknown warehouse {code!r}", problems=[Problem(field, "unknown", code)])
    return int(found)


def warehouse_location(conn: Connection, wh_code: str, kind: LocationKind) -> Place:
    """A warehouse's standard location of ``kind`` (input, pack, output, quarantine)."""
    wh = warehouse_id(conn, wh_code)
    c = LOCATIONS.c
    row = conn.execute(select(c.id, c.code, c.kind, c.warehouse_id)
                       .where(c.warehouse_id == wh, c.kind == kind.value)
                       .order_by(c.id).limit(1)).first()
    if row is None:
        raise NotFound(f"warehouse {wh_code} has no {kind} location")
    return Place(row.id, row.code, LocationKind(row.kind), row.warehouse_id)


def lot_id(conn: Connection, sku: Sku, code: str | None, field: str = "lot") -> int:
    """Id of an existing lot of ``sku``; 0 when ``code`` is empty."""
    if not code:
        return 0
    lt = LOTS.c
    found = conn.execute(select(lt.id).where(lt.sku_id == sku.id, lt.code == code)
                         ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"SKU {sku.code} has no lot {code!r}",
                       problems=[Problem(field, f"unknown lot of {sku.code}", code)])
    return int(found)


def ensure_lot(conn: Connection, sku: Sku, code: str, expiry: date | None) -> int:
    """The lot's id, creating it on first receipt; a different expiry for a known lot is refused."""
    lt = LOTS.c
    row = conn.execute(select(lt.id, lt.expiry_date).where(lt.sku_id == sku.id, lt.code == code)
                       ).first()
    if row is not None:
        if expiry is not None and row.expiry_date is not None and row.expiry_date != expiry:
            raise ValidationFailed.single(
                "expiry", expiry.isoformat(),
                f"lot {code} of {sku.code} already has expiry {row.expiry_date.isoformat()}")
        return int(row.id)
    new_id = conn.execute(insert(LOTS).values(sku_id=sku.id, code=code, expiry_date=expiry,
                                              created_at=clock.now()).returning(lt.id)
                          ).scalar_one()
    return int(new_id)


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
