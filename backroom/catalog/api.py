"""HTTP routes of the catalog area: products, barcode lookup and CSV import."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from backroom.api.auth import Principal
from backroom.api.deps import WriteContext, get_uow, require, write_context
from backroom.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from backroom.catalog import csvio, queries
from backroom.catalog.errors import UnsupportedMediaType
from backroom.catalog.model import BarcodeSpec, ProductSpec, Tracking, standard_cost_minor
from backroom.catalog.services import create_product, import_products, update_product
from backroom.core.errors import NotFound, Problem, ValidationFailed
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork

router = APIRouter(tags=["catalog"])

PackagingIn = Literal["each", "inner", "case"]
TrackingIn = Literal["none", "lot", "serial"]
_NOT_NULL = ("name", "description", "barcodes", "tracking", "active")
_CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream", "")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BarcodeIn(_In):
    code: StrictStr = Field(description="GTIN-8, -12, -13 or -14 with a valid check digit")
    packaging: PackagingIn = "each"


class ProductPatch(_In):
    """Fields to change; fields left out keep their values, ``null`` clears an optional one."""

    name: StrictStr | None = None
    description: StrictStr | None = None
    barcodes: list[BarcodeIn] | None = None
    length_mm: StrictInt | None = None
    width_mm: StrictInt | None = None
    height_mm: StrictInt | None = None
    weight_g: StrictInt | None = None
    tracking: TrackingIn | None = None
    shelf_life_days: StrictInt | None = None
    inner_qty: StrictInt | None = Field(None, description="units in an inner pack (> 1)")
    case_qty: StrictInt | None = Field(None, description="units in a case (a multiple of inner)")
    standard_cost: Decimal | None = Field(None, description="in the base currency, e.g. \"12.50\"")
    active: StrictBool | None = None


class ProductCreate(ProductPatch):
    sku: StrictStr = Field(description="letters, digits, '.', '_' and '-'; at most 64")
    name: StrictStr
    description: StrictStr = ""
    barcodes: list[BarcodeIn] = Field(default_factory=list)
    tracking: TrackingIn = "none"
    active: StrictBool = True


class BarcodeOut(BaseModel):
    code: str
    packaging: str


class PackagingOut(BaseModel):
    name: str
    qty: int


class ProductOut(BaseModel):
    id: int
    sku: str
    name: str
    description: str
    barcodes: list[BarcodeOut]
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    weight_g: int | None
    tracking: str
    shelf_life_days: int | None
    inner_qty: int | None
    case_qty: int | None
    packagings: list[PackagingOut]
    standard_cost: str | None
    currency: str
    active: bool
    created_at: datetime
    updated_at: datetime


class BarcodeMatch(BaseModel):
    code: str
    packaging: str
    qty: int = Field(description="base units this barcode stands for")
    product: ProductOut


class ImportOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    invalid_rows: int
    errors: list[dict[str, Any]] = Field(description="bad rows skipped (with skip_invalid)")


def _currency() -> str:
    return get_settings().base_currency.upper()


def _out(product: dict[str, Any]) -> dict[str, Any]:
    """A product as JSON exactly as the GET routes render it."""
    return ProductOut.model_validate(product).model_dump(mode="json")


def _changes(body: ProductPatch) -> dict[str, Any]:
    """The body's stated fields as typed product changes."""
    given = {name: getattr(body, name) for name in body.model_fields_set}
    problems = [Problem(name, "may not be null") for name in _NOT_NULL
                if name in given and given[name] is None]
    if problems:
        raise ValidationFailed.of(problems)
    if "barcodes" in given:
        given["barcodes"] = tuple(BarcodeSpec(b.code, b.packaging) for b in given["barcodes"])
    if "tracking" in given:
        given["tracking"] = Tracking(given["tracking"])
    if "standard_cost" in given:
        cost = given.pop("standard_cost")
        given["standard_cost_minor"] = (None if cost is None
                                        else standard_cost_minor(cost, _currency()))
    return given


# ---------------------------------------------------------------------------------------------
# Reads


@router.get("/products", response_model=Page[ProductOut])
def list_products(q: str | None = Query(None, max_length=200,
                                        description="part of the SKU or name, or a barcode"),
                  active: bool | None = None,
                  limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                  cursor: str | None = None,
                  _: Principal = Depends(require("catalog:read")),
                  uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Products in SKU order, a page at a time (pass ``next_cursor`` back as ``cursor``)."""
    key = decode_cursor(cursor)
    after = key.get("sku") if key else None
    if key is not None and not isinstance(after, str):
        raise ValidationFailed.single("cursor", cursor, "is not a cursor this API issued")
    with uow.read() as conn:
        items = queries.list_products(conn, _currency(), search=q, active=active,
                                      limit=limit + 1, after_sku=after)
    more = len(items) > limit
    return {"items": items[:limit],
            "next_cursor": encode_cursor({"sku": items[limit - 1]["sku"]}) if more else None}


@router.get("/products/{sku}", response_model=ProductOut)
def get_product(sku: str, _: Principal = Depends(require("catalog:read")),
                uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    with uow.read() as conn:
        product = queries.get_product(conn, sku, _currency())
    if product is None:
        raise NotFound(f"no product {sku!r}", data={"sku": sku})
    return product


@router.get("/barcodes/{code}", response_model=BarcodeMatch)
def find_barcode(code: str, _: Principal = Depends(require("catalog:read")),
                 uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """The product (and packaging unit) a scanned barcode stands for."""
    with uow.read() as conn:
        match = queries.find_by_barcode(conn, code, _currency())
    if match is None:
        raise NotFound(f"no product has barcode {code!r}", data={"code": code})
    return match


# ---------------------------------------------------------------------------------------------
# Writes


@router.post("/products", status_code=201, response_model=ProductOut)
def create(body: ProductCreate,
           ctx: WriteContext = Depends(write_context("catalog:write"))) -> JSONResponse:
    """Create a SKU. Send an ``Idempotency-Key`` header to make retries safe."""
    changes = _changes(body)
    spec = ProductSpec(sku=changes.pop("sku")).with_changes(changes)
    return ctx.run(lambda uow: _out(create_product(uow, spec)), status_code=201)


@router.patch("/products/{sku}", response_model=ProductOut)
def patch(sku: str, body: ProductPatch,
          ctx: WriteContext = Depends(write_context("catalog:write"))) -> JSONResponse:
    """Change some fields of a SKU (``{"active": false}`` deactivates it)."""
    changes = _changes(body)
    return ctx.run(lambda uow: _out(update_product(uow, sku, changes)))


_IMPORT_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}}}}}


@router.post("/products/import", response_model=ImportOut, openapi_extra=_IMPORT_BODY)
async def import_csv(request: Request,
                     skip_invalid: bool = Query(False, description="write the good rows and "
                                                "report the bad ones instead of refusing all"),
                     ctx: WriteContext = Depends(write_context("catalog:write"))) -> JSONResponse:
    """Create or update products from a CSV (see docs/catalog.md for the columns).

    Any bad row: 422 with every problem (line, field, value) and nothing written — unless
    ``skip_invalid=true``, which writes the good rows and lists the bad ones in ``errors``.
    """
    data = await _csv_body(request)
    rows = await run_in_threadpool(csvio.read_csv, data, _currency())

    def run(uow: UnitOfWork) -> dict[str, Any]:
        return import_products(uow, rows, skip_invalid=skip_invalid).as_dict()

    response: JSONResponse = await run_in_threadpool(ctx.run, run)
    return response


async def _csv_body(request: Request) -> bytes:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed.single("file", None, "is required: send the CSV as the "
                                                        "multipart part named 'file'")
        return await upload.read()
    if media in _CSV_TYPES:
        return await request.body()
    raise UnsupportedMediaType(f"send the CSV as text/csv or multipart/form-data, not {media!r}",
                               data={"content_type": media})
