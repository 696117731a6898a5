"""A small map of a pick route as SVG, for the printed pick list and the tablet screen.

Racks are grey blocks between the aisles (named at the top), cross aisles the white bands
between blocks; the front, with the depot (a dark square marked "start"), is at the bottom.
Picks are numbered in walking order (several picks at one spot share a circle: "3,4"), and the
walk is a line from the depot through every pick and back. The drawing scales to its container
(``viewBox``), so one string serves a web page as is and a PDF through any SVG renderer.
"""

from __future__ import annotations

from html import escape

from backroom.fulfillment.picking.layout import PickPoint, WarehouseLayout
from backroom.fulfillment.picking.router import Route
from backroom.inventory.layout import aisle_index, aisle_name

SCALE = 10.0  # pixels per metre
MARGIN = 20.0
RACK_SHARE = 0.5  # share of the space between two aisle centre lines taken by racks


def route_svg(layout: WarehouseLayout, route: Route, *, title: str = "Pick route") -> str:
    """The map of ``route`` in ``layout`` as a standalone ``<svg>`` element."""
    width = (layout.aisles - 1 + 2 * RACK_SHARE) * layout.aisle_spacing * SCALE + 2 * MARGIN
    height = layout.aisle_length * SCALE + 2 * MARGIN + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="9">',
        f"<title>{escape(title)}</title>",
        *_racks(layout),
        *_aisle_labels(layout),
        _path(layout, route),
        *_depot(layout),
        *_stops(layout, route),
        "</svg>",
    ]
    return "\n".join(parts)


def _xy(layout: WarehouseLayout, x: float, y: float) -> tuple[float, float]:
    """Metres to pixels: x from the left of the first rack, y upwards from the front."""
    left = RACK_SHARE * layout.aisle_spacing
    return (MARGIN + (x + left) * SCALE, MARGIN + (layout.aisle_length - y) * SCALE)


def rack_boxes(layout: WarehouseLayout) -> list[tuple[float, float, float, float]]:
    """Every rack as (left x, low y, width, height) in metres: one between each pair of aisles
    and one outside the first and the last, per block (for the SVG and the PDF map)."""
    rack = RACK_SHARE * layout.aisle_spacing
    boxes = []
    for block in range(layout.blocks):
        low = layout.cross_y(block) + layout.cross_aisle_width / 2
        high = layout.cross_y(block + 1) - layout.cross_aisle_width / 2
        for gap in range(layout.aisles + 1):  # racks left of aisle 0 … right of the last one
            centre = (gap - 0.5) * layout.aisle_spacing
            boxes.append((centre - rack / 2, low, rack, high - low))
    return boxes


def _racks(layout: WarehouseLayout) -> list[str]:
    shapes = []
    for left, low, width, height in rack_boxes(layout):
        x0, y0 = _xy(layout, left, low + height)
        shapes.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{width * SCALE:.1f}" '
                      f'height="{height * SCALE:.1f}" fill="#d9dde3"/>')
    return shapes


def _aisle_labels(layout: WarehouseLayout) -> list[str]:
    first = aisle_index(layout.first_aisle)
    labels = []
    for aisle in range(layout.aisles):
        x, y = _xy(layout, layout.x(aisle), layout.aisle_length)
        labels.append(f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" '
                      f'fill="#555">{escape(aisle_name(first + aisle))}</text>')
    return labels


def _path(layout: WarehouseLayout, route: Route) -> str:
    corners = " ".join("{:.1f},{:.1f}".format(*_xy(layout, x, y))
                       for x, y in route.path(layout))
    return (f'<polyline points="{corners}" fill="none" stroke="#1f6feb" stroke-width="2" '
            'stroke-linejoin="round" stroke-opacity="0.8"/>')


def _depot(layout: WarehouseLayout) -> list[str]:
    x, y = _xy(layout, layout.x(layout.depot_aisle), 0.0)
    return [f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="#222"/>',
            f'<text x="{x:.1f}" y="{y + 16:.1f}" text-anchor="middle" fill="#222">start</text>']


def _stops(layout: WarehouseLayout, route: Route) -> list[str]:
    numbers: dict[PickPoint, list[int]] = {}
    for number, stop in enumerate(route.stops, start=1):
        numbers.setdefault(PickPoint(stop.aisle, stop.y), []).append(number)
    marks = []
    for stop, at in numbers.items():
        x, y = _xy(layout, layout.x(stop.aisle), stop.y)
        label = ",".join(map(str, at)) if len(at) <= 3 else f"{at[0]}-{at[-1]}"
        radius = max(6.0, 2.0 + 2.7 * len(label))
        marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#fff" '
                     'stroke="#d1242f" stroke-width="1.5"/>')
        marks.append(f'<text x="{x:.1f}" y="{y + 3:.1f}" text-anchor="middle" '
                     f'font-weight="bold" fill="#d1242f">{escape(label)}</text>')
    return marks
