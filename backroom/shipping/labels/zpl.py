"""4×6 inch labels as ZPL II for 203 dpi thermal printers: one ``^XA … ^XZ`` per package.

Text is UTF-8 (``^CI28``) and every text field uses ``^FH`` so that ``^``, ``~`` and ``_`` in an
address are sent as hex escapes (``_5E`` …) and can never end a field or start a command.
The tracking number is a Code 128 (``^BC``, automatic subsets) with the printer's own
interpretation line.
"""

from __future__ import annotations

from backroom.core.errors import ValidationFailed
from backroom.shipping.labels import LabelData, LabelPackage, format_weight, service_line

DOTS_WIDE = 812  # 4 in × 203 dpi
DOTS_HIGH = 1218  # 6 in × 203 dpi
LEFT = 30
_ESCAPES = {"_": "_5F", "^": "_5E", "~": "_7E"}


def escape(text: str) -> str:
    """Field data safe inside ``^FH^FD … ^FS`` (control characters dropped)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text if ch.isprintable())


def _text(x: int, y: int, height: int, text: str, bold: bool = False) -> str:
    """A text field; its font is narrowed (down to half) so the line fits the label."""
    room = DOTS_WIDE - LEFT - x
    width = height if bold else int(height * 0.85)
    width = max(height // 2, min(width, int(room / (0.6 * max(len(text), 1)))))
    text = text[:int(room / (0.6 * width))]
    return f"^FO{x},{y}^A0N,{height},{width}^FH^FD{escape(text)}^FS"


def _block(x: int, y: int, height: int, lines: list[str], bold: bool = False) -> tuple[list[str],
                                                                                       int]:
    out = []
    for line in lines:
        out.append(_text(x, y, height, line, bold))
        y += height + 6
    return out, y


def _rule(y: int) -> str:
    return f"^FO{LEFT},{y}^GB{DOTS_WIDE - 2 * LEFT},3,3^FS"


def _module(value: str) -> int:
    """Bar module width in dots: 3 if the symbol fits across the label, else 2. Mode A lets
    the printer pack digit pairs (subset C), so digits count half."""
    digits = sum(ch.isdigit() for ch in value)
    symbols = len(value) - digits + (digits + 1) // 2 + 4  # + start, shifts, check, stop
    return 3 if 3 * (11 * symbols + 2) <= DOTS_WIDE - 2 * LEFT - 60 else 2


def render_package(data: LabelData, package: LabelPackage) -> str:
    value = package.tracking_number
    if not value or not value.isascii() or not value.isalnum():
        raise ValidationFailed.single("tracking_number", value,
                                      "must be letters and digits to go in a ZPL Code 128")
    cmds = ["^XA", "^CI28", f"^PW{DOTS_WIDE}", f"^LL{DOTS_HIGH}", "^LH0,0"]
    block, y = _block(LEFT, 30, 22, ["FROM", *data.ship_from.lines()])
    cmds += [*block, _rule(y + 4), _text(LEFT, y + 20, 44, service_line(data), bold=True),
             _rule(y + 76)]
    block, y = _block(LEFT, y + 96, 24, ["SHIP TO"], bold=True)
    cmds += block
    block, y = _block(LEFT + 20, y, 36, data.ship_to.lines(), bold=True)
    cmds += [*block, _rule(y + 6)]
    cmds += [f"^FO{LEFT + 40},{y + 30}^BY{_module(value)},3,200^BCN,200,Y,N,N,A^FD{value}^FS"]
    y += 290
    cmds += [_rule(y)]
    details = [f"Weight: {format_weight(package.weight_g)}",
               f"Package {package.number} of {data.package_count}",
               f"Ref: {data.reference}" if data.reference else f"Shipment {data.shipment_id}",
               f"Ship date: {data.ship_date.isoformat()}"]
    block, _ = _block(LEFT, y + 20, 28, details)
    cmds += [*block, "^PQ1", "^XZ"]
    return "\n".join(cmds) + "\n"


def render_zpl(data: LabelData) -> str:
    """Every package's label, one after the other (a printer takes them as one job)."""
    return "".join(render_package(data, p) for p in data.packages)
