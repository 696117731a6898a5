"""Checking a plan from first principles: every unit of every line assigned or backordered
(never both, never more), no warehouse asked for more than it has available to sell, one
shipment per warehouse used, and the totals adding up."""

from __future__ import annotations

from collections import defaultdict

from backroom.fulfillment.sourcing.model import Plan, SourcingRequest


def verify_plan(request: SourcingRequest, plan: Plan) -> list[str]:
    """What is wrong with ``plan`` for ``request`` (empty when nothing is)."""
    problems = _units(request, plan) + _stock(request, plan)
    used = {a.warehouse_id for a in plan.assignments}
    if used != set(plan.shipments):
        problems.append(f"warehouses assigned {sorted(used)} but shipments from "
                        f"{sorted(plan.shipments)}")
    if plan.packages != len(plan.shipments):
        problems.append(f"{plan.packages} packages for {len(plan.shipments)} shipments")
    shipping = sum(s.cost_minor for s in plan.shipments.values())
    if shipping != plan.shipping_minor:
        problems.append(f"shipping {plan.shipping_minor} is not the sum {shipping}")
    penalty = request.split_penalty_minor * max(0, plan.packages - 1)
    if plan.split_penalty_minor != penalty or plan.total_minor != shipping + penalty:
        problems.append(f"total {plan.total_minor} is not shipping {shipping} + penalty "
                        f"{penalty}")
    return problems


def _units(request: SourcingRequest, plan: Plan) -> list[str]:
    placed: dict[int, int] = defaultdict(int)
    for a in plan.assignments:
        if a.qty <= 0:
            placed[a.line_id] += 10**9  # reported below as too many
        placed[a.line_id] += a.qty
    for b in plan.backordered:
        placed[b.line_id] += b.qty
    problems = []
    for line in request.lines:
        if placed.pop(line.line_id, 0) != line.qty:
            problems.append(f"line {line.line_id}: assigned + backordered is not {line.qty}")
    problems += [f"line {line_id} is not in the order" for line_id in placed]
    return problems


def _stock(request: SourcingRequest, plan: Plan) -> list[str]:
    taken: dict[tuple[int, int], int] = defaultdict(int)
    skus = {line.line_id: line.sku_id for line in request.lines}
    for a in plan.assignments:
        if skus.get(a.line_id) != a.sku_id:
            return [f"line {a.line_id} assigned SKU {a.sku_id}"]
        taken[(a.warehouse_id, a.sku_id)] += a.qty
    by_id = {c.warehouse_id: c for c in request.candidates}
    problems = []
    for (warehouse_id, sku_id), qty in sorted(taken.items()):
        c = by_id.get(warehouse_id)
        held = c.stock(sku_id) if c is not None else 0
        if qty > held:
            problems.append(f"warehouse {warehouse_id} ships {qty} of SKU {sku_id} but has "
                            f"{held} available")
    return problems
