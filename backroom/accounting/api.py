"""HTTP routes of the books (mounted under ``/api/v1``).

Reads need ``accounting:read``; entries, accounts and posting runs need ``accounting:write``;
closing and reopening a period needs ``accounting:close`` (admin only).
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

# Importing inline registers its posting hook when BACKROOM_BOOKS_POST_INLINE is on.
from backroom.accounting import inline as _inline  # noqa: F401
from backroom.accounting import journal, periods, posting, reports, services
from backroom.api.auth import Principal
from backroom.api.deps import WriteContext, get_uow, require, write_context
from backroom.db.uow import UnitOfWork

router = APIRouter(prefix="/accounting", tags=["accounting"])
READ, WRITE, CLOSE = "accounting:read", "accounting:write", "accounting:close"
Start = Annotated[date | None, Query(alias="from", description="first day, YYYY-MM-DD")]
End = Annotated[date | None, Query(alias="to", description="last day, YYYY-MM-DD")]
AsOf = Annotated[date | None, Query(description="balances at the end of this day")]
Amount = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6, examples=["120.00"])]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineIn(_Body):
    account: str = Field(min_length=1, max_length=20)
    debit: Amount | None = None
    credit: Amount | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    rate: Annotated[Decimal, Field(gt=0, max_digits=24, decimal_places=12)] | None = None
    reference: str = Field("", max_length=128)


class EntryIn(_Body):
    date: dt.date
    description: str = Field(min_length=1, max_length=500)
    lines: list[LineIn] = Field(min_length=2, max_length=1000)


class ReverseIn(_Body):
    date: dt.date | None = None


class AccountIn(_Body):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    type: Literal["asset", "liability", "equity", "income", "expense"]
    section: str = Field("", max_length=64)


class AccountChangeIn(_Body):
    name: str | None = Field(None, min_length=1, max_length=200)
    section: str | None = Field(None, max_length=64)
    active: bool | None = None


class PeriodNoteIn(_Body):
    note: str = Field("", max_length=500)


class PostRunIn(_Body):
    batch: int = Field(500, ge=1, le=10_000)
    limit: int | None = Field(None, ge=1)


def _read(uow: UnitOfWork, fn: Any, **kwargs: Any) -> dict[str, Any]:
    with uow.read() as conn:
        result: dict[str, Any] = fn(conn, **kwargs)
        return result


@router.get("/accounts")
def list_accounts(_: Principal = Depends(require(READ)),
                  uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    with uow.read() as conn:
        items = [{"code": a.code, "name": a.name, "type": a.type, "section": a.section,
                  "role": a.role, "active": a.active}
                 for a in journal.load_accounts(conn).values()]
    return {"items": items, "next_cursor": None}


@router.post("/accounts", status_code=201)
def add_account(body: AccountIn, ctx: WriteContext = Depends(write_context(WRITE))
                ) -> JSONResponse:
    return ctx.run(lambda uow: services.create_account(uow, body.code, body.name, body.type,
                                                       section=body.section), status_code=201)


@router.post("/accounts/{code}")
def change_account(body: AccountChangeIn, code: str = Path(max_length=20),
                   ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Rename, regroup, deactivate or reactivate an account (its code never changes)."""
    return ctx.run(lambda uow: services.update_account(uow, code, name=body.name,
                                                       section=body.section,
                                                       active=body.active))


@router.post("/entries", status_code=201)
def post_entry(body: EntryIn, ctx: WriteContext = Depends(write_context(WRITE))
               ) -> JSONResponse:
    """A manual journal entry: it balances (in the base currency) or nothing is written."""
    lines = [services.ManualLine(ln.account, None if ln.debit is None else str(ln.debit),
                                 None if ln.credit is None else str(ln.credit), ln.currency,
                                 None if ln.rate is None else str(ln.rate), ln.reference)
             for ln in body.lines]
    by = f"api:{ctx.principal.name}"
    return ctx.run(lambda uow: services.post_manual_entry(uow, body.date, body.description,
                                                          lines, by=by), status_code=201)


@router.post("/entries/{entry_id}/reverse", status_code=201)
def reverse_entry(entry_id: int = Path(ge=1, le=2**63 - 1), body: ReverseIn | None = None,
                  ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    on = body.date if body else None
    by = f"api:{ctx.principal.name}"
    return ctx.run(lambda uow: services.reverse(uow, entry_id, on=on, by=by), status_code=201)


@router.get("/entries/{entry_id}")
def get_entry(entry_id: int = Path(ge=1, le=2**63 - 1), _: Principal = Depends(require(READ)),
              uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    with uow.read() as conn:
        head, draft = journal.load_entry(conn, entry_id)
    return {"id": head.id, "date": head.entry_date, "period": head.period,
            "operation_date": head.operation_date, "description": head.description,
            "source_event_id": head.source_event_id, "source_ref": head.source_ref,
            "reversal_of": head.reversal_of, "created_by": head.created_by,
            "lines": [{"account": ln.account, "debit": reports.money(ln.debit),
                       "credit": reports.money(ln.credit), "currency": ln.currency,
                       "amount_minor": ln.amount, "rate": str(ln.rate),
                       "reference": ln.reference} for ln in draft.lines]}


@router.post("/posting/run")
def run_posting(body: PostRunIn | None = None,
                ctx: WriteContext = Depends(write_context(WRITE))) -> JSONResponse:
    """Post pending outbox events now (the worker does the same on a schedule)."""
    spec = body or PostRunIn(batch=500, limit=None)
    return ctx.run(lambda uow: posting.post_pending(uow, spec.limit,
                                                    batch=spec.batch).as_dict())


@router.get("/posting/status")
def posting_status(_: Principal = Depends(require(READ)),
                   uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return {**posting.status(uow), "failed_events": posting.failures(uow, 50)}


@router.get("/periods")
def list_periods(_: Principal = Depends(require(READ)),
                 uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    with uow.read() as conn:
        return {"items": periods.list_periods(conn), "next_cursor": None}


@router.post("/periods/{period}/close")
def close_period(period: str = Path(max_length=7), body: PeriodNoteIn | None = None,
                 ctx: WriteContext = Depends(write_context(CLOSE))) -> JSONResponse:
    note, by = (body.note if body else ""), f"api:{ctx.principal.name}"
    return ctx.run(lambda uow: periods.close_period(uow, period, by=by, note=note))


@router.post("/periods/{period}/reopen")
def reopen_period(body: PeriodNoteIn, period: str = Path(max_length=7),
                  ctx: WriteContext = Depends(write_context(CLOSE))) -> JSONResponse:
    by = f"api:{ctx.principal.name}"
    return ctx.run(lambda uow: periods.reopen_period(uow, period, by=by, note=body.note))


@router.post("/years/{year}/close")
def close_year(year: int = Path(ge=1900, le=9998), body: PeriodNoteIn | None = None,
               ctx: WriteContext = Depends(write_context(CLOSE))) -> JSONResponse:
    """Year-end closing: income and expenses to retained earnings (admin; once per year)."""
    from backroom.accounting.closing import close_year as close

    note, by = (body.note if body else ""), f"api:{ctx.principal.name}"
    return ctx.run(lambda uow: close(uow, year, by=by, note=note))


@router.get("/reports/trial-balance")
def trial_balance(as_of: AsOf = None, start: Start = None, _: Principal = Depends(require(READ)),
                  uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return _read(uow, reports.trial_balance, as_of=as_of, start=start)


@router.get("/reports/balance-sheet")
def balance_sheet(as_of: AsOf = None, _: Principal = Depends(require(READ)),
                  uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return _read(uow, reports.balance_sheet, as_of=as_of)


@router.get("/reports/pnl")
def pnl(start: Start = None, end: End = None, _: Principal = Depends(require(READ)),
        uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return _read(uow, reports.profit_and_loss, start=start, end=end)


@router.get("/reports/general-ledger/{code}")
def general_ledger(code: str = Path(max_length=20), start: Start = None, end: End = None,
                   limit: int = Query(1000, ge=1, le=10_000),
                   _: Principal = Depends(require(READ)),
                   uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    with uow.read() as conn:
        return reports.general_ledger(conn, code, start=start, end=end, limit=limit)


@router.get("/reports/inventory-valuation")
def inventory_valuation(as_of: AsOf = None, sku: str | None = Query(None, max_length=64),
                        warehouse: str | None = Query(None, max_length=16),
                        _: Principal = Depends(require(READ)),
                        uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return _read(uow, reports.inventory_valuation, as_of=as_of, sku=sku, warehouse=warehouse)


@router.get("/reports/margin")
def margin(by: str = Query("month", max_length=40, description="month, sku or channel, or "
                                                                "several: channel,month"),
           start: Start = None, end: End = None, _: Principal = Depends(require(READ)),
           uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return _read(uow, reports.margin, by=by, start=start, end=end)


class LandedCostIn(_Body):
    amount: Amount
    reference: str = Field("", max_length=128)
    move_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field([], max_length=10_000)
    kind: str = Field("freight", min_length=1, max_length=32)
    basis: Literal["value", "weight", "qty"] = "value"


class ValuationIn(_Body):
    method: Literal["fifo", "average"]


@router.post("/landed-costs", status_code=201)
def add_landed_cost(body: LandedCostIn, ctx: WriteContext = Depends(write_context(WRITE))
                    ) -> JSONResponse:
    """Freight, duty, … on received goods, split by value, weight or qty (base currency)."""
    from backroom.inventory.landed_cost import apply_landed_cost

    return ctx.run(lambda uow: apply_landed_cost(
        uow, amount=str(body.amount), reference=body.reference, move_ids=body.move_ids or None,
        kind=body.kind, basis=body.basis), status_code=201)


@router.get("/valuation-method")
def get_valuation_method(_: Principal = Depends(require(READ)),
                         uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    from backroom.inventory import averaging

    with uow.read() as conn:
        return {"method": averaging.method(conn)}


@router.post("/valuation-method")
def set_valuation_method(body: ValuationIn,
                         ctx: WriteContext = Depends(write_context(CLOSE))) -> JSONResponse:
    """Choose FIFO or moving average for the company (admin only)."""
    from backroom.inventory import averaging

    return ctx.run(lambda uow: averaging.set_method(uow, body.method))
