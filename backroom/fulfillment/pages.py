"""Dashboard pages of fulfillment: the overview (fulfillment orders by state, releasing a wave,
open pick batches, batch actions — confirm every open cart, pack every picked order as
proposed, ship every packed one, of a warehouse or all: ``pages_batch``), holding, releasing
and cancelling a fulfillment order, and the blocks the order page shows (sourcing decision,
fulfillment orders). The tablet screens are in ``pages_pick`` (scan-to-pick) and
``pages_pack`` (scan-to-pack); their routes join ``router``.

Reads are Core selects on fulfillment's own tables; the order number comes from a read-side
join on the orders table (as ``fo_queries`` does for packing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, case, func, select

from backroom.api.deps import get_uow
from backroom.core.errors import BackroomError, ValidationFailed
from backroom.core.money import from_minor
from backroom.fulfillment import fulfillment_orders, pages_pack, pages_pick
from backroom.fulfillment.pages_batch import BATCH_ACTIONS, BatchOutcome, ready_counts
from backroom.fulfillment.tables import (
    FO_STATES,
    FULFILLMENT_ORDERS,
    PICK_BATCHES,
    PICK_TASKS,
    SOURCING_DECISIONS,
)
from backroom.fulfillment.waves import WaveResult, WaveRule, create_wave
from backroom.inventory.tables import WAREHOUSES
from backroom.orders.pages import order_response, parse_id, refusal_text
from backroom.orders.tables import ORDERS
from backroom.web.auth import PageError, Viewer, csrf_protected, page_user
from backroom.web.render import AnyRow, Section, clean, render

router = APIRouter(include_in_schema=False)
router.include_router(pages_pick.router)
router.include_router(pages_pack.router)
LIST_PAGE = 100
ACTIVE = ("waiting", "released", "picking", "picked", "packed")
STATE_CHOICES = ("active", *FO_STATES, "all")
REASON_MAX = 200
FO, PB, T, W, SD = (FULFILLMENT_ORDERS.c, PICK_BATCHES.c, PICK_TASKS.c, WAREHOUSES.c,
                    SOURCING_DECISIONS.c)


@dataclass(frozen=True, slots=True)
class FoFilter:
    state: str = "active"
    warehouse: str = ""
    after: str = ""

    def query_string(self, **override: str) -> dict[str, str]:
        values = {"state": self.state, "warehouse": self.warehouse, "after": self.after,
                  **override}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class WaveForm:
    """What the "Release wave" form holds (as typed, so a refused form keeps it)."""

    warehouse: str = ""
    totes: str = "8"
    max_lines: str = "500"
    problems: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reads


def state_counts(conn: Connection) -> dict[str, int]:
    found: dict[str, int] = {str(state): int(n) for state, n in conn.execute(
        select(FO.state, func.count()).group_by(FO.state)).all()}
    return {state: found.get(state, 0) for state in FO_STATES}


def held_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).where(
        FO.hold_reason.is_not(None), FO.state.in_(ACTIVE))).scalar_one())


def _fo_select() -> Any:
    return (select(FO.id, FO.order_id, FO.state, FO.hold_reason, FO.promised_date, FO.batch_id,
                   FO.tote, FO.carrier, FO.service, FO.updated_at, W.code.label("warehouse"),
                   ORDERS.c.number)
            .join(WAREHOUSES, W.id == FO.warehouse_id).join(ORDERS, ORDERS.c.id == FO.order_id))


def fulfillment_list(conn: Connection, f: FoFilter,
                     limit: int = LIST_PAGE) -> tuple[list[AnyRow], str | None]:
    """Fulfillment orders oldest first (the queue's order), and the id to continue after."""
    stmt = _fo_select().order_by(FO.id).limit(limit + 1)
    if f.state == "active":
        stmt = stmt.where(FO.state.in_(ACTIVE))
    elif f.state != "all":
        stmt = stmt.where(FO.state == f.state)
    if f.warehouse:
        stmt = stmt.where(W.code == f.warehouse)
    if f.after:
        stmt = stmt.where(FO.id > int(f.after))
    rows = list(conn.execute(stmt).all())
    if len(rows) > limit:
        return rows[:limit], str(rows[limit - 1].id)
    return rows, None


def open_batches(conn: Connection) -> list[AnyRow]:
    """Pick batches still to pick, with how many of their picks are settled."""
    done = func.coalesce(func.sum(case((T.state != "open", 1), else_=0)), 0)
    stmt = (select(PB.id, PB.wave_id, PB.state, PB.picker, PB.created_at, PB.route_length_m,
                   W.code.label("warehouse"), func.count(T.id).label("picks"),
                   done.label("done"))
            .join(WAREHOUSES, W.id == PB.warehouse_id).outerjoin(PICK_TASKS, T.batch_id == PB.id)
            .where(PB.state.in_(("open", "picking")))
            .group_by(PB.id, PB.wave_id, PB.state, PB.picker, PB.created_at, PB.route_length_m,
                      W.code)
            .order_by(PB.id))
    return list(conn.execute(stmt).all())


def warehouses(conn: Connection) -> list[AnyRow]:
    """Active warehouses with the number of fulfillment orders waiting for a wave."""
    waiting = (select(func.count()).where(FO.warehouse_id == W.id, FO.state == "waiting",
                                          FO.hold_reason.is_(None))
               .correlate(WAREHOUSES).scalar_subquery())
    return list(conn.execute(select(W.code, W.name, waiting.label("waiting"))
                             .where(W.active.is_(True)).order_by(W.code)).all())


# ---------------------------------------------------------------------------------------------
# The overview and waves


def _filter(state: str, warehouse: str, after: str) -> FoFilter:
    return FoFilter(state=state if state in STATE_CHOICES else "active",
                    warehouse=clean(warehouse, 16).upper(),
                    after=str(parse_id(after) or "") if after else "")


def overview_response(request: Request, viewer: Viewer, f: FoFilter, *,
                      form: WaveForm | None = None, wave: WaveResult | None = None,
                      batch_warehouse: str = "", outcome: BatchOutcome | None = None,
                      error: str = "", status: int = 200) -> Response:
    with get_uow(request).read() as conn:
        counts = state_counts(conn)
        held = held_count(conn)
        rows, next_after = fulfillment_list(conn, f)
        batches = open_batches(conn)
        houses = warehouses(conn)
        ready = ready_counts(conn)
    form = form or WaveForm(warehouse=houses[0].code if houses else "")
    next_query = f.query_string(after=next_after) if next_after else None
    first_query = f.query_string(after="") if f.after else None
    return render(request, "fulfillment/overview.html", viewer, title="Fulfillment",
                  active="fulfillment", f=f, counts=counts, held=held, rows=rows,
                  batches=batches, houses=houses, form=form, wave=wave, error=error,
                  ready=ready, batch_warehouse=batch_warehouse, outcome=outcome,
                  choices=STATE_CHOICES, next_query=next_query, first_query=first_query,
                  can_write=viewer.can("fulfillment:write"), status=status)


@router.get("/fulfillment", response_class=HTMLResponse)
def overview_page(request: Request, state: str = "active", warehouse: str = "", after: str = "",
                  viewer: Viewer = Depends(page_user("fulfillment:read"))) -> Response:
    return overview_response(request, viewer, _filter(state, warehouse, after))


def _whole(text: str, name: str, problems: dict[str, str]) -> int:
    value = parse_id(text)
    if value is None:
        problems[name] = "must be a whole number of at least 1"
    return value or 0


@router.post("/fulfillment/waves", response_class=HTMLResponse)
def release_wave(request: Request, warehouse: str = Form(""), totes: str = Form(""),
                 max_lines: str = Form(""),
                 viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    """Release a wave by the form's rule; the result (or why nothing was released) is shown
    on the overview."""
    problems: dict[str, str] = {}
    rule_totes = _whole(totes, "totes", problems)
    rule_lines = _whole(max_lines, "max_lines", problems)
    form = WaveForm(clean(warehouse, 16).upper(), clean(totes, 8), clean(max_lines, 8),
                    problems)
    f = FoFilter()
    if problems:
        return overview_response(request, viewer, f, form=form, status=422, error="; ".join(
            f"{name.replace('_', ' ').capitalize()} {text}" for name, text in problems.items()))
    try:
        result = create_wave(get_uow(request), WaveRule(form.warehouse, totes=rule_totes,
                                                        max_lines=rule_lines))
    except BackroomError as exc:
        return overview_response(request, viewer, f, form=form, error=refusal_text(exc),
                                 status=exc.status)
    return overview_response(request, viewer, f, form=form, wave=result)


# ---------------------------------------------------------------------------------------------
# Batch actions (the end of a wave; ``pages_batch``): each answers the overview with what
# it did


def _batch(request: Request, viewer: Viewer, action: str, warehouse: str) -> Response:
    code = clean(warehouse, 16).upper()
    uow = get_uow(request)
    try:
        with uow.read() as conn:
            if code and conn.execute(select(W.id).where(W.code == code)).first() is None:
                raise ValidationFailed.single("warehouse", code, "no such warehouse")
        outcome = BATCH_ACTIONS[action](uow, code)
    except BackroomError as exc:
        return overview_response(request, viewer, FoFilter(), batch_warehouse=code,
                                 error=refusal_text(exc), status=exc.status)
    return overview_response(request, viewer, FoFilter(), batch_warehouse=code,
                             outcome=outcome)


@router.post("/fulfillment/batch/allocate", response_class=HTMLResponse)
def batch_allocate(request: Request,
                   viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    """Source and reserve every order ready for fulfillment, oldest first."""
    return _batch(request, viewer, "allocate", "")


@router.post("/fulfillment/batch/confirm", response_class=HTMLResponse)
def batch_confirm(request: Request, warehouse: str = Form(""),
                  viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    """Confirm every open pick of every open cart (of the warehouse) as picked in full."""
    return _batch(request, viewer, "confirm", warehouse)


@router.post("/fulfillment/batch/pack", response_class=HTMLResponse)
def batch_pack(request: Request, warehouse: str = Form(""),
               viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    """Pack every picked order not on hold (of the warehouse) as cartonization proposes."""
    return _batch(request, viewer, "pack", warehouse)


@router.post("/fulfillment/batch/ship", response_class=HTMLResponse)
def batch_ship(request: Request, warehouse: str = Form(""),
               viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    """Ship every packed order not on hold (of the warehouse), rate-shopping each."""
    return _batch(request, viewer, "ship", warehouse)


# ---------------------------------------------------------------------------------------------
# Hold, release, cancel (from the order page's fulfillment block)


def _fo_action(request: Request, viewer: Viewer, fo_id: str, action: str,
               reason: str = "") -> Response:
    found = parse_id(fo_id)
    with get_uow(request).read() as conn:
        order_id = conn.execute(select(FO.order_id).where(FO.id == (found or 0))).scalar()
    if found is None or order_id is None:
        raise PageError(404, "Fulfillment order not found",
                        f"There is no fulfillment order '{fo_id[:20]}'.", viewer)
    uow = get_uow(request)
    text = clean(reason, REASON_MAX)
    try:
        if action == "hold":
            fulfillment_orders.hold(uow, found, text)
        elif action == "release":
            fulfillment_orders.release(uow, found)
        else:
            if not text:
                raise ValidationFailed.single("reason", text, "say why it is cancelled")
            fulfillment_orders.cancel(uow, found, text)
    except BackroomError as exc:
        return order_response(request, viewer, int(order_id), error=refusal_text(exc),
                              status=exc.status)
    return RedirectResponse(f"/orders/{order_id}#fulfillment-orders", status_code=303)


@router.post("/fulfillment/orders/{fo_id}/hold", response_class=HTMLResponse)
def hold_fo(request: Request, fo_id: str, reason: str = Form(""),
            viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    return _fo_action(request, viewer, fo_id, "hold", reason)


@router.post("/fulfillment/orders/{fo_id}/release", response_class=HTMLResponse)
def release_fo(request: Request, fo_id: str,
               viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    return _fo_action(request, viewer, fo_id, "release")


@router.post("/fulfillment/orders/{fo_id}/cancel", response_class=HTMLResponse)
def cancel_fo(request: Request, fo_id: str, reason: str = Form(""),
              viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    return _fo_action(request, viewer, fo_id, "cancel", reason)


# ---------------------------------------------------------------------------------------------
# Blocks on the order page (registered in backroom.web.app.mount)


def _decision(conn: Connection, order_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(SOURCING_DECISIONS).where(SD.order_id == order_id)
                       .order_by(SD.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {"strategy": row.strategy, "reason": row.reason, "packages": row.packages,
            "backordered": row.backordered_units, "decided_at": row.decided_at,
            "cost": f"{from_minor(row.estimated_cost_minor, row.currency)} {row.currency}"}


def order_sections(conn: Connection, viewer: Viewer, order_id: int) -> list[Section]:
    """Why the order was sourced where it was, and its fulfillment orders (with hold, release
    and cancel for ``fulfillment:write``)."""
    if not viewer.can("fulfillment:read"):
        return []
    rows = list(conn.execute(_fo_select().where(FO.order_id == order_id).order_by(FO.id)))
    sections = [Section("Fulfillment orders", "fulfillment/_order_fos.html",
                        {"rows": rows, "can_write": viewer.can("fulfillment:write")})]
    decision = _decision(conn, order_id)
    if decision is not None:
        sections.insert(0, Section("Sourcing", "fulfillment/_sourcing.html",
                                   {"decision": decision}))
    return sections

