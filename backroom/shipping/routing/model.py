"""Last-mile route planning, the pure domain: a depot, the merchant's vans, the deliveries of the
day, and the plan (routes with arrival times, and what could not be placed and why).

Weights are grams, volumes cubic centimetres, distances metres, durations seconds; every
datetime is timezone-aware. Nothing here touches a database or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

DEFAULT_ROAD_FACTOR = 1.3
DEFAULT_SPEED_KMH = 30.0
DEFAULT_SERVICE_S = 300


@dataclass(frozen=True, slots=True)
class Depot:
    lat: float
    lon: float
    name: str = "Depot"
    address: str = ""


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A van. ``None`` capacities and stop limits mean "no limit"; ``speed_kmh`` ``None`` means
    the plan's average speed."""

    id: str
    shift_start: datetime
    shift_end: datetime
    capacity_weight_g: int | None = None
    capacity_volume_cm3: int | None = None
    max_stops: int | None = None
    speed_kmh: float | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    lat: float
    lon: float
    address: str = ""
    weight_g: int = 0
    volume_cm3: int = 0
    window_start: datetime | None = None
    window_end: datetime | None = None
    service_s: int = DEFAULT_SERVICE_S


@dataclass(frozen=True, slots=True)
class Matrix:
    """Supplied road distances (and optionally durations) between the listed ids (the depot's
    id is ``"depot"``)."""

    ids: tuple[str, ...]
    distances_m: tuple[tuple[int, ...], ...]
    durations_s: tuple[tuple[int, ...], ...] | None = None


@dataclass(frozen=True, slots=True)
class Options:
    solver: str = "vroom"
    time_limit_s: float | None = None  # None: scaled to the number of deliveries
    road_factor: float = DEFAULT_ROAD_FACTOR
    speed_kmh: float = DEFAULT_SPEED_KMH
    strict: bool = False
    seed: int = 0


@dataclass(frozen=True, slots=True)
class RouteRequest:
    depot: Depot
    vehicles: tuple[Vehicle, ...]
    deliveries: tuple[Delivery, ...]
    options: Options = field(default_factory=Options)
    matrix: Matrix | None = None

    @property
    def epoch(self) -> datetime:
        """Time zero of the solver's clock: the earliest shift start."""
        return min(v.shift_start for v in self.vehicles)


class Reason(StrEnum):
    TOO_HEAVY = "too_heavy"
    TOO_LARGE = "too_large"
    NO_STOPS = "no_stops"
    WINDOW_UNREACHABLE = "window_unreachable"
    BEYOND_SHIFT = "beyond_shift"
    NO_VEHICLE_FITS = "no_vehicle_fits"
    NO_CAPACITY_LEFT = "no_capacity_left"


# Reasons that hold for the delivery on its own, whatever else is in the plan.
ALONE = frozenset({Reason.TOO_HEAVY, Reason.TOO_LARGE, Reason.NO_STOPS,
                   Reason.WINDOW_UNREACHABLE, Reason.BEYOND_SHIFT, Reason.NO_VEHICLE_FITS})


@dataclass(frozen=True, slots=True)
class Unassigned:
    delivery: Delivery
    code: Reason
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"delivery_id": self.delivery.id, "address": self.delivery.address,
                "code": str(self.code), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Stop:
    sequence: int
    delivery: Delivery
    arrival: datetime
    service_start: datetime
    departure: datetime
    wait_s: int
    distance_from_previous_m: int

    def as_dict(self) -> dict[str, Any]:
        d = self.delivery
        return {"sequence": self.sequence, "delivery_id": d.id, "address": d.address,
                "lat": d.lat, "lon": d.lon, "arrival": self.arrival.isoformat(),
                "service_start": self.service_start.isoformat(),
                "departure": self.departure.isoformat(), "wait_s": self.wait_s,
                "distance_from_previous_m": self.distance_from_previous_m,
                "window_start": _iso(d.window_start), "window_end": _iso(d.window_end),
                "weight_g": d.weight_g, "volume_cm3": d.volume_cm3, "service_s": d.service_s}


@dataclass(frozen=True, slots=True)
class Route:
    vehicle: Vehicle
    stops: tuple[Stop, ...]
    departure: datetime
    return_at: datetime
    distance_m: int

    @property
    def duration_s(self) -> int:
        return int((self.return_at - self.departure).total_seconds())

    @property
    def weight_g(self) -> int:
        return sum(s.delivery.weight_g for s in self.stops)

    @property
    def volume_cm3(self) -> int:
        return sum(s.delivery.volume_cm3 for s in self.stops)

    def as_dict(self) -> dict[str, Any]:
        return {"vehicle_id": self.vehicle.id, "vehicle_name": self.vehicle.name,
                "departure": self.departure.isoformat(), "return": self.return_at.isoformat(),
                "distance_m": self.distance_m, "duration_s": self.duration_s,
                "stops_count": len(self.stops), "weight_g": self.weight_g,
                "volume_cm3": self.volume_cm3, "stops": [s.as_dict() for s in self.stops]}


@dataclass(frozen=True, slots=True)
class Plan:
    depot: Depot
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    solver: str
    seconds: float
    feasible: bool
    violations: tuple[str, ...] = ()

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    @property
    def duration_s(self) -> int:
        return sum(r.duration_s for r in self.routes)

    @property
    def stops_count(self) -> int:
        return sum(len(r.stops) for r in self.routes)

    def as_dict(self) -> dict[str, Any]:
        return {"depot": {"name": self.depot.name, "address": self.depot.address,
                          "lat": self.depot.lat, "lon": self.depot.lon},
                "summary": {"routes": len(self.routes), "stops": self.stops_count,
                            "unassigned": len(self.unassigned), "distance_m": self.distance_m,
                            "duration_s": self.duration_s, "solver": self.solver,
                            "seconds": round(self.seconds, 2), "feasible": self.feasible},
                "routes": [r.as_dict() for r in self.routes],
                "unassigned": [u.as_dict() for u in self.unassigned],
                "violations": list(self.violations)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
