"""The tablet pick screen of a pick batch: the route map, the current pick, a scan form (bin,
then item; a hardware scanner types and presses Enter), progress and short picks.

Scanning only the bin (Enter with no item) checks the bin against the batch and comes back
with the bin filled in and the item field focused; a full scan confirms the pick. The first
accepted scan starts the batch for the signed-in picker, in the same transaction as the pick,
so a refused scan changes nothing. Refusals are shown on the screen itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, select

from backroom.api.deps import get_uow
from backroom.core.errors import BackroomError, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import pick_service
from backroom.fulfillment.picking.svg import route_svg
from backroom.fulfillment.picklist import batch_route
from backroom.fulfillment.tables import FULFILLMENT_ORDERS, PICK_BATCHES
from backroom.inventory.tables import WAREHOUSES
from backroom.orders.pages import parse_id, refusal_text
from backroom.orders.tables import ORDERS
from backroom.web.auth import PageError, Viewer, csrf_protected, page_user
from backroom.web.render import clean, render

router = APIRouter(include_in_schema=False)
CODE_MAX = 64
MAP_BOX = (720, 360)  # the route map's largest size on the screen, in CSS pixels
_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')


@dataclass(frozen=True, slots=True)
class ScanForm:
    """The scan fields as the screen shows them, and which one has the focus."""

    bin: str = ""
    barcode: str = ""
    qty: str = ""
    lot: str = ""
    focus: str = "bin"


def fluid_svg(svg: str, box: tuple[int, int] = MAP_BOX) -> str:
    """The map sized to fill ``box`` (keeping its proportions: small layouts grow, big ones
    shrink) and scaled down further on a narrower screen (Bootstrap's ``img-fluid``; the CSP
    allows no inline styles)."""
    head, sep, rest = svg.partition(">")
    size = _VIEWBOX.search(head)
    if not head.startswith("<svg") or size is None or "class=" in head:
        return svg
    width, height = float(size.group(1)), float(size.group(2))
    scale = min(box[0] / width, box[1] / height) if width > 0 and height > 0 else 1.0
    head = _SIZE.sub("", head)
    return (f'{head} width="{width * scale:.0f}" height="{height * scale:.0f}" '
            f'class="img-fluid"{sep}{rest}')


def _batch_id(raw: str, viewer: Viewer) -> int:
    found = parse_id(raw)
    if found is None:
        raise PageError(404, "Pick batch not found", f"There is no pick batch '{raw[:20]}'.",
                        viewer)
    return found


def _totes(conn: Connection, batch_id: int) -> list[dict[str, Any]]:
    fo = FULFILLMENT_ORDERS.c
    return [dict(r._mapping) for r in conn.execute(
        select(fo.tote, fo.id, fo.state, fo.hold_reason, ORDERS.c.number)
        .join(ORDERS, ORDERS.c.id == fo.order_id)
        .where(fo.batch_id == batch_id).order_by(fo.tote, fo.id))]


def _warehouse(conn: Connection, batch_id: int) -> str:
    return str(conn.execute(select(WAREHOUSES.c.code).join(
        PICK_BATCHES, PICK_BATCHES.c.warehouse_id == WAREHOUSES.c.id)
        .where(PICK_BATCHES.c.id == batch_id)).scalar_one())


def _notice(tasks: list[dict[str, Any]], bin_code: str, sku: str, short: str) -> str:
    """What the last step did, read back from the batch (never text from the address)."""
    if short:
        task = next((t for t in tasks if str(t["id"]) == short and t["short"]), None)
        if task is not None:
            return (f"Short pick at {task['bin']}: {task['short']} of {task['sku']} missing. "
                    "A count task was raised for the bin.")
    at = [t for t in tasks if t["bin"] == bin_code and t["sku"] == sku]
    if sku and at:
        picked, qty = sum(t["picked"] for t in at), sum(t["qty"] for t in at)
        return f"Picked {sku} from {bin_code}: {picked} of {qty}."
    return ""


def pick_context(conn: Connection, batch_id: int) -> dict[str, Any]:
    layout, route, view = batch_route(conn, batch_id)
    tasks = view["tasks"]
    open_tasks = [t for t in tasks if t["state"] == "open"]
    current = open_tasks[0] if open_tasks else None
    return {"batch": view, "tasks": tasks, "current": current,
            "stop": tasks.index(current) + 1 if current else None,
            "done": len(tasks) - len(open_tasks), "open_bins": {t["bin"] for t in open_tasks},
            "needs_lot": any(t["lot"] for t in open_tasks), "totes": _totes(conn, batch_id),
            "warehouse": _warehouse(conn, batch_id),
            "svg": fluid_svg(route_svg(layout, route, title=f"Pick route of batch {batch_id}"))}


def pick_response(request: Request, viewer: Viewer, batch_id: int, *,
                  form: ScanForm | None = None, notice: dict[str, str] | None = None,
                  error: str = "", status: int = 200) -> Response:
    with get_uow(request).read() as conn:
        try:
            ctx = pick_context(conn, batch_id)
        except NotFound:
            raise PageError(404, "Pick batch not found", f"There is no pick batch {batch_id}.",
                            viewer) from None
    notice = notice or {}
    bin_code = notice.get("bin", "")
    if form is None:  # a bin that still has picks stays filled in: scan the item next
        ready = bin_code in ctx["open_bins"]
        form = ScanForm(bin=bin_code, focus="barcode") if ready else ScanForm()
    message = _notice(ctx["tasks"], bin_code, notice.get("sku", ""), notice.get("short", ""))
    if not message and form.bin and not error:
        message = f"Bin {form.bin} is right: now scan the item."
    return render(request, "fulfillment/pick.html", viewer, title=f"Pick batch {batch_id}",
                  active="fulfillment", form=form, message=message, error=error,
                  can_write=viewer.can("fulfillment:write"), status=status, **ctx)


@router.get("/fulfillment/pick/{batch_id}", response_class=HTMLResponse)
def pick_page(request: Request, batch_id: str, bin: str = "", sku: str = "", short: str = "",
              viewer: Viewer = Depends(page_user("fulfillment:read"))) -> Response:
    notice = {"bin": clean(bin, CODE_MAX), "sku": clean(sku, CODE_MAX), "short": clean(short, 18)}
    return pick_response(request, viewer, _batch_id(batch_id, viewer), notice=notice)


def _start_if_open(uow: UnitOfWork, batch_id: int, picker: str) -> None:
    with uow.read() as conn:
        state = conn.execute(select(PICK_BATCHES.c.state)
                             .where(PICK_BATCHES.c.id == batch_id)).scalar()
    if state == "open":
        pick_service.start(uow, batch_id, picker)


def _qty(text: str) -> int | None:
    if not text:
        return None
    value = parse_id(text)
    if value is None:
        raise ValidationFailed.single("qty", text, "must be a whole number of at least 1")
    return value


def _focus(exc: BackroomError) -> str:
    fields = [p.field for p in exc.problems]
    return next((f for f in fields if f in ("bin", "barcode", "qty", "lot")), "bin")


def _after_refusal(form: ScanForm, exc: BackroomError) -> ScanForm:
    """The form again with the field at fault emptied and focused (a scanner types into it);
    a wrong bin empties the item too, since the item must be scanned at the right bin."""
    focus = _focus(exc)
    return ScanForm(bin="" if focus == "bin" else form.bin,
                    barcode="" if focus in ("bin", "barcode") else form.barcode,
                    qty="" if focus == "qty" else form.qty,
                    lot="" if focus == "lot" else form.lot, focus=focus)


@router.post("/fulfillment/pick/{batch_id}/scan", response_class=HTMLResponse)
def pick_scan(request: Request, batch_id: str, bin: str = Form(""), barcode: str = Form(""),
              qty: str = Form(""), lot: str = Form(""),
              viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    bid = _batch_id(batch_id, viewer)
    form = ScanForm(clean(bin, CODE_MAX), clean(barcode, CODE_MAX), clean(qty, 8),
                    clean(lot, CODE_MAX))
    uow = get_uow(request)
    try:
        units = _qty(form.qty)
        if not form.barcode and _bin_has_picks(uow, bid, form.bin):
            return RedirectResponse(f"/fulfillment/pick/{bid}?" + urlencode({"bin": form.bin}),
                                    status_code=303)
        with uow.transaction():
            _start_if_open(uow, bid, viewer.principal.name)
            done = pick_service.pick_scan(uow, bid, bin_code=form.bin, barcode=form.barcode,
                                          qty=units, lot=form.lot or None)
    except BackroomError as exc:
        return pick_response(request, viewer, bid, form=_after_refusal(form, exc),
                             error=refusal_text(exc), status=exc.status)
    query = {"bin": done["picked"]["bin"], "sku": done["picked"]["sku"]}
    return RedirectResponse(f"/fulfillment/pick/{bid}?" + urlencode(query), status_code=303)


def _bin_has_picks(uow: UnitOfWork, batch_id: int, bin_code: str) -> bool:
    if not bin_code:
        return False
    with uow.read() as conn:
        view = pick_service.batch_view(conn, batch_id)
    return any(t["bin"] == bin_code and t["state"] == "open" for t in view["tasks"])


@router.post("/fulfillment/pick/{batch_id}/short", response_class=HTMLResponse)
def short_pick(request: Request, batch_id: str, task_id: str = Form(""), found: str = Form(""),
               viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    """The bin held fewer units than the pick wants: record what was found (0 or more)."""
    bid = _batch_id(batch_id, viewer)
    task = parse_id(task_id)
    uow = get_uow(request)
    try:
        count = int(found.strip()) if found.strip().isdigit() else -1
        if task is None:
            raise NotFound(f"pick batch {bid} has no pick task '{task_id[:20]}'")
        with uow.transaction():
            _start_if_open(uow, bid, viewer.principal.name)
            pick_service.short_pick(uow, bid, task, count)
    except BackroomError as exc:
        return pick_response(request, viewer, bid, error=refusal_text(exc), status=exc.status)
    return RedirectResponse(f"/fulfillment/pick/{bid}?short={task}", status_code=303)
