"""Pick paths: the order to walk a pick list through a warehouse's aisles. Pure, no database.

Typical use (the pick list, its PDF and the tablet screen)::

    layout = WarehouseLayout(aisles=20, bays_per_block=30, blocks=2, depot_aisle=0)
    route = route_bins(layout, [("C", 12), ("A", 3), ("Q", 40)])
    route.order        # indexes of the bins given, in walking order
    route.length       # metres, depot → picks → depot
    route_svg(layout, route)   # a small map for the PDF and the tablet

See docs/picking.md for the layout model, the algorithms and the benchmark.
"""

from backroom.fulfillment.picking.layout import (
    PickPoint,
    WarehouseLayout,
    bin_point,
    distance,
    layout_from_bins,
    tour_length,
)
from backroom.fulfillment.picking.router import (
    Method,
    Route,
    name_route,
    plan_route,
    route_bins,
    route_in_order,
)
from backroom.fulfillment.picking.svg import route_svg

__all__ = [
    "Method",
    "PickPoint",
    "Route",
    "WarehouseLayout",
    "bin_point",
    "distance",
    "layout_from_bins",
    "name_route",
    "plan_route",
    "route_bins",
    "route_in_order",
    "route_svg",
    "tour_length",
]
