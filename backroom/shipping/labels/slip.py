"""Packing slip: a Letter (or A4) page with the addresses and the lines in the parcel."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backroom.shipping.labels import LabelData, format_weight, service_line

PAGE_SIZES = {"letter": LETTER, "a4": A4}


def _address_cell(title: str, lines: list[str], style: ParagraphStyle) -> Paragraph:
    body = "<br/>".join(escape(line) for line in lines)
    return Paragraph(f"<b>{escape(title)}</b><br/>{body}", style)


def _header(data: LabelData, styles: Any) -> list[Any]:
    normal = styles["Normal"]
    facts = [f"Shipment {data.shipment_id}", f"Reference: {data.reference or '-'}",
             f"Ship date: {data.ship_date.isoformat()}", f"Service: {service_line(data)}",
             f"Packages: {data.package_count}, "
             f"{format_weight(sum(p.weight_g for p in data.packages))}"]
    addresses = Table([[_address_cell("Ship to", data.ship_to.lines(), normal),
                        _address_cell("From", data.ship_from.lines(), normal),
                        Paragraph("<br/>".join(escape(f) for f in facts), normal)]],
                      colWidths=["34%", "33%", "33%"])
    addresses.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [Paragraph("Packing slip", styles["Title"]), addresses, Spacer(1, 8 * mm)]


def _lines_table(data: LabelData, styles: Any) -> Table:
    normal = styles["Normal"]
    rows: list[list[Any]] = [["SKU", "Item", "Qty"]]
    for line in data.contents:
        rows.append([Paragraph(escape(line.sku), normal), Paragraph(escape(line.name), normal),
                     str(line.qty)])
    rows.append(["", "Total units", str(sum(line.qty for line in data.contents))])
    table = Table(rows, colWidths=["25%", "60%", "15%"], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
        ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def render_slip(data: LabelData, page: str = "letter") -> bytes:
    """The packing slip of ``data`` (its ``contents`` are the lines); Letter or A4."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE_SIZES[page], invariant=1,
                            title=f"Packing slip {data.shipment_id}", author="Backroom",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm)
    styles = getSampleStyleSheet()
    story = [*_header(data, styles), _lines_table(data, styles)]
    if not data.contents:
        story.append(Paragraph("No contents were recorded for this shipment.", styles["Italic"]))
    doc.build(story)
    return buf.getvalue()
