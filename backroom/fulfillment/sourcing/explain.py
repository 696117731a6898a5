"""Turning a chosen allocation into a ``Plan``: assignments, shipments, one readable reason and
a JSON-safe detail with the alternatives considered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backroom.core.money import from_minor
from backroom.fulfillment.sourcing.costs import Allocation, CostModel, Score
from backroom.fulfillment.sourcing.model import (
    Assignment,
    Backorder,
    Plan,
    PlannedShipment,
)
from backroom.fulfillment.sourcing.optimal import ship_targets


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str  # "cost", "priority", "closest", "NYC alone"
    allocation: Allocation
    score: Score


def build_plan(model: CostModel, strategy: str, chosen: Outcome,
               alternatives: Sequence[Outcome], search: dict[str, Any] | None = None) -> Plan:
    request = model.request
    shipments = _shipments(model, chosen.allocation)
    assignments = _assignments(model, chosen.allocation, shipments)
    backorders = _backorders(model, chosen.allocation)
    score = chosen.score
    meets = None if request.promise is None or not shipments else score.late_units == 0
    detail = {
        "strategy": strategy, "currency": request.currency,
        "promise": request.promise.isoformat() if request.promise else None,
        "split_penalty_per_package_minor": model.penalty,
        **_summary(model, chosen), "shipments": [_shipment_dict(s) for s in shipments],
        "assignments": [{"warehouse_id": a.warehouse_id, "line_id": a.line_id,
                         "sku_id": a.sku_id, "qty": a.qty} for a in assignments],
        "backordered": [{"line_id": b.line_id, "qty": b.qty} for b in backorders],
        "alternatives": [_summary(model, o) for o in alternatives if o is not chosen],
        "search": {"rate_calls": model.rate_calls, **(search or {})}}
    return Plan(strategy, request.currency, request.promise, assignments, backorders,
                {s.warehouse_id: s for s in shipments}, score.shipping_minor,
                score.penalty_minor, score.total_minor, score.packages, meets,
                reason(model, chosen, alternatives), detail)


def _shipments(model: CostModel, allocation: Allocation) -> tuple[PlannedShipment, ...]:
    out = []
    for w, content in enumerate(allocation):
        units = sum(content)
        found = model.estimate(w, content) if units else None
        if found is None:
            continue
        c = model.request.candidates[w]
        weight = sum(q * u.weight_g for q, u in zip(content, model.units, strict=True))
        out.append(PlannedShipment(c.warehouse_id, c.code, found.carrier, found.service,
                                   found.cost_minor, found.delivery_date, found.meets_promise,
                                   units, weight, found.parcels))
    return tuple(out)


def _assignments(model: CostModel, allocation: Allocation,
                 shipments: Sequence[PlannedShipment]) -> tuple[Assignment, ...]:
    by_id = {c.warehouse_id: w for w, c in enumerate(model.request.candidates)}
    out = []
    for s in shipments:
        for line, qty in zip(model.request.lines, allocation[by_id[s.warehouse_id]], strict=True):
            if qty:
                out.append(Assignment(s.warehouse_id, line.line_id, line.sku_id, qty))
    return tuple(out)


def _backorders(model: CostModel, allocation: Allocation) -> tuple[Backorder, ...]:
    return tuple(Backorder(line.line_id, qty)
                 for line, qty in zip(model.request.lines, model.backordered(allocation),
                                      strict=True) if qty > 0)


def _codes(model: CostModel, allocation: Allocation) -> list[str]:
    return [c.code for c, content in zip(model.request.candidates, allocation, strict=True)
            if any(content)]


def _summary(model: CostModel, o: Outcome) -> dict[str, Any]:
    s = o.score
    return {"name": o.name, "warehouses": _codes(model, o.allocation),
            "shipping_minor": s.shipping_minor, "split_penalty_minor": s.penalty_minor,
            "total_minor": s.total_minor, "packages": s.packages,
            "backordered_units": s.backordered, "late_units": s.late_units}


def _shipment_dict(s: PlannedShipment) -> dict[str, Any]:
    return {"warehouse_id": s.warehouse_id, "warehouse": s.warehouse, "carrier": s.carrier,
            "service": s.service, "cost_minor": s.cost_minor,
            "delivery_date": s.delivery_date.isoformat() if s.delivery_date else None,
            "meets_promise": s.meets_promise, "units": s.units, "weight_g": s.weight_g,
            "parcels": s.parcels}


def money(minor: int, currency: str) -> str:
    amount = from_minor(minor, currency)
    return f"${amount:,}" if currency == "USD" else f"{amount:,} {currency}"


# -- the reason ------------------------------------------------------------------------------
_HOW = {"priority": " in priority order", "closest": " nearest first"}
_NAMES = {"priority": "the priority order", "closest": "nearest first"}


def reason(model: CostModel, chosen: Outcome, alternatives: Sequence[Outcome]) -> str:
    """One sentence: where the lines go, what it costs, against the best other option, and
    what could not be helped (backorders, a missed promise)."""
    s = chosen.score
    if s.packages == 0:
        return _nothing_ships(model, s)
    codes = _codes(model, chosen.allocation)
    if len(codes) > 1:
        head = "Split " + "+".join(codes)
    else:
        head = ("All from " if s.backordered == 0 else "From ") + codes[0]
        head += _service(model, chosen.allocation)
    head += _HOW.get(chosen.name, "")
    text = f"{head}: {money(s.total_minor, model.request.currency)}"
    text += _versus(model, chosen, alternatives)
    return text + _backorder_note(model, chosen) + _late_note(model, chosen)


def _service(model: CostModel, allocation: Allocation) -> str:
    for w, content in enumerate(allocation):
        found = model.estimate(w, content) if any(content) else None
        if found is not None:
            return f" by {found.carrier} {found.service}"
    return ""


def _nothing_ships(model: CostModel, s: Score) -> str:
    if not s.backordered:
        return "Nothing to place: the order has no open units"
    held = any(c.stock(line.sku_id) for line in model.request.lines
               for c in model.request.candidates)
    why = ("no carrier service can carry them from the warehouses holding stock" if held
           else "no warehouse has stock available to sell")
    return f"Backordered all {s.backordered} units: {why}"


def _versus(model: CostModel, chosen: Outcome, alternatives: Sequence[Outcome]) -> str:
    """Against the best single warehouse when splitting, else the best other option."""
    others = [o for o in alternatives if o.allocation != chosen.allocation]
    if len(_codes(model, chosen.allocation)) > 1:
        others = [o for o in others if o.name.endswith(" alone")] or others
    if not others:
        return ""
    alt = min(others, key=lambda o: o.score.key)
    where = _codes(model, alt.allocation)
    if alt.name.endswith(" alone"):
        name = f"{where[0]} alone" if where else alt.name
    else:
        name = f"{_NAMES.get(alt.name, alt.name)} ({'+'.join(where)})"
    text = f" vs {money(alt.score.total_minor, model.request.currency)} from {name}"
    return text + _why_not(model, chosen, alt)


def _why_not(model: CostModel, chosen: Outcome, alt: Outcome) -> str:
    if alt.score.backordered > chosen.score.backordered:
        short = sum(1 for q in model.backordered(alt.allocation) if q > 0)
        return f" ({short} of {len(model.request.lines)} lines out of stock there)"
    if alt.score.late_units > chosen.score.late_units:
        return f" (which cannot deliver by {model.request.promise})"
    return ""


def _backorder_note(model: CostModel, chosen: Outcome) -> str:
    units = chosen.score.backordered
    if not units:
        return ""
    unstocked = sum(line.qty for line in model.request.lines) - sum(ship_targets(model))
    why = ("no stock to sell anywhere" if units <= unstocked
           else "no carrier service can carry all of them")
    return f"; {units} unit{'s' if units != 1 else ''} backordered ({why})"


def _late_note(model: CostModel, chosen: Outcome) -> str:
    if not chosen.score.late_units or model.request.promise is None:
        return ""
    dates = [found.delivery_date for w, content in enumerate(chosen.allocation) if any(content)
             for found in [model.estimate(w, content)]
             if found is not None and not found.meets_promise and found.delivery_date]
    when = f" (arrives {max(dates)})" if dates else ""
    return f"; no warehouse holding the stock can deliver by {model.request.promise}{when}"
