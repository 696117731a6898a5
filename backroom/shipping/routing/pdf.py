"""Route sheets as a PDF for the drivers: one page per route (stops in order with address, ETA,
window and size, then the route's totals), and a last page listing what was not placed and why.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backroom.shipping.routing import sheets
from backroom.shipping.routing.model import Plan, Route

_GRID = TableStyle([
    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
    ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e3")),
    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])


def render_pdf(plan: Plan, title: str = "Delivery routes") -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm,
                            rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=title, author="Backroom")
    styles = getSampleStyleSheet()
    story: list[Any] = []
    for i, route in enumerate(plan.routes):
        if i:
            story.append(PageBreak())
        story += _route_page(plan, route, styles)
    if plan.unassigned:
        if story:
            story.append(PageBreak())
        story += _unassigned_page(plan, styles)
    if not story:
        story.append(Paragraph("No deliveries to plan.", styles["Heading2"]))
    doc.build(story)
    return buffer.getvalue()


def _route_page(plan: Plan, route: Route, styles: Any) -> list[Any]:
    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=9, leading=11)
    zone = route.vehicle.shift_start
    head = (f"Route {route.vehicle.id}" + (f" ({route.vehicle.name})" if route.vehicle.name else "")
            + f" · {zone.strftime('%Y-%m-%d')}")
    intro = (f"From {plan.depot.name}{', ' + plan.depot.address if plan.depot.address else ''}. "
             f"Leave {sheets.hhmm(route.departure, zone)}, back "
             f"{sheets.hhmm(route.return_at, zone)}; shift "
             f"{sheets.hhmm(route.vehicle.shift_start, zone)}–"
             f"{sheets.hhmm(route.vehicle.shift_end, zone)}.")
    rows: list[list[Any]] = [list(sheets.STOP_COLUMNS)]
    for row in sheets.stop_rows(route):
        rows.append([*row[:4], Paragraph(_esc(row[4]), cell), *row[5:]])
    widths = [10 * mm, 16 * mm, 26 * mm, 28 * mm, 92 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_GRID)
    total = (f"Totals: {len(route.stops)} stops, {sheets.km(route.distance_m)}, "
             f"{sheets.minutes(route.duration_s)} from leaving to return; load "
             f"{sheets.capacity(route.weight_g, route.vehicle.capacity_weight_g, 'kg')}, "
             f"{sheets.capacity(route.volume_cm3, route.vehicle.capacity_volume_cm3, 'l')}.")
    return [Paragraph(_esc(head), styles["Heading1"]), Paragraph(_esc(intro), styles["BodyText"]),
            Spacer(1, 4 * mm), table, Spacer(1, 4 * mm),
            Paragraph(_esc(total), styles["BodyText"])]


def _unassigned_page(plan: Plan, styles: Any) -> list[Any]:
    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=9, leading=11)
    rows: list[list[Any]] = [["delivery", "address", "reason"]]
    for u in plan.unassigned:
        rows.append([u.delivery.id, Paragraph(_esc(u.delivery.address), cell),
                     Paragraph(_esc(u.reason), cell)])
    table = Table(rows, colWidths=[30 * mm, 80 * mm, 160 * mm], repeatRows=1)
    table.setStyle(_GRID)
    return [Paragraph(f"Not placed ({len(plan.unassigned)})", styles["Heading1"]), table]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
