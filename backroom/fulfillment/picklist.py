"""The printable pick list of a batch: stops in walking order and a small map of the route.

A4 portrait (ReportLab). The map is drawn with the same geometry as the tablet's SVG
(``picking.svg``): racks grey, the walk blue from the depot ("start") through numbered stops.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import Connection, select

from backroom.fulfillment.pick_service import batch_view
from backroom.fulfillment.picking import Route, WarehouseLayout, bin_point, route_in_order
from backroom.fulfillment.picking.svg import RACK_SHARE, rack_boxes
from backroom.fulfillment.tables import FULFILLMENT_ORDERS, PICK_BATCHES
from backroom.fulfillment.waves import warehouse_layout
from backroom.inventory.tables import WAREHOUSES
from backroom.orders.tables import ORDERS

MAP_WIDTH = 170 * mm
MAP_MAX_HEIGHT = 90 * mm


def batch_route(conn: Connection, batch_id: int) -> tuple[WarehouseLayout, Route, dict[str, Any]]:
    """The batch's layout, its route in task order and the batch view."""
    view = batch_view(conn, batch_id)
    wh = conn.execute(select(PICK_BATCHES.c.warehouse_id).where(PICK_BATCHES.c.id == batch_id)
                      ).scalar_one()
    layout = warehouse_layout(conn, wh)
    points = [bin_point(layout, t["aisle"] or "A", t["bay"] or 1) for t in view["tasks"]]
    return layout, route_in_order(layout, points, list(range(len(points)))), view


def pick_list_pdf(conn: Connection, batch_id: int) -> bytes:
    layout, route, view = batch_route(conn, batch_id)
    orders = _orders(conn, batch_id)
    warehouse = conn.execute(select(WAREHOUSES.c.code).join(
        PICK_BATCHES, PICK_BATCHES.c.warehouse_id == WAREHOUSES.c.id)
        .where(PICK_BATCHES.c.id == batch_id)).scalar_one()
    styles = getSampleStyleSheet()
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"Pick list {batch_id}",
                            leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm)
    story: list[Any] = [
        Paragraph(f"Pick batch {batch_id} · wave {view['wave_id']} · {warehouse}",
                  styles["Title"]),
        Paragraph(f"{len(view['tasks'])} picks · {view['totes']} totes · walk "
                  f"{view['route_length_m']:.0f} m ({view['route_method']})", styles["Normal"]),
        Spacer(1, 4 * mm), route_drawing(layout, route), Spacer(1, 4 * mm),
        _stops_table(view), Spacer(1, 4 * mm), _totes_table(orders)]
    doc.build(story)
    return out.getvalue()


def _orders(conn: Connection, batch_id: int) -> list[tuple[int, str]]:
    fo = FULFILLMENT_ORDERS.c
    return [(r.tote, r.number) for r in conn.execute(
        select(fo.tote, ORDERS.c.number).join(ORDERS, ORDERS.c.id == fo.order_id)
        .where(fo.batch_id == batch_id).order_by(fo.tote))]


def _stops_table(view: dict[str, Any]) -> Table:
    rows: list[list[Any]] = [["#", "Bin", "SKU", "Item", "Lot", "Qty", "Tote", "Done"]]
    for t in view["tasks"]:
        rows.append([t["seq"], t["bin"], t["sku"], (t["name"] or "")[:38], t["lot"] or "",
                     t["qty"], t["tote"], "☐" if t["state"] == "open" else "✓"])
    table = Table(rows, repeatRows=1, colWidths=[10 * mm, 30 * mm, 28 * mm, 60 * mm,
                                                 16 * mm, 10 * mm, 10 * mm, 10 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f4f7")]),
        ("ALIGN", (5, 1), (6, -1), "RIGHT")]))
    return table


def _totes_table(orders: list[tuple[int, str]]) -> Table:
    rows: list[list[Any]] = [["Tote", "Order"], *[[tote, number] for tote, number in orders]]
    table = Table(rows, colWidths=[15 * mm, 50 * mm])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                               ("FONTSIZE", (0, 0), (-1, -1), 9),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black)]))
    return table


def route_drawing(layout: WarehouseLayout, route: Route) -> Drawing:
    """The route map as a ReportLab drawing, scaled to fit the page width."""
    span_x = (layout.aisles - 1 + 2 * RACK_SHARE) * layout.aisle_spacing
    scale = min(MAP_WIDTH / span_x, MAP_MAX_HEIGHT / max(layout.aisle_length, 1.0))
    left = RACK_SHARE * layout.aisle_spacing

    def xy(x: float, y: float) -> tuple[float, float]:
        return (x + left) * scale, y * scale + 4

    drawing = Drawing(span_x * scale, layout.aisle_length * scale + 12)
    for left, low, width, height in rack_boxes(layout):
        x0, y0 = xy(left, low)
        drawing.add(Rect(x0, y0, width * scale, height * scale,
                         fillColor=colors.HexColor("#d9dde3"), strokeColor=None))
    corners = [c for x, y in route.path(layout) for c in xy(x, y)]
    if len(corners) >= 4:
        drawing.add(PolyLine(corners, strokeColor=colors.HexColor("#1f6feb"), strokeWidth=1.5))
    dx, dy = xy(layout.x(layout.depot_aisle), 0.0)
    drawing.add(Rect(dx - 3, dy - 3, 6, 6, fillColor=colors.black))
    for number, stop in enumerate(route.stops, start=1):
        x, y = xy(layout.x(stop.aisle), stop.y)
        drawing.add(Circle(x, y, 5, fillColor=colors.white,
                           strokeColor=colors.HexColor("#d1242f")))
        drawing.add(String(x, y - 2.5, str(number), fontSize=6, textAnchor="middle",
                           fillColor=colors.HexColor("#d1242f")))
    return drawing
