"""Reading a route request (the JSON a merchant writes, or the API body) into the domain model.

Every problem is collected, with its field path (``deliveries[3].lat``), before one
``ValidationFailed`` is raised; unknown fields are reported too, so a misspelt ``weight_kg`` does
not silently become a weightless parcel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backroom.core.errors import ProblemCollector
from backroom.shipping.routing.distance import DEPOT_ID, parse_matrix
from backroom.shipping.routing.model import (
    DEFAULT_ROAD_FACTOR,
    DEFAULT_SERVICE_S,
    DEFAULT_SPEED_KMH,
    Delivery,
    Depot,
    Matrix,
    Options,
    RouteRequest,
    Vehicle,
)
from backroom.shipping.routing.solvers import SOLVERS

MAX_DELIVERIES = 1000
MAX_VEHICLES = 100
MAX_TIME_LIMIT_S = 60.0
_TOP = {"depot", "vehicles", "deliveries", "options", "matrix"}
_DEPOT = {"name", "address", "lat", "lon"}
_VEHICLE = {"id", "name", "shift_start", "shift_end", "capacity_weight_g", "capacity_volume_cm3",
            "max_stops", "speed_kmh"}
_DELIVERY = {"id", "address", "lat", "lon", "weight_g", "volume_cm3", "window_start",
             "window_end", "service_s"}
_OPTIONS = {"solver", "time_limit_s", "road_factor", "speed_kmh", "strict", "seed"}


class _Reader:
    def __init__(self) -> None:
        self.problems = ProblemCollector()

    def obj(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problems.add(where, "must be an object")
            return {}
        for key in sorted(set(value) - allowed):
            self.problems.add(f"{where}.{key}" if where else key, "is not a known field; "
                              f"expected one of {', '.join(sorted(allowed))}")
        return value

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.add(f"{where}.{key}", "is required")
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.problems.add(f"{where}.{key}", "must be a string", value)
            return ""
        return str(value).strip()

    def number(self, data: dict[str, Any], key: str, where: str, low: float, high: float,
               default: float | None = None) -> float | None:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, int | float) or isinstance(value, bool) or not (
                low <= value <= high):
            self.problems.add(f"{where}.{key}", f"must be a number from {low:g} to {high:g}", value)
            return default
        return float(value)

    def integer(self, data: dict[str, Any], key: str, where: str, low: int,
                default: int | None) -> int | None:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            self.problems.add(f"{where}.{key}", f"must be a whole number of at least {low}", value)
            return default
        return value

    def when(self, data: dict[str, Any], key: str, where: str) -> datetime | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.problems.add(f"{where}.{key}", "must be an ISO-8601 date-time with a UTC offset, "
                              "e.g. 2025-06-02T08:00:00+02:00", value)
            return None
        return parsed

    def lat_lon(self, data: dict[str, Any], where: str) -> tuple[float, float]:
        lat = self.number(data, "lat", where, -90, 90)
        lon = self.number(data, "lon", where, -180, 180)
        for key, value in (("lat", lat), ("lon", lon)):
            if value is None and key not in data:
                self.problems.add(f"{where}.{key}", "is required")
        return lat or 0.0, lon or 0.0


def parse_request(data: Any) -> RouteRequest:
    """The request in ``data``, or ``ValidationFailed`` listing every problem."""
    r = _Reader()
    top = r.obj(data, "", _TOP)
    if not top and not isinstance(data, dict):
        r.problems.raise_if_any()
    depot = _depot(r, top.get("depot"))
    vehicles = _vehicles(r, top.get("vehicles"))
    deliveries = _deliveries(r, top.get("deliveries"))
    options = _options(r, top.get("options"))
    matrix = _matrix(r, top.get("matrix"), deliveries)
    r.problems.raise_if_any()
    return RouteRequest(depot, tuple(vehicles), tuple(deliveries), options, matrix)


def _depot(r: _Reader, value: Any) -> Depot:
    if value is None:
        r.problems.add("depot", "is required")
        return Depot(0.0, 0.0)
    data = r.obj(value, "depot", _DEPOT)
    lat, lon = r.lat_lon(data, "depot")
    return Depot(lat, lon, r.text(data, "name", "depot") or "Depot", r.text(data, "address", "depot"))


def _vehicles(r: _Reader, value: Any) -> list[Vehicle]:
    if not isinstance(value, list) or not value:
        r.problems.add("vehicles", "must be a non-empty list")
        return []
    if len(value) > MAX_VEHICLES:
        r.problems.add("vehicles", f"at most {MAX_VEHICLES} per request", len(value))
    out, seen = [], set()
    for i, item in enumerate(value):
        where = f"vehicles[{i}]"
        data = r.obj(item, where, _VEHICLE)
        vid = r.text(data, "id", where, required=True)
        if vid and vid in seen:
            r.problems.add(f"{where}.id", "is used by another vehicle", vid)
        seen.add(vid)
        start, end = r.when(data, "shift_start", where), r.when(data, "shift_end", where)
        for key, moment in (("shift_start", start), ("shift_end", end)):
            if moment is None and data.get(key) is None:
                r.problems.add(f"{where}.{key}", "is required")
        if start and end and end <= start:
            r.problems.add(f"{where}.shift_end", "must be after shift_start", data.get("shift_end"))
        speed = r.number(data, "speed_kmh", where, 1, 200)
        out.append(Vehicle(
            vid, start or datetime.min, end or datetime.min,
            r.integer(data, "capacity_weight_g", where, 1, None),
            r.integer(data, "capacity_volume_cm3", where, 1, None),
            r.integer(data, "max_stops", where, 1, None), speed, r.text(data, "name", where)))
    return out


def _deliveries(r: _Reader, value: Any) -> list[Delivery]:
    if not isinstance(value, list):
        r.problems.add("deliveries", "must be a list")
        return []
    if len(value) > MAX_DELIVERIES:
        r.problems.add("deliveries", f"at most {MAX_DELIVERIES} per request", len(value))
    out, seen = [], {DEPOT_ID}
    for i, item in enumerate(value):
        where = f"deliveries[{i}]"
        data = r.obj(item, where, _DELIVERY)
        did = r.text(data, "id", where, required=True)
        if did and did in seen:
            r.problems.add(f"{where}.id", "is used by another delivery (or is 'depot')", did)
        seen.add(did)
        lat, lon = r.lat_lon(data, where)
        start, end = r.when(data, "window_start", where), r.when(data, "window_end", where)
        if start and end and end < start:
            r.problems.add(f"{where}.window_end", "must not be before window_start",
                           data.get("window_end"))
        out.append(Delivery(
            did, lat, lon, r.text(data, "address", where),
            r.integer(data, "weight_g", where, 0, 0) or 0,
            r.integer(data, "volume_cm3", where, 0, 0) or 0, start, end,
            r.integer(data, "service_s", where, 0, DEFAULT_SERVICE_S) or 0))
    return out


def _options(r: _Reader, value: Any) -> Options:
    if value is None:
        return Options()
    data = r.obj(value, "options", _OPTIONS)
    solver = r.text(data, "solver", "options") or "vroom"
    if solver not in SOLVERS:
        r.problems.add("options.solver", f"must be one of {', '.join(SOLVERS)}", solver)
    strict = data.get("strict", False)
    if not isinstance(strict, bool):
        r.problems.add("options.strict", "must be true or false", strict)
    return Options(
        solver=solver, time_limit_s=r.number(data, "time_limit_s", "options", 0.1,
                                             MAX_TIME_LIMIT_S, None),
        road_factor=r.number(data, "road_factor", "options", 1.0, 3.0,
                             DEFAULT_ROAD_FACTOR) or DEFAULT_ROAD_FACTOR,
        speed_kmh=r.number(data, "speed_kmh", "options", 1, 200,
                           DEFAULT_SPEED_KMH) or DEFAULT_SPEED_KMH,
        strict=strict is True, seed=r.integer(data, "seed", "options", 0, 0) or 0)


def _matrix(r: _Reader, value: Any, deliveries: list[Delivery]) -> Matrix | None:
    if value is None:
        return None
    matrix = parse_matrix(value, r.problems)
    if matrix is not None:
        known = set(matrix.ids)
        for name in [DEPOT_ID, *(d.id for d in deliveries)]:
            if name not in known:
                r.problems.add("matrix.ids", "has no row for this id", name)
    return matrix
