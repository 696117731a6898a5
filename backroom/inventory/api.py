"""HTTP routes of the stock ledger (mounted under ``/api/v1``): every change is a POST.

Each POST runs one use case through ``WriteContext.run`` (one transaction, Idempotency-Key
honoured) and answers with what it did. The read routes live in ``api_stock_read`` and are
included into ``router`` here, so the application mounts a single inventory router.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from backroom.api.deps import WriteContext, write_context
from backroom.db.uow import UnitOfWork
from backroom.inventory import queries, services, transfers
from backroom.inventory.api_drafts import router as drafts_router
from backroom.inventory.api_stock_read import router as read_router
from backroom.inventory.schemas import (
    MAX_ID,
    AdjustIn,
    MoveIn,
    ReceiveIn,
    ReleaseIn,
    ReserveIn,
    ReverseIn,
    SafetyStockIn,
    ShipIn,
    TransferIn,
    TransferReceiveIn,
)

router = APIRouter(tags=["inventory"])
router.include_router(read_router)
router.include_router(drafts_router)

WRITE = "inventory:write"


@router.post("/stock/receipts", status_code=201)
def post_receipt(body: ReceiveIn,
                 ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Receive goods from a supplier: SUPPLIER → the warehouse's INPUT (or ``location``).

    Lines are all or nothing; each line's value (qty × unit_cost) opens a FIFO cost layer.
    """
    lines = [ln.to_line() for ln in body.lines]
    return ctx.run(lambda uow: services.receive(uow, body.warehouse, lines,
                                                reference=body.reference,
                                                location=body.location).as_dict(),
                   status_code=201)


@router.post("/stock/moves", status_code=201)
def post_move(body: MoveIn, ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Move stock between two locations of the same warehouse."""
    return ctx.run(lambda uow: services.move(uow, body.sku, body.qty, body.from_, body.to,
                                             lot=body.lot, reason=body.reason,
                                             reference=body.reference,
                                             note=body.note).as_dict(),
                   status_code=201)


@router.post("/stock/adjustments", status_code=201)
def post_adjustment(body: AdjustIn,
                    ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Correct stock at a location: negative ``delta`` → LOSS, positive ``delta`` ← LOSS."""
    return ctx.run(lambda uow: services.adjust(uow, body.location, body.sku, body.delta,
                                               reason=body.reason, lot=body.lot,
                                               reference=body.reference, note=body.note,
                                               expiry=body.expiry).as_dict(),
                   status_code=201)


@router.post("/stock/shipments", status_code=201)
def post_shipment(body: ShipIn,
                  ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Ship to the customer; reservations under ``reference`` are consumed first.

    Refused with 409 ``insufficient_stock`` (with ``shortfalls``) when the units are not there
    or are reserved for someone else.
    """
    return ctx.run(lambda uow: services.ship(uow, body.sku, body.qty, body.from_,
                                             reference=body.reference, lot=body.lot).as_dict(),
                   status_code=201)


@router.post("/stock/reservations", status_code=201)
def post_reservation(body: ReserveIn,
                     ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Reserve stock of a warehouse for ``reference``; all or nothing (409 when short)."""
    return ctx.run(lambda uow: _reserve(uow, body), status_code=201)


def _reserve(uow: UnitOfWork, body: ReserveIn) -> dict[str, Any]:
    made = services.reserve(uow, body.warehouse, body.sku, body.qty, body.reference,
                            lot=body.lot)
    with uow.read() as conn:
        return {"reservations": queries.reservations_by_id(conn, [r.id for r in made])}


@router.post("/stock/reservations/release")
def post_release(body: ReleaseIn,
                 ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Release a reservation by id, or every active one under ``reference`` (newest first)."""
    return ctx.run(lambda uow: {"released": services.release(
        uow, reservation_id=body.reservation_id, reference=body.reference, qty=body.qty)})


@router.post("/stock/transfers", status_code=201)
def post_transfer(body: TransferIn,
                  ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Dispatch stock to another warehouse: source → TRANSIT; it shows there as ``incoming``."""
    lines = [ln.to_spec() for ln in body.lines]
    return ctx.run(lambda uow: transfers.dispatch(uow, body.from_, body.to_warehouse, lines,
                                                  reference=body.reference).as_dict(),
                   status_code=201)


@router.post("/stock/transfers/{transfer_id}/receive")
def post_transfer_receipt(transfer_id: int = Path(ge=1, le=MAX_ID),
                          body: TransferReceiveIn | None = None,
                          ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Book the arrival of a transfer: TRANSIT → the destination's INPUT (or ``location``)."""
    location = body.location if body else None
    return ctx.run(lambda uow: transfers.receive(uow, transfer_id,
                                                 location=location).as_dict())


@router.post("/stock/safety-stock")
def post_safety_stock(body: SafetyStockIn,
                      ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Hold units of a SKU back from sale in a warehouse (``available`` excludes them)."""
    return ctx.run(lambda uow: services.set_safety_stock(uow, body.warehouse, body.sku,
                                                         body.safety_stock))


@router.post("/stock/moves/{move_id}/reverse", status_code=201)
def post_reversal(move_id: int = Path(ge=1, le=MAX_ID), body: ReverseIn | None = None,
                  ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Correct a done move with its mirror image; the original stays in the ledger."""
    note = body.note if body else ""
    return ctx.run(lambda uow: services.reverse(uow, move_id, note=note).as_dict(),
                   status_code=201)
