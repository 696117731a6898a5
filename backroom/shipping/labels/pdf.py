"""4×6 inch shipping labels as PDF: one page per package, Code 128 of its tracking number.

Layout, top to bottom: sender, carrier and service, recipient, the barcode with the tracking
number printed under it, then weight, "Package n of m", reference and ship date.
"""

from __future__ import annotations

import io

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from backroom.core.errors import ValidationFailed
from backroom.shipping.labels import LabelData, LabelPackage, format_weight, service_line

PAGE = (4 * inch, 6 * inch)  # 288 × 432 pt
MARGIN = 12.0
BAR_HEIGHT = 80.0
MAX_BAR_WIDTH = 2.0
_BOLD = "Helvetica-Bold"
_REGULAR = "Helvetica"


def barcode(value: str, width: float = PAGE[0] - 2 * MARGIN) -> Code128:
    """A Code 128 of ``value`` as wide as fits in ``width`` (bars at most 2 pt)."""
    if not value or not value.isascii() or not value.isprintable():
        raise ValidationFailed.single("tracking_number", value,
                                      "must be printable ASCII to go in a Code 128 barcode")
    probe = Code128(value, barWidth=1.0, barHeight=BAR_HEIGHT, quiet=1, lquiet=10, rquiet=10)
    bar_width = min(MAX_BAR_WIDTH, width / probe.width)
    return Code128(value, barWidth=bar_width, barHeight=BAR_HEIGHT, quiet=1,
                   lquiet=10 * bar_width, rquiet=10 * bar_width, humanReadable=False)


def render_label(data: LabelData) -> bytes:
    """The labels of every package of ``data``, one 4×6 page each."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=PAGE, invariant=1, pageCompression=0)
    canvas.setTitle(f"Shipment {data.shipment_id} labels")
    canvas.setAuthor("Backroom")
    for package in data.packages:
        _page(canvas, data, package)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def fitted(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """The text and a font size at which it fits ``width``: shrunk down to 6 pt, then cut."""
    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    while text and stringWidth(text, font, size) > width:
        text = text[:-1]
    return text, size


def _text_block(canvas: Canvas, x: float, y: float, lines: list[str], font: str, size: float,
                leading: float) -> float:
    """Draw ``lines`` downwards from ``y``, each shrunk to fit; returns the y below them."""
    for line in lines:
        text, fit = fitted(line, font, size, PAGE[0] - MARGIN - x)
        canvas.setFont(font, fit)
        canvas.drawString(x, y, text)
        y -= leading
    return y


def _rule(canvas: Canvas, y: float) -> None:
    canvas.setLineWidth(1.5)
    canvas.line(MARGIN, y, PAGE[0] - MARGIN, y)


def _page(canvas: Canvas, data: LabelData, package: LabelPackage) -> None:
    width, height = PAGE
    y = height - MARGIN - 8
    y = _text_block(canvas, MARGIN, y, ["FROM"], _BOLD, 7, 9)
    y = _text_block(canvas, MARGIN, y, data.ship_from.lines(), _REGULAR, 8, 9.5)
    _rule(canvas, y + 2)
    text, size = fitted(service_line(data), _BOLD, 16, width - 2 * MARGIN)
    canvas.setFont(_BOLD, size)
    canvas.drawString(MARGIN, y - 16, text)
    _rule(canvas, y - 24)
    y -= 38
    y = _text_block(canvas, MARGIN, y, ["SHIP TO"], _BOLD, 8, 12)
    y = _text_block(canvas, MARGIN + 8, y, data.ship_to.lines(), _BOLD, 12, 14)
    _rule(canvas, y + 4)
    code = barcode(package.tracking_number)
    bar_y = y - 8 - BAR_HEIGHT
    code.drawOn(canvas, (width - code.width) / 2, bar_y)
    canvas.setFont(_BOLD, 12)
    canvas.drawCentredString(width / 2, bar_y - 14, f"TRACKING # {package.tracking_number}")
    _rule(canvas, bar_y - 22)
    details = [f"Weight: {format_weight(package.weight_g)}",
               f"Package {package.number} of {data.package_count}",
               f"Ref: {data.reference}" if data.reference else f"Shipment {data.shipment_id}",
               f"Ship date: {data.ship_date.isoformat()}"]
    _text_block(canvas, MARGIN, bar_y - 36, details, _REGULAR, 10, 12.5)
