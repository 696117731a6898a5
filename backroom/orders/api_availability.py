"""HTTP routes of channel availability. Reads take ``orders:read``; settings and the sync take
``orders:write`` (the same as creating a channel) and an optional ``Idempotency-Key``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from backroom.api.auth import Principal
from backroom.api.deps import WriteContext, get_uow, require, to_jsonable, write_context
from backroom.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from backroom.core.errors import ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.orders import availability, channels
from backroom.orders.availability_queries import list_availability
from backroom.orders.availability_sync import sync_availability

router = APIRouter(tags=["channels"])
# Checked by the service (one clear error naming the field), so any JSON value gets through.
ShopifyId = Annotated[Any, Field(description="Shopify's numeric id (an integer or a string of "
                                             "digits) or its gid://shopify/… global id",
                                 json_schema_extra={"type": ["integer", "string"]})]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BufferIn(_In):
    buffer: StrictInt | None = Field(description="units held back; null removes the SKU's "
                                                 "override")
    sku: StrictStr | None = Field(None, description="only this SKU (default: every SKU)")


class WarehousesIn(_In):
    warehouses: list[StrictStr] = Field(description="warehouse codes; [] = every active one")


class LocationIn(_In):
    warehouse: StrictStr
    location_id: ShopifyId


class ItemIn(_In):
    sku: StrictStr
    inventory_item_id: ShopifyId


class UnmapLocationIn(_In):
    warehouse: StrictStr


class UnmapItemIn(_In):
    sku: StrictStr


class SyncIn(_In):
    full: StrictBool = Field(False, description="recompute every SKU, not only what changed")


@router.get("/channels/{code}/availability")
def get_availability(code: str, sku: str | None = None,
                     limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                     cursor: str | None = None, _: Principal = Depends(require("orders:read")),
                     uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Available-to-sell per SKU, live from stock, with the warehouses it comes from and per
    level (``all``, or each Shopify location) the value last exported. By SKU, a page at a
    time (pass ``next_cursor`` back as ``cursor``)."""
    key = decode_cursor(cursor)
    after = key.get("sku") if key else None
    if key is not None and not isinstance(after, str):
        raise ValidationFailed.single("cursor", cursor, "is not a cursor this API issued")
    with uow.read() as conn:
        items, more = list_availability(conn, code, sku=sku, limit=limit, after=after)
    return {"items": to_jsonable(items),
            "next_cursor": encode_cursor({"sku": items[-1]["sku"]}) if more else None}


@router.get("/channels/{code}/availability/settings")
def get_settings(code: str, _: Principal = Depends(require("orders:read")),
                 uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Default buffer, per-SKU overrides, feeding warehouses and Shopify locations."""
    return availability.channel_settings(uow, code)


@router.post("/channels/{code}/availability/buffer")
def post_buffer(code: str, body: BufferIn,
                ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Hold back units from the channel: its default, or one SKU's override."""
    return ctx.run(lambda uow: availability.set_buffer(uow, code, body.buffer, sku=body.sku))


@router.post("/channels/{code}/availability/warehouses")
def post_warehouses(code: str, body: WarehousesIn,
                    ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """The warehouses whose stock the channel may sell."""
    return ctx.run(lambda uow: availability.set_warehouses(uow, code, body.warehouses))


@router.post("/channels/{code}/availability/locations")
def post_location(code: str, body: LocationIn,
                  ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Shopify: report a warehouse's stock under a location id."""
    return ctx.run(lambda uow: availability.map_location(uow, code, body.warehouse,
                                                         body.location_id))


@router.post("/channels/{code}/availability/items")
def post_item(code: str, body: ItemIn,
              ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Shopify: the inventory item id of a SKU's variant."""
    return ctx.run(lambda uow: availability.map_item(uow, code, body.sku,
                                                     body.inventory_item_id))


@router.post("/channels/{code}/availability/locations/unmap")
def post_unmap_location(code: str, body: UnmapLocationIn,
                        ctx: WriteContext = Depends(write_context("orders:write"))
                        ) -> JSONResponse:
    """Shopify: stop reporting a warehouse's stock; its location's levels go to 0 (in the same
    transaction) unless another warehouse still reports there."""
    return ctx.run(lambda uow: availability.unmap_location(uow, code, body.warehouse))


@router.post("/channels/{code}/availability/items/unmap")
def post_unmap_item(code: str, body: UnmapItemIn,
                    ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Shopify: forget a SKU's inventory item; its levels go to 0 (in the same transaction)."""
    return ctx.run(lambda uow: availability.unmap_item(uow, code, body.sku))


@router.post("/channels/{code}/deactivate")
def post_deactivate(code: str,
                    ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Stop the channel: no orders taken, every level it sells set to 0, skipped by the sync."""
    return ctx.run(lambda uow: channels.set_channel_active(uow, code, False))


@router.post("/channels/{code}/activate")
def post_activate(code: str,
                  ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Reactivate the channel; the next sync sends its live levels again."""
    return ctx.run(lambda uow: channels.set_channel_active(uow, code, True))


@router.post("/channels/availability-sync")
def post_sync(body: SyncIn | None = None,
              ctx: WriteContext = Depends(write_context("orders:write"))) -> JSONResponse:
    """Export the levels that changed (``channel.inventory_level`` events) and report counts.
    Also runs well from a scheduler: ``backroom channels sync``."""
    full = body.full if body else False
    return ctx.run(lambda uow: sync_availability(uow, full=full).as_dict())
