"""Dashboard page of the books: state of the worker, trial balance, balance sheet, P&L, and
a chart of revenue, COGS and gross margin by month (an SVG drawn on the server: no scripts).

Mounted by ``backroom.web.app``; read-only, needs ``accounting:read``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

# Importing inline registers its posting hook when BACKROOM_BOOKS_POST_INLINE is on.
from backroom.accounting import inline as _inline  # noqa: F401
from backroom.accounting import posting, reports
from backroom.accounting.audit import pending
from backroom.api.deps import get_uow
from backroom.web.auth import PageError, Viewer, page_user
from backroom.web.render import Tile, clean, render

router = APIRouter(include_in_schema=False)
CHART_W, CHART_H, MONTHS = 720, 220, 12
COLOURS = {"revenue": "#0d6efd", "cogs": "#dc3545"}  # SVG fill attributes (no inline CSS)


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # revenue | cogs
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    bars: list[Bar]
    labels: list[tuple[float, str]]
    peak: str


def month_chart(rows: list[dict[str, Any]]) -> Chart:
    """Two bars per month (revenue, COGS), scaled to the largest figure."""
    rows = [r for r in rows if r["month"] != "(none)"][-MONTHS:]
    values = [(Decimal(r["revenue"]), Decimal(r["cogs"])) for r in rows]
    peak = max((max(v) for v in values), default=Decimal(0))
    slot = CHART_W / max(len(rows), 1)
    width = slot * 0.38
    bars, labels = [], []
    for n, (row, (rev, cogs)) in enumerate(zip(rows, values, strict=True)):
        for k, (kind, value) in enumerate((("revenue", rev), ("cogs", cogs))):
            height = float(value / peak * (CHART_H - 20)) if peak > 0 and value > 0 else 0.0
            bars.append(Bar(round(n * slot + 6 + k * width, 1), round(CHART_H - height, 1),
                            round(width, 1), round(height, 1), kind,
                            f"{row['month']} {kind}: {value}"))
        labels.append((round(n * slot + slot / 2, 1), row["month"]))
    return Chart(bars, labels, str(peak))


def _parse_day(raw: str, viewer: Viewer) -> date | None:
    text = clean(raw, 10)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PageError(400, "Bad date", f"'{text}' is not a date (YYYY-MM-DD).",
                        viewer) from None


def _context(conn: Connection, as_of: date | None) -> dict[str, Any]:
    margin = reports.margin(conn, by="month", end=as_of)
    return {"trial": reports.trial_balance(conn, as_of=as_of),
            "sheet": reports.balance_sheet(conn, as_of=as_of),
            "pnl": reports.profit_and_loss(conn, end=as_of),
            "valuation": reports.inventory_valuation(conn, as_of=as_of),
            "margin": margin, "chart": month_chart(margin["rows"]),
            "waiting": pending(conn).events}


@router.get("/accounting", response_class=HTMLResponse)
def books_page(request: Request, as_of: str = "",
               viewer: Viewer = Depends(page_user("accounting:read"))) -> Response:
    day = _parse_day(as_of, viewer)
    uow = get_uow(request)
    with uow.read() as conn:
        context = _context(conn, day)
    return render(request, "accounting/books.html", viewer, title="Accounting",
                  active="accounting", as_of=day.isoformat() if day else "",
                  worker=posting.status(uow), width=CHART_W, height=CHART_H,
                  colours=COLOURS, **context)


def overview_tiles(conn: Connection, viewer: Viewer) -> list[Tile]:
    """Figures for the overview page: entries posted and events waiting to be posted."""
    if not viewer.can("accounting:read"):
        return []
    return [Tile("Journal entries", reports.entry_count(conn), "/accounting"),
            Tile("Events waiting for the books", pending(conn).events, "/accounting")]
