"""Route sheets (PDF, read back with pypdf) and the map (SVG, parsed as XML)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

from backroom.shipping.routing.model import Plan
from backroom.shipping.routing.parse import parse_request
from backroom.shipping.routing.pdf import render_pdf
from backroom.shipping.routing.planner import plan_routes
from backroom.shipping.routing.svg import render_svg
from tests.shipping.routing_helpers import request

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def plan() -> Plan:
    data = request()
    data["deliveries"].append({"id": "PIANO", "address": "Kastanienallee 9", "lat": 52.54,
                               "lon": 13.41, "weight_g": 900_000})
    data["deliveries"] += [{"id": f"E{i}", "address": f"Invalidenstraße {i}",
                            "lat": 52.53 + i / 500, "lon": 13.37 + i / 300, "weight_g": 250_000}
                           for i in range(3)]
    result = plan_routes(parse_request(data))
    assert len(result.routes) == 2 and result.unassigned
    return result


def test_writes_one_page_per_route_and_one_for_the_rest_when_rendering_pdf(plan: Plan) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(plan)))
    assert len(reader.pages) == len(plan.routes) + 1
    for page, route in zip(reader.pages, plan.routes, strict=False):
        text = page.extract_text()
        assert f"Route {route.vehicle.id}" in text
        assert "Lehrter Straße 57" in text  # the depot's address
        for stop in route.stops:
            assert stop.delivery.id in text and stop.delivery.address in text
            assert stop.arrival.strftime("%H:%M") in text
        assert f"Totals: {len(route.stops)} stops" in text
    last = reader.pages[-1].extract_text()
    assert "Not placed" in last and "PIANO" in last
    assert "weighs 900 kg, more than any vehicle carries (max 700 kg)" in last


def test_shows_the_window_and_size_of_a_stop_when_rendering_pdf(plan: Plan) -> None:
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(plan))).pages)
    assert "10:00–11:00" in text  # delivery B's window
    assert "12 kg" in text and "20 l" in text


def test_draws_one_polyline_per_route_and_every_stop_when_rendering_svg(plan: Plan) -> None:
    root = ET.fromstring(render_svg(plan))
    assert root.tag == f"{SVG}svg"
    routes = root.findall(f"{SVG}g[@class='route']")
    assert [g.get("data-vehicle") for g in routes] == [r.vehicle.id for r in plan.routes]
    for group, route in zip(routes, plan.routes, strict=True):
        (line,) = group.findall(f"{SVG}polyline")
        assert len(line.get("points", "").split()) == len(route.stops) + 2  # depot at both ends
        stops = group.findall(f"{SVG}g[@class='stop']")
        assert [s.get("data-delivery") for s in stops] == [s.delivery.id for s in route.stops]
        assert [s.find(f"{SVG}text").text for s in stops] == [  # type: ignore[union-attr]
            str(i) for i in range(1, len(route.stops) + 1)]
    colours = {g.find(f"{SVG}polyline").get("stroke") for g in routes}  # type: ignore[union-attr]
    assert len(colours) == len(routes)
    missing = root.findall(f"{SVG}g[@class='unassigned']")
    assert {g.get("data-delivery") for g in missing} == {u.delivery.id for u in plan.unassigned}
    assert root.find(f"{SVG}g[@class='depot']") is not None


def test_keeps_points_inside_the_picture_when_rendering_svg(plan: Plan) -> None:
    root = ET.fromstring(render_svg(plan))
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    for circle in root.iter(f"{SVG}circle"):
        assert 0 < float(circle.get("cx", -1)) < width and 0 < float(circle.get("cy", -1)) < height
