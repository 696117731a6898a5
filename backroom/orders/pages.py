"""Dashboard pages of orders: the list (filter by state, channel, hold or number) and one order
with its lines' quantity buckets, holds (released from here with ``orders:write``), history and
the blocks other areas add.

The fulfillment area depends on orders, not the other way round, so the order page learns
about sourcing and fulfillment orders through providers the dashboard assembly registers on
``app.state.order_sections`` (see ``backroom.web.app.mount``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from backroom.api.deps import get_uow
from backroom.core.errors import BackroomError, NotFound
from backroom.orders import channels, queries, services
from backroom.orders.model import HoldKind, OrderState
from backroom.web.auth import PageError, Viewer, csrf_protected, page_user
from backroom.web.render import Section, clean, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
STATES = tuple(s.value for s in OrderState)
HOLDS = tuple(h.value for h in HoldKind)
NOTE_MAX = 500

OrderSectionProvider = Callable[[Connection, Viewer, int], list[Section]]


@dataclass(frozen=True, slots=True)
class OrderFilter:
    state: str = ""
    channel: str = ""
    hold: str = ""
    number: str = ""
    after: str = ""

    def query_string(self, **override: str) -> dict[str, str]:
        values = {"state": self.state, "channel": self.channel, "hold": self.hold,
                  "number": self.number, "after": self.after, **override}
        return {k: v for k, v in values.items() if v}


def parse_id(raw: str) -> int | None:
    """A positive database id from a path or form value, else None (never an exception)."""
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    value = int(text)
    return value if value > 0 else None


def actor(viewer: Viewer) -> str:
    """Who did it, as order history and holds record it."""
    return f"dashboard:{viewer.principal.name}"[:100]


def order_sections(request: Request) -> list[OrderSectionProvider]:
    found = getattr(request.app.state, "order_sections", None)
    return list(found) if isinstance(found, list) else []


def _filter(state: str, channel: str, hold: str, number: str, after: str) -> OrderFilter:
    return OrderFilter(state=state if state in STATES else "",
                       channel=clean(channel, 32).upper(), hold=hold if hold in HOLDS else "",
                       number=clean(number, 64),
                       after=str(parse_id(after) or "") if after else "")


@router.get("/orders", response_class=HTMLResponse)
def orders_page(request: Request, state: str = "", channel: str = "", hold: str = "",
                number: str = "", after: str = "",
                viewer: Viewer = Depends(page_user("orders:read"))) -> Response:
    f = _filter(state, channel, hold, number, after)
    uow = get_uow(request)
    with uow.read() as conn:
        rows = queries.list_orders(conn, channel=f.channel or None, state=f.state or None,
                                   hold=f.hold or None, number=f.number or None,
                                   limit=PAGE_SIZE + 1,
                                   after_id=int(f.after) if f.after else None)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_query = f.query_string(after=str(rows[-1]["id"])) if more else None
    first_query = f.query_string(after="") if f.after else None
    return render(request, "orders/list.html", viewer, title="Orders", active="orders", f=f,
                  rows=rows, channels=channels.list_channels(uow), states=STATES, holds=HOLDS,
                  next_query=next_query, first_query=first_query)


def order_response(request: Request, viewer: Viewer, order_id: int, *, error: str = "",
                   status: int = 200) -> Response:
    """The order page (``error`` shown at the top when a form on it was refused)."""
    sections: list[Section] = []
    with get_uow(request).read() as conn:
        try:
            order = queries.get_order(conn, order_id)
        except NotFound:
            raise PageError(404, "Order not found", f"There is no order {order_id}.",
                            viewer) from None
        for provider in order_sections(request):
            sections.extend(provider(conn, viewer, order_id))
    return render(request, "orders/order.html", viewer, title=f"Order {order['number']}",
                  active="orders", order=order, sections=sections, error=error,
                  can_write=viewer.can("orders:write"), status=status)


def _order_id(raw: str, viewer: Viewer) -> int:
    found = parse_id(raw)
    if found is None:
        raise PageError(404, "Order not found", f"There is no order '{raw[:40]}'.", viewer)
    return found


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: str,
               viewer: Viewer = Depends(page_user("orders:read"))) -> Response:
    return order_response(request, viewer, _order_id(order_id, viewer))


@router.post("/orders/{order_id}/holds/{hold_id}/release", response_class=HTMLResponse)
def release_hold(request: Request, order_id: str, hold_id: str, note: str = Form(""),
                 viewer: Viewer = Depends(csrf_protected("orders:write"))) -> Response:
    oid = _order_id(order_id, viewer)
    hid = parse_id(hold_id)
    try:
        if hid is None:
            raise NotFound(f"order {oid} has no hold '{hold_id[:20]}'")
        services.release_hold(get_uow(request), oid, hid, actor(viewer),
                              clean(note, NOTE_MAX))
    except BackroomError as exc:
        return order_response(request, viewer, oid, error=refusal_text(exc), status=exc.status)
    return RedirectResponse(f"/orders/{oid}#holds", status_code=303)


def refusal_text(exc: BackroomError) -> str:
    """What a refused form says: each problem's message (it names what was expected) and the
    value it was about, or the service's message."""
    if not exc.problems:
        return exc.message[:1].upper() + exc.message[1:]
    parts = []
    for p in exc.problems:
        text = p.message[:1].upper() + p.message[1:]
        shown = "" if p.value is None else str(p.value).strip()
        parts.append(f"{text} ({p.field}: {shown})" if shown else text)
    return "; ".join(parts)
