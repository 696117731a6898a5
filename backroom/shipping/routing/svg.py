"""A self-contained SVG map of a plan: depot, numbered stops, one coloured polyline per route,
deliveries that were not placed, a legend and a scale bar. No map tiles (nothing is fetched):
positions are an equirectangular projection around the middle of the points, which is true to
scale over a city.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from backroom.shipping.routing.distance import haversine_m
from backroom.shipping.routing.model import Plan
from backroom.shipping.routing.sheets import hhmm, km

WIDTH, HEIGHT, MARGIN, LEGEND = 960, 720, 40, 220
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39")


class _Projection:
    def __init__(self, points: list[tuple[float, float]]) -> None:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        self.lat0 = (min(lats) + max(lats)) / 2
        self.lon0 = (min(lons) + max(lons)) / 2
        self.kx = math.cos(math.radians(self.lat0))
        span_x = max((max(lons) - min(lons)) * self.kx, 1e-6)
        span_y = max(max(lats) - min(lats), 1e-6)
        self.scale = min((WIDTH - LEGEND - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
        self.cx = MARGIN + (WIDTH - LEGEND - 2 * MARGIN) / 2
        self.cy = HEIGHT / 2

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (round(self.cx + (lon - self.lon0) * self.kx * self.scale, 1),
                round(self.cy - (lat - self.lat0) * self.scale, 1))


def render_svg(plan: Plan, title: str = "Delivery routes") -> str:
    depot = (plan.depot.lat, plan.depot.lon)
    points = [depot, *((s.delivery.lat, s.delivery.lon) for r in plan.routes for s in r.stops),
              *((u.delivery.lat, u.delivery.lon) for u in plan.unassigned)]
    proj = _Projection(points)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif">',
           f"<title>{escape(title)}</title>",
           f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f4"/>']
    for i in range(len(plan.routes)):
        out += _route(proj, plan, i)
    out += _unassigned(proj, plan)
    dx, dy = proj.xy(*depot)
    out.append(f'<g class="depot"><title>{escape(plan.depot.name)} {escape(plan.depot.address)}'
               f'</title><rect x="{dx - 9}" y="{dy - 9}" width="18" height="18" fill="#111"/>'
               f'<text x="{dx + 12}" y="{dy - 10}" font-size="13" font-weight="bold">'
               f"{escape(plan.depot.name)}</text></g>")
    out += _legend(plan) + _scale_bar(proj)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _route(proj: _Projection, plan: Plan, index: int) -> list[str]:
    route = plan.routes[index]
    colour = COLOURS[index % len(COLOURS)]
    path = [proj.xy(plan.depot.lat, plan.depot.lon),
            *(proj.xy(s.delivery.lat, s.delivery.lon) for s in route.stops),
            proj.xy(plan.depot.lat, plan.depot.lon)]
    points = " ".join(f"{x},{y}" for x, y in path)
    out = [f'<g class="route" data-vehicle={quoteattr(route.vehicle.id)}>',
           f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" '
           f'stroke-linejoin="round" opacity="0.85"/>']
    zone = route.vehicle.shift_start
    for stop in route.stops:
        x, y = proj.xy(stop.delivery.lat, stop.delivery.lon)
        tip = (f"{route.vehicle.id} #{stop.sequence} {stop.delivery.id} {stop.delivery.address} "
               f"ETA {hhmm(stop.arrival, zone)}")
        out.append(f'<g class="stop" data-delivery={quoteattr(stop.delivery.id)}>'
                   f"<title>{escape(tip)}</title>"
                   f'<circle cx="{x}" cy="{y}" r="9" fill="#fff" stroke="{colour}" '
                   f'stroke-width="2.5"/><text x="{x}" y="{y + 3.5}" font-size="10" '
                   f'text-anchor="middle">{stop.sequence}</text></g>')
    out.append("</g>")
    return out


def _unassigned(proj: _Projection, plan: Plan) -> list[str]:
    out = []
    for u in plan.unassigned:
        x, y = proj.xy(u.delivery.lat, u.delivery.lon)
        out.append(f'<g class="unassigned" data-delivery={quoteattr(u.delivery.id)}>'
                   f"<title>{escape(u.delivery.id + ' not placed: ' + u.reason)}</title>"
                   f'<path d="M{x - 6},{y - 6} L{x + 6},{y + 6} M{x - 6},{y + 6} L{x + 6},{y - 6}" '
                   f'stroke="#777" stroke-width="3"/></g>')
    return out


def _legend(plan: Plan) -> list[str]:
    x = WIDTH - LEGEND + 10
    out = [f'<g class="legend"><text x="{x}" y="{MARGIN}" font-size="14" '
           f'font-weight="bold">Routes</text>']
    y = MARGIN + 24
    for i, route in enumerate(plan.routes):
        colour = COLOURS[i % len(COLOURS)]
        label = f"{route.vehicle.id}: {len(route.stops)} stops, {km(route.distance_m)}"
        out.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 22}" y2="{y - 4}" stroke="{colour}" '
                   f'stroke-width="4"/><text x="{x + 28}" y="{y}" font-size="12">'
                   f"{escape(label)}</text>")
        y += 20
    if plan.unassigned:
        out.append(f'<text x="{x}" y="{y + 6}" font-size="12" fill="#555">× not placed: '
                   f"{len(plan.unassigned)}</text>")
    out.append("</g>")
    return out


def _scale_bar(proj: _Projection) -> list[str]:
    """A bar of a round number of kilometres, about a fifth of the map wide."""
    target_px = (WIDTH - LEGEND) / 5
    metres_per_px = haversine_m(proj.lat0, proj.lon0, proj.lat0, proj.lon0 + 1) / (
        proj.kx * proj.scale)
    raw = target_px * metres_per_px
    nice = min((s for s in (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000,
                            200_000, 500_000, 1_000_000) if s >= raw / 2), default=raw)
    px = round(nice / metres_per_px, 1)
    y = HEIGHT - 18
    return [f'<g class="scale"><line x1="{MARGIN}" y1="{y}" x2="{MARGIN + px}" y2="{y}" '
            f'stroke="#333" stroke-width="3"/><text x="{MARGIN}" y="{y - 6}" font-size="11">'
            f"{km(int(nice))}</text></g>"]
