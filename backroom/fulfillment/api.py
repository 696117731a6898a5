"""HTTP routes of allocation, fulfillment orders, waves and picking. Reads take
``fulfillment:read``; writes ``fulfillment:write`` and an optional ``Idempotency-Key``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from sqlalchemy import select

from backroom.api.auth import Principal
from backroom.api.deps import WriteContext, get_uow, require, to_jsonable, write_context
from backroom.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from backroom.core.errors import NotFound
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import allocation, fulfillment_orders, pick_service
from backroom.fulfillment.picklist import pick_list_pdf
from backroom.fulfillment.tables import COUNT_TASKS, FULFILLMENT_ORDERS, PICK_BATCHES
from backroom.fulfillment.waves import WaveRule, create_wave
from backroom.inventory.tables import WAREHOUSES

router = APIRouter(tags=["fulfillment"])
FO = FULFILLMENT_ORDERS.c


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AllocateIn(_In):
    order_ids: list[StrictInt] | None = Field(None, description="default: every ready order")
    strategy: StrictStr | None = Field(None, description="cost (default), priority, closest")
    limit: StrictInt = Field(1000, ge=1, le=100_000)


class ReasonIn(_In):
    reason: StrictStr = ""


class MoveIn(_In):
    warehouse: StrictStr


class SplitIn(_In):
    lines: dict[int, StrictInt] = Field(description="fulfillment line id → units to split off")


class MergeIn(_In):
    fulfillment_order_ids: list[StrictInt]


class WaveIn(_In):
    warehouse: StrictStr
    cutoff: date | None = None
    carriers: list[StrictStr] = []
    min_priority: StrictInt | None = None
    zone: StrictStr | None = None
    max_lines: StrictInt = 500
    max_orders: StrictInt | None = None
    totes: StrictInt = 8
    name: StrictStr = ""


class StartIn(_In):
    picker: StrictStr = ""


class ScanIn(_In):
    bin: StrictStr
    barcode: StrictStr
    qty: StrictInt | None = None
    lot: StrictStr | None = None


class ShortIn(_In):
    task_id: StrictInt
    found: StrictInt


class ConfirmBatchesIn(_In):
    batch_ids: list[StrictInt] = Field(min_length=1, max_length=10_000)


@router.post("/fulfillment/allocate")
def post_allocate(body: AllocateIn,
                  ctx: WriteContext = Depends(write_context("fulfillment:write"))
                  ) -> JSONResponse:
    """Source, reserve and open fulfillment orders for ready orders (oldest first, a chunk of
    orders per transaction; an order that cannot be allocated is listed with its error and the
    rest go on)."""
    return ctx.run(lambda uow: allocation.allocate_ready(
        uow, limit=body.limit, strategy=body.strategy, order_ids=body.order_ids).as_dict())


@router.get("/fulfillment-orders")
def list_fulfillment_orders(state: str | None = None, warehouse: str | None = None,
                            order_id: int | None = None,
                            limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                            cursor: str | None = None,
                            _: Principal = Depends(require("fulfillment:read")),
                            uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    after = (decode_cursor(cursor) or {}).get("id", 0)
    q = (select(FULFILLMENT_ORDERS, WAREHOUSES.c.code.label("warehouse"))
         .join(WAREHOUSES, WAREHOUSES.c.id == FO.warehouse_id)
         .where(FO.id > after).order_by(FO.id).limit(limit + 1))
    if state:
        q = q.where(FO.state == state)
    if warehouse:
        q = q.where(WAREHOUSES.c.code == warehouse)
    if order_id is not None:
        q = q.where(FO.order_id == order_id)
    with uow.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": to_jsonable(rows),
            "next_cursor": encode_cursor({"id": rows[-1]["id"]}) if more else None}


@router.get("/fulfillment-orders/{fo_id}")
def get_fulfillment_order(fo_id: int, _: Principal = Depends(require("fulfillment:read")),
                          uow: UnitOfWork = Depends(get_uow)) -> Any:
    with uow.read() as conn:
        return to_jsonable(fulfillment_orders.get(conn, fo_id))


@router.post("/fulfillment-orders/{fo_id}/hold")
def post_hold(fo_id: int, body: ReasonIn,
              ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    return ctx.run(lambda uow: fulfillment_orders.hold(uow, fo_id, body.reason))


@router.post("/fulfillment-orders/{fo_id}/release")
def post_release(fo_id: int,
                 ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    return ctx.run(lambda uow: fulfillment_orders.release(uow, fo_id))


@router.post("/fulfillment-orders/{fo_id}/cancel")
def post_cancel(fo_id: int, body: ReasonIn,
                ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    return ctx.run(lambda uow: fulfillment_orders.cancel(uow, fo_id, body.reason))


@router.post("/fulfillment-orders/{fo_id}/move")
def post_move(fo_id: int, body: MoveIn,
              ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    return ctx.run(lambda uow: fulfillment_orders.move(uow, fo_id, body.warehouse))


@router.post("/fulfillment-orders/{fo_id}/split", status_code=201)
def post_split(fo_id: int, body: SplitIn,
               ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    return ctx.run(lambda uow: fulfillment_orders.split(uow, fo_id, body.lines),
                   status_code=201)


@router.post("/fulfillment-orders/merge")
def post_merge(body: MergeIn,
               ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    return ctx.run(lambda uow: fulfillment_orders.merge(uow, body.fulfillment_order_ids))


@router.post("/waves", status_code=201)
def post_wave(body: WaveIn,
              ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    """Release waiting fulfillment orders of a warehouse by rule, in routed pick batches."""
    rule = WaveRule(body.warehouse, body.cutoff, tuple(body.carriers), body.min_priority,
                    body.zone, body.max_lines, body.max_orders, body.totes)
    return ctx.run(lambda uow: create_wave(uow, rule, name=body.name).as_dict(),
                   status_code=201)


@router.get("/pick-batches/{batch_id}")
def get_batch(batch_id: int, _: Principal = Depends(require("fulfillment:read")),
              uow: UnitOfWork = Depends(get_uow)) -> Any:
    """The batch with its picks in walking order."""
    with uow.read() as conn:
        _exists(conn, batch_id)
        return to_jsonable(pick_service.batch_view(conn, batch_id))


@router.get("/pick-batches/{batch_id}/pick-list.pdf", response_class=Response)
def get_pick_list(batch_id: int, _: Principal = Depends(require("fulfillment:read")),
                  uow: UnitOfWork = Depends(get_uow)) -> Response:
    with uow.read() as conn:
        _exists(conn, batch_id)
        pdf = pick_list_pdf(conn, batch_id)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="pick-list-{batch_id}.pdf"'})


def _exists(conn: Any, batch_id: int) -> None:
    if conn.execute(select(PICK_BATCHES.c.id).where(PICK_BATCHES.c.id == batch_id)
                    ).scalar() is None:
        raise NotFound(f"no pick batch {batch_id}", data={"batch_id": batch_id})


@router.post("/pick-batches/{batch_id}/start")
def post_start(batch_id: int, body: StartIn,
               ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    picker = body.picker or ctx.principal.name
    return ctx.run(lambda uow: pick_service.start(uow, batch_id, picker))


@router.post("/pick-batches/{batch_id}/scan")
def post_scan(batch_id: int, body: ScanIn,
              ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    """Confirm a pick by bin and item scan; refusals say what was expected."""
    return ctx.run(lambda uow: pick_service.pick_scan(
        uow, batch_id, bin_code=body.bin, barcode=body.barcode, qty=body.qty, lot=body.lot))


@router.post("/pick-batches/{batch_id}/short")
def post_short(batch_id: int, body: ShortIn,
               ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    return ctx.run(lambda uow: pick_service.short_pick(uow, batch_id, body.task_id,
                                                       body.found))


@router.post("/pick-batches/{batch_id}/confirm")
def post_confirm(batch_id: int,
                 ctx: WriteContext = Depends(write_context("fulfillment:write"))) -> JSONResponse:
    """Confirm every open pick of the batch as picked in full."""
    return ctx.run(lambda uow: pick_service.confirm_all(uow, batch_id))


@router.post("/pick-batches/confirm")
def post_confirm_batches(body: ConfirmBatchesIn,
                         ctx: WriteContext = Depends(write_context("fulfillment:write")),
                         ) -> JSONResponse:
    """Confirm many carts at once (one transaction); ``failed`` lists each cart that could not
    be confirmed with why, the rest are ``confirmed``."""
    return ctx.run(lambda uow: pick_service.confirm_batches(uow, body.batch_ids).as_dict())


@router.get("/count-tasks")
def list_count_tasks(state: str = "open", _: Principal = Depends(require("fulfillment:read")),
                     uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    c = COUNT_TASKS.c
    with uow.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            select(COUNT_TASKS).where(c.state == state).order_by(c.id).limit(MAX_LIMIT))]
    return {"items": to_jsonable(rows), "next_cursor": None}
