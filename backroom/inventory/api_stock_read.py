"""Read routes of the stock ledger: levels, positions, moves, reservations, transfers.

Lists answer ``{"items": [...], "next_cursor": ...}``; pass ``next_cursor`` back as ``cursor``
for the next page (keyset: no gaps or repeats while others write).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query

from backroom.api.auth import Principal
from backroom.api.deps import get_uow, require
from backroom.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from backroom.core.errors import NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.inventory import queries
from backroom.inventory.schemas import MAX_ID

router = APIRouter(tags=["inventory"])

READ = "inventory:read"
Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
Cursor = Query(None, max_length=1000, description="next_cursor of the previous page")


def _page(page: queries.Page) -> dict[str, Any]:
    after = page.next_after
    cursor = None if after is None else encode_cursor(
        {"k": list(after) if isinstance(after, tuple) else after})
    return {"items": page.items, "next_cursor": cursor}


def _bad(cursor: str) -> ValidationFailed:
    return ValidationFailed.single("cursor", cursor, "is not a cursor this API issued")


def _after_id(cursor: str | None) -> int | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    value = key.get("k")
    if type(value) is not int or not 0 < value <= MAX_ID:
        raise _bad(cursor or "")
    return value


def _after_key(cursor: str | None, shape: tuple[type, ...]) -> tuple[Any, ...] | None:
    """The keyset tuple of a cursor, checked element by element against ``shape``."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    value = key.get("k")
    if (not isinstance(value, list) or len(value) != len(shape)
            or any(type(v) is not t for v, t in zip(value, shape, strict=True))):
        raise _bad(cursor or "")
    return tuple(value)


@router.get("/stock/levels")
def get_levels(_: Principal = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow),
               sku: str | None = None, location: str | None = None,
               warehouse: str | None = None, lot: str | None = None,
               include_virtual: bool = Query(False, description="also SUPPLIER, CUSTOMER, "
                                             "TRANSIT, LOSS, RETURNS balances"),
               limit: int = Limit, cursor: str | None = Cursor) -> dict[str, Any]:
    """Stock per location, SKU and lot, by location code (non-zero rows only)."""
    with uow.read() as conn:
        return _page(queries.list_levels(conn, sku=sku, location=location, warehouse=warehouse,
                                         lot=lot, physical_only=not include_virtual,
                                         limit=limit, after=_after_key(cursor, (str, str, int))))


@router.get("/stock/levels/{sku}")
def get_levels_for_sku(sku: str, _: Principal = Depends(require(READ)),
                       uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Every location holding ``sku`` (warehouse locations and goods in transit)."""
    with uow.read() as conn:
        items = queries.levels_for_sku(conn, sku)
        if not items and not queries.sku_exists(conn, sku):
            raise NotFound(f"unknown SKU {sku!r}")
    return {"sku": sku, "items": items}


@router.get("/stock/positions")
def get_positions(_: Principal = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow),
                  sku: str | None = None, warehouse: str | None = None,
                  by_lot: bool = Query(False, description="one row per lot"),
                  limit: int = Limit, cursor: str | None = Cursor) -> dict[str, Any]:
    """On hand, reserved, safety stock, available, quarantined and incoming per warehouse×SKU."""
    shape: tuple[type, ...] = (str, str, int) if by_lot else (str, str)
    with uow.read() as conn:
        return _page(queries.positions(conn, sku=sku, warehouse=warehouse, by_lot=by_lot,
                                       limit=limit, after=_after_key(cursor, shape)))


@router.get("/stock/moves")
def get_moves(_: Principal = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow),
              sku: str | None = None, reference: str | None = None,
              location: str | None = Query(None, description="either end of the move"),
              reason: str | None = None,
              since: datetime | None = Query(None, description="done at or after (ISO-8601 "
                                             "with offset)"),
              until: datetime | None = Query(None, description="done before (ISO-8601 with "
                                             "offset)"),
              limit: int = Limit, cursor: str | None = Cursor) -> dict[str, Any]:
    """The move ledger, newest first."""
    with uow.read() as conn:
        return _page(queries.list_moves(conn, sku=sku, reference=reference, location=location,
                                        reason=reason, since=since, until=until, limit=limit,
                                        after_id=_after_id(cursor)))


@router.get("/stock/moves/{move_id}")
def get_move(move_id: int = Path(ge=1, le=MAX_ID), _: Principal = Depends(require(READ)),
             uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """One move, with the move that reversed it (``reversed_by``) if any."""
    with uow.read() as conn:
        return queries.get_move(conn, move_id)


@router.get("/stock/reservations")
def get_reservations(_: Principal = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow),
                     reference: str | None = None, sku: str | None = None,
                     warehouse: str | None = None,
                     state: str | None = Query(None, description="active, consumed, released"),
                     limit: int = Limit, cursor: str | None = Cursor) -> dict[str, Any]:
    """Reservations, newest first."""
    with uow.read() as conn:
        return _page(queries.list_reservations(conn, reference=reference, sku=sku,
                                               warehouse=warehouse, state=state, limit=limit,
                                               after_id=_after_id(cursor)))


@router.get("/stock/transfers")
def get_transfers(_: Principal = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow),
                  state: str | None = Query(None, description="in_transit, received, "
                                            "cancelled"),
                  warehouse: str | None = Query(None, description="either end"),
                  reference: str | None = None,
                  limit: int = Limit, cursor: str | None = Cursor) -> dict[str, Any]:
    """Transfers between warehouses with their lines, newest first."""
    with uow.read() as conn:
        return _page(queries.list_transfers(conn, state=state, warehouse=warehouse,
                                            reference=reference, limit=limit,
                                            after_id=_after_id(cursor)))
