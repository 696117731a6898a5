"""Sourcing domain: which warehouse ships which order lines. Pure — no database, no HTTP.

A ``SourcingRequest`` holds the order's lines (with unit weight and size), the candidate
warehouses (priority, coordinates, units available to sell per SKU), the promised delivery date
and the cost of an extra package. A ``Rate`` prices one warehouse's shipment (its parcels) to the
order's destination; a strategy returns a ``Plan``. Money is integer minor units in the plan's
currency; weights grams; sizes millimetres.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from backroom.fulfillment.packing.model import Parcel

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class OrderLine:
    """Units of one order line to place now. Sizes of 0 mean "unknown" (see ``parcels``)."""

    line_id: int
    sku_id: int
    qty: int
    weight_g: int = 0
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    sku: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A warehouse that may ship: lower ``priority`` first (the merchant's fixed order)."""

    warehouse_id: int
    code: str
    priority: int
    available: Mapping[int, int]  # sku_id -> units available to sell (missing: none)
    latitude: float | None = None
    longitude: float | None = None

    def stock(self, sku_id: int) -> int:
        return max(0, self.available.get(sku_id, 0))


@dataclass(frozen=True, slots=True)
class SourcingRequest:
    lines: tuple[OrderLine, ...]
    candidates: tuple[Candidate, ...]
    currency: str = "USD"
    promise: date | None = None  # delivered on or before this date
    destination: tuple[float, float] | None = None  # latitude, longitude when known
    split_penalty_minor: int = 150  # cost of each package beyond the first


@dataclass(frozen=True, slots=True)
class Estimate:
    """What one warehouse's shipment would cost: the service the rate shopping picked."""

    carrier: str
    service: str
    cost_minor: int
    delivery_date: date | None
    meets_promise: bool
    parcels: int = 1


# Prices one warehouse's parcels to the order's destination; None: no service can carry them.
Rate = Callable[[int, Sequence[Parcel]], Estimate | None]


@dataclass(frozen=True, slots=True)
class Assignment:
    warehouse_id: int
    line_id: int
    sku_id: int
    qty: int


class Backorder(NamedTuple):
    """Units of an order line no warehouse can ship now (unpacks as ``line_id, qty``)."""

    line_id: int
    qty: int


@dataclass(frozen=True, slots=True)
class PlannedShipment:
    """One package (shipment) per warehouse used, with the planned carrier and service."""

    warehouse_id: int
    warehouse: str
    carrier: str
    service: str
    cost_minor: int
    delivery_date: date | None
    meets_promise: bool
    units: int
    weight_g: int
    parcels: int


@dataclass(frozen=True, slots=True)
class Plan:
    strategy: str
    currency: str
    promise: date | None
    assignments: tuple[Assignment, ...]
    backordered: tuple[Backorder, ...]
    shipments: dict[int, PlannedShipment]  # by warehouse id, in candidate order
    shipping_minor: int  # Σ estimated carrier cost of the shipments
    split_penalty_minor: int  # the penalty charged: per-package penalty × (packages − 1)
    total_minor: int  # shipping + split penalty: what the cost strategy minimises
    packages: int  # shipments, one per warehouse used
    meets_promise: bool | None  # None without a promise or without a shipment
    reason: str  # one sentence a person can read
    detail: dict[str, Any] = field(default_factory=dict)  # JSON-safe

    @property
    def backordered_units(self) -> int:
        return sum(b.qty for b in self.backordered)

    @property
    def assigned_units(self) -> int:
        return sum(a.qty for a in self.assignments)

    @property
    def warehouse_ids(self) -> tuple[int, ...]:
        return tuple(self.shipments)


def distance_km(candidate: Candidate, destination: tuple[float, float] | None) -> float | None:
    """Great-circle distance from the warehouse to the destination, when both are placed."""
    if destination is None or candidate.latitude is None or candidate.longitude is None:
        return None
    lat1, lon1 = math.radians(candidate.latitude), math.radians(candidate.longitude)
    lat2, lon2 = math.radians(destination[0]), math.radians(destination[1])
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
