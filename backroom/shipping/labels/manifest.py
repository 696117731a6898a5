"""End-of-day manifest of one carrier's parcels: a PDF the driver signs and a CSV, one row
per package (tracking number, service, weight, reference, destination postal code)."""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backroom.shipping.labels import ManifestData, format_weight

CSV_COLUMNS = ("manifest_id", "carrier", "ship_date", "warehouse", "shipment_id", "package_no",
               "tracking_number", "service", "weight_g", "reference", "destination_postal_code",
               "destination_country")


def render_manifest_csv(data: ManifestData) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in data.rows:
        writer.writerow([data.manifest_id, data.carrier, data.ship_date.isoformat(),
                         data.warehouse, r.shipment_id, r.package_no, r.tracking_number,
                         r.service, r.weight_g, _safe_cell(r.reference), r.postal_code,
                         r.country])
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """Keep spreadsheet apps from running a reference that looks like a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_manifest_pdf(data: ManifestData) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(LETTER), invariant=1,
                            title=f"Manifest {data.manifest_id}", author="Backroom",
                            leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm)
    styles = getSampleStyleSheet()
    head = (f"Manifest {data.manifest_id} — {escape(data.carrier.upper())} — "
            f"{data.ship_date.isoformat()}")
    summary = (f"Warehouse {escape(data.warehouse)}: {escape(', '.join(data.origin_lines))}<br/>"
               f"{data.shipment_count} shipments, {len(data.rows)} packages, "
               f"{format_weight(data.total_weight_g)}")
    rows = [["#", "Tracking number", "Service", "Weight (g)", "Reference", "Postal code",
             "Country"]]
    rows += [[str(i), r.tracking_number, r.service, str(r.weight_g), r.reference[:40],
              r.postal_code, r.country] for i, r in enumerate(data.rows, start=1)]
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.whitesmoke]),
        ("ALIGN", (3, 0), (3, -1), "RIGHT"),
    ]))
    signature = Paragraph("Received by driver: ______________________ &nbsp;&nbsp; "
                          "Date/time: ______________ &nbsp;&nbsp; Pieces: ______",
                          styles["Normal"])
    doc.build([Paragraph(head, styles["Heading1"]), Paragraph(summary, styles["Normal"]),
               Spacer(1, 5 * mm), table, Spacer(1, 10 * mm), signature])
    return buf.getvalue()
