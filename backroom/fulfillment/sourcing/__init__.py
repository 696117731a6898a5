"""Sourcing: which warehouse ships which order lines, at what estimated cost, and why.

Pure domain (no database) apart from ``service`` (reads warehouses, stock, products and rate
cards; records the decision) and ``rated`` (prices shipments with the shipping area's rate
cards). Typical use from the allocation service::

    plan = plan_order(conn, demand(uow, order_id))        # read only
    for a in plan.assignments: reserve a.qty of a.sku_id in a.warehouse_id for a.line_id
    for b in plan.backordered: record_backordered(uow, b.line_id, b.qty)
    record_decision(conn, order_id, plan)

See docs/sourcing.md for the strategies, the cost model and the benchmark.
"""

from typing import TYPE_CHECKING

from backroom.fulfillment.sourcing.costs import Allocation, CostModel, Score
from backroom.fulfillment.sourcing.model import (
    Assignment,
    Backorder,
    Candidate,
    Estimate,
    OrderLine,
    Plan,
    PlannedShipment,
    Rate,
    SourcingRequest,
    distance_km,
)
from backroom.fulfillment.sourcing.parcels import DEFAULT_PARCELS, ParcelModel
from backroom.fulfillment.sourcing.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    check_strategy,
    plan,
    register,
)

if TYPE_CHECKING:  # the database adapter is imported on use: ``from … import service``
    from backroom.fulfillment.sourcing import service as service

__all__ = [
    "DEFAULT_PARCELS", "DEFAULT_STRATEGY", "STRATEGIES", "Allocation", "Assignment",
    "Backorder", "Candidate", "CostModel", "Estimate", "OrderLine", "ParcelModel", "Plan",
    "PlannedShipment", "Rate", "Score", "SourcingRequest", "check_strategy", "distance_km",
    "plan", "register",
]
