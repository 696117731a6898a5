"""The tablet pack screen of a picked fulfillment order: propose cartons, scan items into a
carton (or take them out again), seal it (or reopen it), and ship (buys the label; shows
the tracking number and a link to the label).

Each step calls one packing or shipping service and comes back to the screen; a refused step
shows the service's message on the screen and changes nothing. The proposal's contents per
carton are not stored by ``propose_cartons`` (only the empty cartons are), so the screen
carries them in its address (``plan=1:SKU*3,SKU*1;2:…``) as guidance while packing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, select

from backroom.api.deps import get_uow
from backroom.core.errors import BackroomError, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import boxes, packing_service
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.shipping_service import ship_fulfillment_order
from backroom.fulfillment.tables import FULFILLMENT_ORDERS
from backroom.orders.pages import parse_id, refusal_text
from backroom.shipping import queries as shipments
from backroom.web.auth import PageError, Viewer, csrf_protected, page_user
from backroom.web.render import clean, render

router = APIRouter(include_in_schema=False)
_SKU = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\*\d{1,5}"
_CARTON = re.compile(rf"(\d{{1,4}}):({_SKU}(?:,{_SKU})*)")
PLAN_MAX = 2000
FO = FULFILLMENT_ORDERS.c


@dataclass(frozen=True, slots=True)
class PackForm:
    """The scan fields as the screen shows them after a refusal."""

    carton: str = ""
    barcode: str = ""
    qty: str = "1"
    lot: str = ""


def plan_text(cartons: list[dict[str, Any]]) -> str:
    """A proposal's contents per carton as the screen's ``plan`` parameter."""
    return ";".join(f"{c['carton_no']}:" + ",".join(f"{i['sku']}*{i['qty']}" for i in c["items"])
                    for c in cartons if c["items"])


def parse_plan(text: str) -> dict[int, list[tuple[str, int]]]:
    """``plan_text`` read back; anything malformed gives no plan at all."""
    plan: dict[int, list[tuple[str, int]]] = {}
    for part in text.split(";") if text and len(text) <= PLAN_MAX else []:
        found = _CARTON.fullmatch(part)
        if found is None:
            return {}
        items = [item.rpartition("*") for item in found.group(2).split(",")]
        plan[int(found.group(1))] = [(sku, int(n)) for sku, _, n in items]
    return plan


def _fo_id(raw: str, viewer: Viewer) -> int:
    found = parse_id(raw)
    if found is None:
        raise PageError(404, "Fulfillment order not found",
                        f"There is no fulfillment order '{raw[:20]}'.", viewer)
    return found


def _others(conn: Connection, head: q.Header) -> list[Any]:
    """The order's other unfinished fulfillment orders (e.g. the rest after a partial ship)."""
    return list(conn.execute(select(FO.id, FO.state).where(
        FO.order_id == head.order_id, FO.id != head.id,
        FO.state.in_(("waiting", "released", "picking", "picked", "packed"))).order_by(FO.id)))


def pack_context(conn: Connection, fo_id: int) -> dict[str, Any]:
    head = q.header(conn, fo_id)
    view = q.packing_view(conn, fo_id)
    names = {r.sku: r.name for r in q.lines(conn, fo_id)}
    shipment = shipments.get_shipment(conn, head.shipment_id) if head.shipment_id else None
    open_cartons = [c for c in view["cartons"] if c["state"] == "open"]
    started = any(c["items"] or c["state"] != "open" for c in view["cartons"])
    return {"head": head, "view": view, "names": names, "shipment": shipment,
            "open_cartons": open_cartons, "started": started, "others": _others(conn, head),
            "label_url": _label_url(shipment)}


def _label_url(shipment: dict[str, Any] | None) -> str:
    """The carrier's label address if it gave one (web addresses only), else our PDF."""
    if shipment is None or not shipment["tracking_number"]:
        return ""
    given = str(shipment["label_url"] or "")
    if given.startswith(("https://", "http://")):
        return given
    return f"/api/v1/shipments/{shipment['id']}/label.pdf"


def _notice(view: dict[str, Any], carton: str, sku: str, sealed: str, *, out: bool = False,
            reopened: str = "") -> str:
    """What the last step did, read back from the cartons (never text from the address)."""
    by_no = {str(c["carton_no"]): c for c in view["cartons"]}
    if sealed in by_no and by_no[sealed]["state"] != "open":
        return f"Carton {sealed} sealed: {by_no[sealed]['weight_g']:,} g."
    if reopened in by_no and by_no[reopened]["state"] == "open":
        return f"Carton {reopened} reopened."
    held = by_no.get(carton, {}).get("items", [])
    units = sum(i["qty"] for i in held if i["sku"] == sku)
    if sku and units:
        return f"Carton {carton} now holds {units} × {sku}."
    if sku and out and carton in by_no and any(ln["sku"] == sku for ln in view["lines"]):
        return f"Carton {carton} holds no {sku} now."
    return ""


def pack_response(request: Request, viewer: Viewer, fo_id: int, *, plan: str = "",
                  notice: dict[str, str] | None = None, form: PackForm | None = None,
                  error: str = "", status: int = 200) -> Response:
    uow = get_uow(request)
    with uow.read() as conn:
        try:
            ctx = pack_context(conn, fo_id)
        except NotFound:
            raise PageError(404, "Fulfillment order not found",
                            f"There is no fulfillment order {fo_id}.", viewer) from None
    notice = notice or {}
    message = _notice(ctx["view"], notice.get("carton", ""), notice.get("sku", ""),
                      notice.get("sealed", ""), out=bool(notice.get("out")),
                      reopened=notice.get("reopened", ""))
    open_nos = [str(c["carton_no"]) for c in ctx["open_cartons"]]
    chosen = notice.get("carton", "") if notice.get("carton") in open_nos else ""
    form = form or PackForm(carton=chosen or (open_nos[0] if open_nos else ""))
    return render(request, "fulfillment/pack.html", viewer, title=f"Pack {fo_id}",
                  active="fulfillment", plan=plan, planned=parse_plan(plan), form=form,
                  message=message, error=error, box_choices=boxes.list_boxes(uow),
                  can_write=viewer.can("fulfillment:write"), status=status, **ctx)


@router.get("/fulfillment/pack/{fo_id}", response_class=HTMLResponse)
def pack_page(request: Request, fo_id: str, plan: str = "", carton: str = "", sku: str = "",
              sealed: str = "", out: str = "", reopened: str = "",
              viewer: Viewer = Depends(page_user("fulfillment:read"))) -> Response:
    notice = {"carton": clean(carton, 8), "sku": clean(sku, 64), "sealed": clean(sealed, 8),
              "out": clean(out, 1), "reopened": clean(reopened, 8)}
    return pack_response(request, viewer, _fo_id(fo_id, viewer), plan=clean(plan, PLAN_MAX),
                         notice=notice)


def _step(request: Request, viewer: Viewer, fo_id: str, plan: str,
          run: Callable[[UnitOfWork, int], dict[str, str]], form: PackForm | None = None
          ) -> Response:
    """Run one packing step; back to the screen (``run`` says what to point out there), or
    the screen with the refusal."""
    found = _fo_id(fo_id, viewer)
    plan = clean(plan, PLAN_MAX)
    try:
        query = run(get_uow(request), found)
    except BackroomError as exc:
        return pack_response(request, viewer, found, plan=plan, form=form,
                             error=refusal_text(exc), status=exc.status)
    query = {"plan": plan, **query}
    address = f"/fulfillment/pack/{found}"
    shown = {k: v for k, v in query.items() if v}
    return RedirectResponse(address + ("?" + urlencode(shown) if shown else ""),
                            status_code=303)


@router.post("/fulfillment/pack/{fo_id}/propose", response_class=HTMLResponse)
def propose(request: Request, fo_id: str,
            viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    def run(uow: UnitOfWork, found: int) -> dict[str, str]:
        proposal = packing_service.propose_cartons(uow, found)
        return {"plan": plan_text(proposal["cartons"])}

    return _step(request, viewer, fo_id, "", run)


def _number(text: str, name: str) -> int:
    value = parse_id(text)
    if value is None:
        raise ValidationFailed.single(name, text, "must be a whole number of at least 1")
    return value


@router.post("/fulfillment/pack/{fo_id}/scan", response_class=HTMLResponse)
def pack_scan(request: Request, fo_id: str, carton_no: str = Form(""), barcode: str = Form(""),
              qty: str = Form("1"), lot: str = Form(""), plan: str = Form(""),
              viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    form = PackForm(clean(carton_no, 8), clean(barcode, 64), clean(qty, 8) or "1",
                    clean(lot, 64))

    def run(uow: UnitOfWork, found: int) -> dict[str, str]:
        done = packing_service.pack_scan(uow, found, _number(form.carton, "carton_no"),
                                         form.barcode, _number(form.qty, "qty"),
                                         form.lot or None)
        return {"carton": str(done["carton_no"]), "sku": str(done["sku"])}

    refused = PackForm(carton=form.carton, qty=form.qty, lot=form.lot)
    return _step(request, viewer, fo_id, plan, run, refused)


@router.post("/fulfillment/pack/{fo_id}/seal", response_class=HTMLResponse)
def seal(request: Request, fo_id: str, carton_no: str = Form(""), plan: str = Form(""),
         viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    def run(uow: UnitOfWork, found: int) -> dict[str, str]:
        number = _number(carton_no.strip(), "carton_no")
        packing_service.seal_carton(uow, found, number)
        return {"sealed": str(number)}

    return _step(request, viewer, fo_id, plan, run)


@router.post("/fulfillment/pack/{fo_id}/unpack", response_class=HTMLResponse)
def unpack(request: Request, fo_id: str, carton_no: str = Form(""), barcode: str = Form(""),
           qty: str = Form("1"), lot: str = Form(""), plan: str = Form(""),
           viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    """Take units of one item back out of an open carton (the "Take out" form)."""
    def run(uow: UnitOfWork, found: int) -> dict[str, str]:
        done = packing_service.unpack(uow, found, _number(clean(carton_no, 8), "carton_no"),
                                      clean(barcode, 64), _number(clean(qty, 8) or "1", "qty"),
                                      clean(lot, 64) or None)
        return {"carton": str(done["carton_no"]), "sku": str(done["sku"]), "out": "1"}

    return _step(request, viewer, fo_id, plan, run)


@router.post("/fulfillment/pack/{fo_id}/reopen", response_class=HTMLResponse)
def reopen(request: Request, fo_id: str, carton_no: str = Form(""), plan: str = Form(""),
           viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    def run(uow: UnitOfWork, found: int) -> dict[str, str]:
        number = _number(carton_no.strip(), "carton_no")
        packing_service.reopen_carton(uow, found, number)
        return {"reopened": str(number)}

    return _step(request, viewer, fo_id, plan, run)


@router.post("/fulfillment/pack/{fo_id}/open", response_class=HTMLResponse)
def open_carton(request: Request, fo_id: str, box: str = Form(""), plan: str = Form(""),
                viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    def run(uow: UnitOfWork, found: int) -> dict[str, str]:
        done = packing_service.open_carton(uow, found, clean(box, 32))
        return {"carton": str(done["carton"]["carton_no"])}

    return _step(request, viewer, fo_id, plan, run)


@router.post("/fulfillment/pack/{fo_id}/ship", response_class=HTMLResponse)
def ship(request: Request, fo_id: str,
         viewer: Viewer = Depends(csrf_protected("fulfillment:write"))) -> Response:
    def run(uow: UnitOfWork, found: int) -> dict[str, str]:
        ship_fulfillment_order(uow, found)
        return {}

    return _step(request, viewer, fo_id, "", run)
