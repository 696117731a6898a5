"""Cartonization: packing an order's items into the merchant's boxes, in 3D, at least cost.

Pure (no database, no HTTP). Fulfillment's packing station calls ``cartonize`` with the order's
units and the warehouse's box catalog, and usually ``rated_ship_cost(origin, destination)`` so
that shipping is priced by the carriers' rate cards. ``verify`` checks any packing from first
principles. ``pack_bins`` minimises the number of identical boxes (the classic benchmark
problem). See docs/packing.md.
"""

from backroom.fulfillment.packing.baselines import volume_only
from backroom.fulfillment.packing.binpack import BinResult, pack_bins
from backroom.fulfillment.packing.bounds import Bounds, bounds, lower_bound
from backroom.fulfillment.packing.cartonize import DEFAULT_EFFORT, CartonizeMemo, cartonize
from backroom.fulfillment.packing.costs import DEFAULT_RATE, DimWeightRate, rated_ship_cost
from backroom.fulfillment.packing.errors import ItemsFitNoBox, NoShippablePacking, check_input
from backroom.fulfillment.packing.model import (
    Box,
    Item,
    Packing,
    Parcel,
    Placement,
    ShipCost,
)
from backroom.fulfillment.packing.relaxation import relaxation_bound
from backroom.fulfillment.packing.verify import Violation, verify, verify_placements

__all__ = [
    "DEFAULT_EFFORT", "DEFAULT_RATE", "BinResult", "Bounds", "Box", "CartonizeMemo",
    "DimWeightRate", "Item",
    "ItemsFitNoBox", "NoShippablePacking", "Packing", "Parcel", "Placement", "ShipCost",
    "Violation", "bounds", "cartonize", "check_input", "lower_bound", "pack_bins",
    "rated_ship_cost", "relaxation_bound", "verify", "verify_placements", "volume_only",
]
