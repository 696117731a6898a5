"""HTTP routes for warehouses and locations (mounted under ``/api/v1``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from backroom.api.auth import Principal
from backroom.api.deps import WriteContext, get_uow, require, write_context
from backroom.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from backroom.core.errors import ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.inventory import location_queries as queries
from backroom.inventory import locations as services

router = APIRouter(tags=["locations"])

READ = "inventory:read"
WRITE = "locations:write"


class WarehouseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=16, examples=["WH1"])
    name: str = Field(max_length=255)
    postal_code: str = Field(max_length=20)
    country: str = Field(max_length=2, examples=["US"])
    address_line1: str = Field("", max_length=255)
    address_line2: str = Field("", max_length=255)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    latitude: float | None = None
    longitude: float | None = None


class BinsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: str = Field(max_length=500, examples=["A-J x 1-30 x 1-4"])
    zone: str = Field("", max_length=32)


class BinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aisle: str = Field(max_length=8, examples=["A"])
    bay: int
    level: int
    zone: str = Field("", max_length=32)
    name: str = Field("", max_length=255)


def _after(cursor: str | None) -> str | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    after = key.get("after")
    if not isinstance(after, str):
        raise ValidationFailed.single("cursor", cursor, "is not a cursor this API issued")
    return after


def _page(page: queries.Slice) -> dict[str, Any]:
    cursor = encode_cursor({"after": page.next_after}) if page.next_after is not None else None
    return {"items": page.items, "next_cursor": cursor}


@router.get("/warehouses")
def list_warehouses(_: Principal = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow),
                    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                    cursor: str | None = None) -> dict[str, Any]:
    """Warehouses by code, with their number of bins."""
    with uow.read() as conn:
        return _page(queries.list_warehouses(conn, limit, _after(cursor)))


@router.post("/warehouses", status_code=201)
def create_warehouse(body: WarehouseIn,
                     ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Create a warehouse with its INPUT, PACK, OUTPUT and QUARANTINE locations."""
    spec = services.WarehouseSpec(**body.model_dump())
    return ctx.run(lambda uow: services.create_warehouse(uow, spec), status_code=201)


@router.get("/warehouses/{code}")
def get_warehouse(code: str, _: Principal = Depends(require(READ)),
                  uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """One warehouse with its standard locations and location counts per kind."""
    with uow.read() as conn:
        return queries.get_warehouse(conn, code)


@router.post("/warehouses/{code}/bins")
def create_bins(code: str, body: BinsIn,
                ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Create the bins a layout spec describes; existing bins are counted, not changed."""
    return ctx.run(lambda uow: services.create_bins(uow, code, body.spec, body.zone))


@router.post("/warehouses/{code}/locations", status_code=201)
def add_bin(code: str, body: BinIn,
            ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Add one storage bin at an aisle, bay and level."""
    return ctx.run(lambda uow: services.add_location(uow, code, body.aisle, body.bay, body.level,
                                                     body.zone, body.name), status_code=201)


@router.get("/locations")
def list_locations(_: Principal = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow),
                   warehouse: str | None = None, kind: str | None = None,
                   q: str | None = Query(None, max_length=100, description="part of code or name"),
                   limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                   cursor: str | None = None) -> dict[str, Any]:
    """Locations by code, filtered by warehouse, kind and a search text."""
    with uow.read() as conn:
        return _page(queries.list_locations(conn, warehouse, kind, q, limit, _after(cursor)))


@router.get("/locations/{code}")
def get_location(code: str, _: Principal = Depends(require(READ)),
                 uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """One location with what it holds."""
    with uow.read() as conn:
        return queries.get_location(conn, code)


@router.post("/locations/{code}/deactivate")
def deactivate_location(code: str,
                        ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Retire a physical location; refused (409) while it holds stock."""
    return ctx.run(lambda uow: services.deactivate_location(uow, code))
