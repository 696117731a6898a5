"""HTTP routes of the box catalog, packing and shipping of fulfillment orders.

Reads take ``fulfillment:read``; writes ``fulfillment:write`` and an optional
``Idempotency-Key`` (a retried ``…/ship`` replays its answer and never buys a second label).
See docs/fulfillment.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from backroom.api.auth import Principal
from backroom.api.deps import WriteContext, get_uow, require, write_context
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import boxes, packing_service, ship_batch
from backroom.fulfillment.box_csv import import_boxes
from backroom.fulfillment.pack_batch import pack_many_as_proposed
from backroom.fulfillment.shipping_service import ship_fulfillment_order

router = APIRouter(tags=["packing"])
_READ = "fulfillment:read"
_WRITE = "fulfillment:write"
PACK_MANY_MAX = 1000  # fulfillment orders per pack-as-proposed request


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BoxIn(_In):
    code: StrictStr
    name: StrictStr = ""
    inner_length_mm: StrictInt
    inner_width_mm: StrictInt
    inner_height_mm: StrictInt
    max_weight_g: StrictInt = Field(description="most the contents may weigh")
    tare_g: StrictInt = Field(0, description="what the empty box weighs")
    cost: StrictStr | StrictInt = Field("0", description="one box, in the base currency: "
                                                         "\"0.85\"")

    def to_spec(self) -> boxes.BoxSpec:
        return boxes.BoxSpec(**self.model_dump())


class BoxPatch(_In):
    name: StrictStr | None = None
    inner_length_mm: StrictInt | None = None
    inner_width_mm: StrictInt | None = None
    inner_height_mm: StrictInt | None = None
    max_weight_g: StrictInt | None = None
    tare_g: StrictInt | None = None
    cost: StrictStr | StrictInt | None = None
    active: bool | None = None


class OpenIn(_In):
    box: StrictStr = Field(description="box code from the catalog")


class PackScanIn(_In):
    carton_no: StrictInt
    barcode: StrictStr = Field(description="GTIN (any zero padding) or SKU code")
    qty: StrictInt = Field(1, description="scans (a case barcode counts its case quantity)")
    lot: StrictStr | None = Field(None, description="lot or serial number, for tracked SKUs")


class UnpackIn(_In):
    carton_no: StrictInt
    barcode: StrictStr = Field(description="GTIN (any zero padding) or SKU code")
    qty: StrictInt = Field(1, description="scans to take out (a case barcode counts its case "
                                          "quantity)")
    lot: StrictStr | None = Field(None, description="lot or serial number, when the carton "
                                                    "holds several")


class PackAsProposedIn(_In):
    fulfillment_order_ids: list[StrictInt] = Field(
        min_length=1, max_length=PACK_MANY_MAX,
        description=f"picked fulfillment orders to pack (at most {PACK_MANY_MAX})")


class ShipIn(_In):
    carrier: StrictStr | None = Field(None, description="with service; leave both out to ship "
                                                        "the cheapest meeting the promise")
    service: StrictStr | None = None
    cartons: list[StrictInt] | None = Field(None, description="ship only these sealed "
                                                              "cartons now (default: all)")


@router.get("/boxes")
def list_boxes(include_inactive: bool = Query(False), _: Principal = Depends(require(_READ)),
               uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """The box catalog, smallest first (one page: a catalog is a few dozen boxes)."""
    return {"items": boxes.list_boxes(uow, include_inactive=include_inactive),
            "next_cursor": None}


@router.post("/boxes", status_code=201)
def post_box(body: BoxIn, ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    return ctx.run(lambda uow: boxes.create_box(uow, body.to_spec()), status_code=201)


_CSV_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}}}}}


@router.post("/boxes/import", openapi_extra=_CSV_BODY)
async def import_csv(request: Request,
                     ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    """Create or update boxes from CSV (``code,name,inner_length_mm,inner_width_mm,
    inner_height_mm,max_weight_g,tare_g,cost``); any bad row: 422, nothing written."""
    data = await request.body()
    response: JSONResponse = await run_in_threadpool(
        ctx.run, lambda uow: import_boxes(uow, data))
    return response


@router.patch("/boxes/{code}")
def patch_box(code: str, body: BoxPatch,
              ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    return ctx.run(lambda uow: boxes.update_box(uow, code, changes))


@router.post("/boxes/{code}/deactivate")
def deactivate_box(code: str,
                   ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    return ctx.run(lambda uow: boxes.deactivate_box(uow, code))


@router.get("/fulfillment-orders/{fo_id}/cartons")
def cartons(fo_id: int, _: Principal = Depends(require(_READ)),
            uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Where packing stands: each line's picked/packed/shipped units, each carton's contents."""
    return packing_service.packing_status(uow, fo_id)


@router.post("/fulfillment-orders/{fo_id}/cartons/propose")
def propose(fo_id: int, ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    """Cartonize the units still to pack; stores the proposed (empty) cartons."""
    return ctx.run(lambda uow: packing_service.propose_cartons(uow, fo_id))


@router.post("/fulfillment-orders/{fo_id}/cartons", status_code=201)
def open_carton(fo_id: int, body: OpenIn,
                ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    return ctx.run(lambda uow: packing_service.open_carton(uow, fo_id, body.box),
                   status_code=201)


@router.post("/fulfillment-orders/{fo_id}/pack-scan")
def pack_scan(fo_id: int, body: PackScanIn,
              ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    return ctx.run(lambda uow: packing_service.pack_scan(
        uow, fo_id, body.carton_no, body.barcode, body.qty, body.lot))


@router.post("/fulfillment-orders/{fo_id}/cartons/{carton_no}/seal")
def seal(fo_id: int, carton_no: int,
         ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    return ctx.run(lambda uow: packing_service.seal_carton(uow, fo_id, carton_no))


@router.post("/fulfillment-orders/{fo_id}/unpack")
def unpack(fo_id: int, body: UnpackIn,
           ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    """Take units back out of an open carton: picked, not packed, again."""
    return ctx.run(lambda uow: packing_service.unpack(
        uow, fo_id, body.carton_no, body.barcode, body.qty, body.lot))


@router.post("/fulfillment-orders/{fo_id}/cartons/{carton_no}/reopen")
def reopen(fo_id: int, carton_no: int,
           ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    """Open a sealed carton that has not shipped again; a packed order is picked again."""
    return ctx.run(lambda uow: packing_service.reopen_carton(uow, fo_id, carton_no))


@router.post("/fulfillment-orders/pack-as-proposed")
def pack_as_proposed(body: PackAsProposedIn,
                     ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    """Pack each fulfillment order into the cartons cartonization proposes and seal them (no
    scanning). One that cannot be packed is listed under ``failed`` with its reason; the
    others are packed. Answers ``packed`` (cartons per order) and ``failed``."""
    return ctx.run(lambda uow: pack_many_as_proposed(uow, body.fulfillment_order_ids).summary())


@router.post("/fulfillment-orders/{fo_id}/ship")
def ship(fo_id: int, body: ShipIn | None = None,
         ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    """Buy the label for the sealed cartons and ship them: stock leaves for the customer and
    ``order.shipped`` is recorded. 409 if the order is not packed (or nothing sealed)."""
    spec = body or ShipIn(carrier=None, service=None, cartons=None)
    return ctx.run(lambda uow: ship_fulfillment_order(
        uow, fo_id, carrier=spec.carrier, service=spec.service, cartons=spec.cartons))


SHIP_MANY_MAX = 1000  # fulfillment orders per ship request


class ShipManyIn(_In):
    fulfillment_order_ids: list[StrictInt] = Field(
        min_length=1, max_length=SHIP_MANY_MAX,
        description=f"packed fulfillment orders to ship (at most {SHIP_MANY_MAX})")
    carrier: StrictStr | None = Field(None, description="with service, for every order; leave "
                                                        "both out to rate-shop each")
    service: StrictStr | None = None


@router.post("/fulfillment-orders/ship")
def ship_many(body: ShipManyIn,
              ctx: WriteContext = Depends(write_context(_WRITE))) -> JSONResponse:
    """Ship the sealed cartons of each packed fulfillment order (label bought, stock out,
    ``order.shipped``). One that cannot ship is listed under ``failed`` with its code and
    reason, the others ship. Answers ``shipped`` (shipment, tracking number and cost of goods
    per order) and ``failed``."""
    return ctx.run(lambda uow: ship_batch.ship_many(
        uow, body.fulfillment_order_ids, carrier=body.carrier, service=body.service).summary())
