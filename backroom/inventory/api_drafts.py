"""HTTP routes for planned (draft) moves: plan now, confirm or cancel later."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from backroom.api.deps import WriteContext, write_context
from backroom.inventory import drafts
from backroom.inventory.schemas import MAX_ID, MoveIn

router = APIRouter(tags=["inventory"])
WRITE = "inventory:write"


@router.post("/stock/planned-moves", status_code=201)
def post_planned_move(body: MoveIn,
                      ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Record a move to do later (a draft): checked now, no stock changes until confirmed."""
    return ctx.run(lambda uow: drafts.plan_move(uow, body.sku, body.qty, body.from_, body.to,
                                                lot=body.lot, reason=body.reason,
                                                reference=body.reference, note=body.note),
                   status_code=201)


@router.post("/stock/planned-moves/{move_id}/confirm")
def post_confirm(move_id: int = Path(ge=1, le=MAX_ID),
                 ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Post a planned move to stock (409 with shortfalls if the stock is no longer there)."""
    return ctx.run(lambda uow: drafts.confirm_move(uow, move_id).as_dict())


@router.post("/stock/planned-moves/{move_id}/cancel")
def post_cancel(move_id: int = Path(ge=1, le=MAX_ID),
                ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Drop a planned move (done moves are corrected with a reversal instead)."""
    return ctx.run(lambda uow: drafts.cancel_move(uow, move_id))
