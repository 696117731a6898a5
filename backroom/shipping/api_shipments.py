"""HTTP routes of shipments: create, label, void, documents, manifests, tracking webhooks.

Writes take ``shipping:write`` and an optional ``Idempotency-Key``. The two webhook routes take
no bearer token: the HMAC signature is their authentication (see ``backroom.shipping.webhooks``
and docs/shipping.md); a bad signature is 401 and nothing is stored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from backroom.api.auth import Principal
from backroom.api.deps import WriteContext, get_uow, require, to_jsonable, write_context
from backroom.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from backroom.core import clock
from backroom.core.errors import ValidationFailed
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.shipping import queries, services, tracking, webhooks
from backroom.shipping.labels.manifest import render_manifest_csv, render_manifest_pdf
from backroom.shipping.labels.pdf import render_label
from backroom.shipping.labels.slip import render_slip
from backroom.shipping.labels.zpl import render_zpl
from backroom.shipping.model import Address, ContentLine, Package

router = APIRouter(tags=["shipments"])
PDF = "application/pdf"
ZPL = "application/vnd.zebra-zpl"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddressIn(_In):
    name: StrictStr
    line1: StrictStr
    city: StrictStr
    postal_code: StrictStr
    country: StrictStr = Field(description="ISO 3166-1 alpha-2, e.g. US")
    company: StrictStr = ""
    line2: StrictStr = ""
    region: StrictStr = Field("", description="state, province or county")
    phone: StrictStr = ""
    email: StrictStr = ""
    residential: StrictBool = True


class PackageIn(_In):
    length_mm: StrictInt
    width_mm: StrictInt
    height_mm: StrictInt
    weight_g: StrictInt


class ContentIn(_In):
    sku: StrictStr
    name: StrictStr = ""
    qty: StrictInt


class ShipmentIn(_In):
    reference: StrictStr = Field(description="e.g. the order or fulfillment number")
    warehouse: StrictStr = Field(description="origin warehouse code")
    ship_to: AddressIn
    packages: list[PackageIn]
    provider: Literal["ratecard", "easypost"] = "ratecard"
    carrier: StrictStr | None = Field(None, description="with service; leave both out to ship "
                                                        "the cheapest service meeting the promise")
    service: StrictStr | None = None
    promised_date: date | None = None
    contents: list[ContentIn] = Field(default_factory=list, description="for the packing slip")
    ready_at: datetime | None = Field(None, description="when the parcels are ready; default now")

    def to_spec(self) -> services.ShipmentSpec:
        return services.ShipmentSpec(
            reference=self.reference, warehouse=self.warehouse,
            ship_to=Address(**self.ship_to.model_dump()),
            packages=tuple(Package(**p.model_dump()) for p in self.packages),
            provider=self.provider, carrier=self.carrier, service=self.service,
            promised_date=self.promised_date,
            contents=tuple(ContentLine(**c.model_dump()) for c in self.contents),
            ready_at=self.ready_at)


class ManifestIn(_In):
    carrier: StrictStr
    ship_date: date
    warehouse: StrictStr


# ---------------------------------------------------------------------------------------------
# Manifests (declared before /shipments/{id} so "manifests" is never taken for an id)


def _manifest_out(summary: dict[str, Any]) -> dict[str, Any]:
    base = f"/api/v1/shipments/manifests/{summary['id']}"
    return {**summary, "pdf_url": f"{base}.pdf", "csv_url": f"{base}.csv"}


@router.post("/shipments/manifests", status_code=201)
def post_manifest(body: ManifestIn,
                  ctx: WriteContext = Depends(write_context("shipping:write"))) -> JSONResponse:
    """Close out the day: every labelled shipment of the carrier from the warehouse bought on or
    before ``ship_date`` and not yet on a manifest goes on a new one."""
    return ctx.run(lambda uow: _manifest_out(services.create_manifest(
        uow, body.carrier, body.ship_date, body.warehouse)), status_code=201)


@router.get("/shipments/manifests/{manifest_id}.pdf", response_class=Response)
def manifest_pdf(manifest_id: int, _: Principal = Depends(require("shipping:read")),
                 uow: UnitOfWork = Depends(get_uow)) -> Response:
    with uow.read() as conn:
        data = queries.manifest_data(conn, manifest_id)
    return Response(render_manifest_pdf(data), media_type=PDF)


@router.get("/shipments/manifests/{manifest_id}.csv", response_class=Response)
def manifest_csv(manifest_id: int, _: Principal = Depends(require("shipping:read")),
                 uow: UnitOfWork = Depends(get_uow)) -> Response:
    with uow.read() as conn:
        data = queries.manifest_data(conn, manifest_id)
    return Response(render_manifest_csv(data), media_type="text/csv; charset=utf-8")


@router.post("/shipments/delays/check")
def post_check_delays(ctx: WriteContext = Depends(write_context("shipping:write"))
                      ) -> JSONResponse:
    """Flag late shipments now (also run by ``backroom shipments check-delays``)."""
    return ctx.run(lambda uow: {"delayed": tracking.check_delays(uow)})


# ---------------------------------------------------------------------------------------------
# Shipments


@router.post("/shipments", status_code=201)
def post_shipment(body: ShipmentIn,
                  ctx: WriteContext = Depends(write_context("shipping:write"))) -> JSONResponse:
    """Create a draft shipment; its service is the one given, or the cheapest that meets
    ``promised_date`` (422 ``promise_unreachable`` naming the fastest if none does)."""
    spec = body.to_spec()
    return ctx.run(lambda uow: services.create_shipment(uow, spec), status_code=201)


@router.post("/shipments/{shipment_id}/label")
def post_label(shipment_id: int,
               ctx: WriteContext = Depends(write_context("shipping:write"))) -> JSONResponse:
    """Buy the label: tracking number(s) and cost. Send an ``Idempotency-Key`` so a retry
    never buys twice."""
    return ctx.run(lambda uow: services.buy_label(uow, shipment_id))


@router.post("/shipments/{shipment_id}/void")
def post_void(shipment_id: int,
              ctx: WriteContext = Depends(write_context("shipping:write"))) -> JSONResponse:
    """Void the label (refunded by the provider) or cancel a draft."""
    return ctx.run(lambda uow: services.void_label(uow, shipment_id))


@router.get("/shipments")
def list_shipments(state: str | None = None, carrier: str | None = None,
                   reference: str | None = Query(None, max_length=128),
                   limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                   cursor: str | None = None,
                   _: Principal = Depends(require("shipping:read")),
                   uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Shipments newest first, a page at a time (pass ``next_cursor`` back as ``cursor``)."""
    key = decode_cursor(cursor)
    after = key.get("id") if key else None
    if key is not None and not isinstance(after, int):
        raise ValidationFailed.single("cursor", cursor, "is not a cursor this API issued")
    with uow.read() as conn:
        items = queries.list_shipments(conn, state=state, carrier=carrier, reference=reference,
                                       limit=limit + 1, after_id=after)
    more = len(items) > limit
    return {"items": to_jsonable(items[:limit]),
            "next_cursor": encode_cursor({"id": items[limit - 1]["id"]}) if more else None}


@router.get("/shipments/{shipment_id}")
def get_shipment(shipment_id: int, _: Principal = Depends(require("shipping:read")),
                 uow: UnitOfWork = Depends(get_uow)) -> Any:
    with uow.read() as conn:
        return to_jsonable(queries.get_shipment(conn, shipment_id))


def _document(uow: UnitOfWork, shipment_id: int, kind: str) -> Response:
    with uow.read() as conn:
        data = queries.label_data(conn, shipment_id)
    if kind == "label.pdf":
        return Response(render_label(data), media_type=PDF)
    if kind == "label.zpl":
        return Response(render_zpl(data), media_type=ZPL)
    return Response(render_slip(data), media_type=PDF)


@router.get("/shipments/{shipment_id}/label.pdf", response_class=Response)
def label_pdf(shipment_id: int, _: Principal = Depends(require("shipping:read")),
              uow: UnitOfWork = Depends(get_uow)) -> Response:
    """The 4×6 label(s), one page per package (409 if no label was bought)."""
    return _document(uow, shipment_id, "label.pdf")


@router.get("/shipments/{shipment_id}/label.zpl", response_class=Response)
def label_zpl(shipment_id: int, _: Principal = Depends(require("shipping:read")),
              uow: UnitOfWork = Depends(get_uow)) -> Response:
    """The label(s) as ZPL II for 203 dpi thermal printers."""
    return _document(uow, shipment_id, "label.zpl")


@router.get("/shipments/{shipment_id}/packing-slip.pdf", response_class=Response)
def packing_slip(shipment_id: int, _: Principal = Depends(require("shipping:read")),
                 uow: UnitOfWork = Depends(get_uow)) -> Response:
    return _document(uow, shipment_id, "packing-slip.pdf")


# ---------------------------------------------------------------------------------------------
# Webhooks: authenticated by signature, not by token


@router.post("/webhooks/tracking/{carrier}", tags=["webhooks"])
async def tracking_webhook(carrier: str, request: Request,
                           uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Scans in Backroom's format, signed with ``X-Backroom-Signature`` and
    ``X-Backroom-Timestamp`` (see docs/shipping.md). 401 on a bad signature; repeats are
    harmless (each scan is stored once)."""
    body = await request.body()
    secret = get_settings().tracking_webhook_secret.get_secret_value()
    webhooks.verify(body, request.headers.get(webhooks.SIGNATURE_HEADER),
                    request.headers.get(webhooks.TIMESTAMP_HEADER), secret, clock.now())
    inputs = webhooks.parse_events(body)
    result = await run_in_threadpool(tracking.record_tracking, uow, carrier, inputs, "webhook")
    return result.as_dict()


@router.post("/webhooks/easypost", tags=["webhooks"])
async def easypost_webhook(request: Request,
                           uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """EasyPost events signed with ``X-Hmac-Signature``; ``tracker.*`` events are recorded,
    others acknowledged and ignored."""
    body = await request.body()
    secret = get_settings().easypost_webhook_secret.get_secret_value()
    webhooks.verify_easypost(body, request.headers.get(webhooks.EASYPOST_HEADER), secret)
    parsed = webhooks.parse_easypost(body)
    if parsed is None:
        return {"ignored": True}
    carrier, inputs = parsed
    result = await run_in_threadpool(tracking.record_tracking, uow, carrier, inputs, "easypost")
    return result.as_dict()
