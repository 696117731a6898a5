"""HTTP routes for last-mile route planning.

``POST /routes/plans`` takes the same JSON as ``backroom routes plan FILE`` and answers the plan
(``?format=json``, the default), the route sheets (``pdf``) or the map (``svg``). Planning is a
pure computation that stores nothing, so a retried request has no effect to repeat: there is no
Idempotency-Key handling (and no write transaction) on purpose. Deliveries that cannot be placed
are listed under ``unassigned`` with a reason code and message (200); with ``strict`` (query or
``options.strict``) a delivery that no vehicle could serve even alone makes the whole request a
422 problem listing each such delivery.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse, Response

from backroom.api.auth import Principal
from backroom.api.deps import require, to_jsonable

router = APIRouter(tags=["routes"])

Format = Literal["json", "pdf", "svg"]


def _sample() -> dict[str, Any]:
    text = (resources.files("backroom.shipping.routing.samples").joinpath("berlin.json")
            .read_text(encoding="utf-8"))
    data: dict[str, Any] = json.loads(text)
    return data


@router.post("/routes/plans", summary="Plan delivery routes",
             responses={200: {"content": {"application/pdf": {}, "image/svg+xml": {}}}})
def create_plan(
    body: dict[str, Any] = Body(..., description="depot, vehicles, deliveries, optional "
                                "options and matrix (see docs/routing.md)",
                                openapi_examples={"berlin": {"summary": "3 vans, 30 deliveries",
                                                             "value": _sample()}}),
    format: Format = Query("json", description="json (the plan), pdf (route sheets) or svg "
                           "(map)"),
    strict: bool | None = Query(None, description="422 if a delivery fits no vehicle "
                                "(overrides options.strict)"),
    principal: Principal = Depends(require("routes:write")),
) -> Response:
    """Plan routes that minimise driving distance within capacities, stop limits, shifts and
    time windows; say which deliveries could not be placed and why."""
    from backroom.shipping.routing.parse import parse_request
    from backroom.shipping.routing.planner import plan_routes

    options = body.get("options", {})
    if strict is not None and isinstance(options, dict):  # else the parser reports "options"
        body = {**body, "options": {**options, "strict": strict}}
    plan = plan_routes(parse_request(body))
    if format == "pdf":
        from backroom.shipping.routing.pdf import render_pdf

        return Response(render_pdf(plan), media_type="application/pdf",
                        headers={"Content-Disposition": 'inline; filename="routes.pdf"'})
    if format == "svg":
        from backroom.shipping.routing.svg import render_svg

        return Response(render_svg(plan), media_type="image/svg+xml")
    return JSONResponse(to_jsonable(plan.as_dict()))


@router.get("/routes/sample", summary="A sample route request")
def sample_request(principal: Principal = Depends(require("routes:read"))) -> dict[str, Any]:
    """The sample request of ``backroom routes sample``: a starting point for your own."""
    return _sample()
