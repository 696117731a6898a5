"""Readers for the standard benchmark formats: CVRPLIB (``.vrp`` + ``.sol``) and Solomon VRPTW.

Conventions (those of the reference values in ``../shared/bench-data/vrp``):

* CVRPLIB ``EUC_2D``: TSPLIB ``nint(sqrt(dx² + dy²))`` on every arc; integer costs.
  The fleet is the ``VEHICLES`` field or the "No of trucks: N" of the comment (sets A, B, P); an
  instance that names neither (set X) has an unlimited fleet, bounded here by ``2·demand/Q + 1``
  routes, which no optimal solution exceeds when distances obey the triangle inequality (two
  routes carrying at most Q together could be merged without getting longer).
* Solomon: Euclidean distance truncated to one decimal (``floor(10·d)/10``), travel time =
  distance, objective = total distance with at most the given number of vehicles. Everything is
  scaled by 10 so that the problem stays integer; ``Instance.scale`` converts back.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from backroom.core.errors import ValidationFailed
from backroom.shipping.routing.problem import DEFAULT_PROFILE, RoutingProblem, VehicleSpec

SOLOMON_SCALE = 10
_TRUCKS = re.compile(r"no of trucks\s*:\s*(\d+)", re.IGNORECASE)
_COST = re.compile(r"^\s*cost\s*:?\s*([0-9.]+)", re.IGNORECASE | re.MULTILINE)
_ROUTE = re.compile(r"^\s*route\s*#\s*\d+\s*:(.*)$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    kind: str  # "cvrp" or "vrptw"
    problem: RoutingProblem
    reference: float | None
    scale: int = 1
    reference_routes: tuple[tuple[int, ...], ...] = ()

    @property
    def customers(self) -> int:
        return self.problem.size - 1


def find_instances(folder: Path) -> list[Path]:
    """The instance files under ``folder`` (recursively), in a stable order."""
    files = [p for p in folder.rglob("*") if p.suffix.lower() in (".vrp", ".txt") and p.is_file()]
    return sorted(p for p in files if p.name.lower() != "readme.txt")


def read_instance(path: Path) -> Instance:
    if path.suffix.lower() == ".vrp":
        return read_cvrplib(path)
    return read_solomon(path)


def read_reference(path: Path) -> tuple[float | None, tuple[tuple[int, ...], ...]]:
    """(cost, routes) from the ``.sol`` file beside ``path``; routes number customers 1..n."""
    sol = path.with_suffix(".sol")
    if not sol.is_file():
        return None, ()
    text = sol.read_text(encoding="utf-8", errors="replace")
    match = _COST.search(text)
    routes = tuple(tuple(int(t) for t in m.group(1).split()) for m in _ROUTE.finditer(text))
    return (float(match.group(1)) if match else None), routes


def read_cvrplib(path: Path) -> Instance:
    """A CVRPLIB ``EUC_2D`` instance; the depot (from ``DEPOT_SECTION``) becomes node 0."""
    header, sections = _vrplib_sections(path)
    weight_type = header.get("EDGE_WEIGHT_TYPE", "").upper()
    if weight_type != "EUC_2D":
        raise _bad(path, f"EDGE_WEIGHT_TYPE {weight_type or '(missing)'} is not supported "
                         "(only EUC_2D)")
    try:
        capacity = int(float(header["CAPACITY"]))
        coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
        demand = {int(r[0]): int(float(r[1])) for r in sections["DEMAND_SECTION"]}
        depots = [int(r[0]) for r in sections.get("DEPOT_SECTION", [["1"]]) if int(r[0]) > 0]
    except (KeyError, ValueError, IndexError) as exc:
        raise _bad(path, f"missing or malformed field: {exc}") from None
    depot = depots[0] if depots else 1
    order = [depot, *sorted(n for n in coords if n != depot)]
    pts = [coords[n] for n in order]
    costs = [[_nint(a, b) for b in pts] for a in pts]
    demands = [(demand.get(n, 0),) for n in order]
    fleet = _fleet(header, sum(d[0] for d in demands), capacity, len(order) - 1)
    problem = RoutingProblem(costs=costs, durations={DEFAULT_PROFILE: costs}, demands=demands,
                             service=[0] * len(order),
                             vehicles=[VehicleSpec(capacity=(capacity,))] * fleet)
    reference, routes = read_reference(path)
    return Instance(header.get("NAME", path.stem).strip() or path.stem, "cvrp", problem,
                    reference, 1, routes)


def read_solomon(path: Path) -> Instance:
    """A Solomon VRPTW instance (vehicle count and capacity, then one row per customer)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    rows = [ln.split() for ln in lines]
    numeric = [r for r in rows if r and all(_is_number(t) for t in r)]
    try:
        fleet, capacity = int(numeric[0][0]), int(numeric[0][1])
        nodes = [r for r in numeric[1:] if len(r) == 7]
    except (IndexError, ValueError):
        raise _bad(path, "expected the vehicle number and capacity, then customer rows") from None
    if len(nodes) < 2 or int(float(nodes[0][0])) != 0:
        raise _bad(path, "expected customer rows 'id x y demand ready due service', depot first")
    pts = [(int(float(r[1])), int(float(r[2]))) for r in nodes]
    costs = [[_trunc_tenth(a, b) for b in pts] for a in pts]
    s = SOLOMON_SCALE
    windows: list[tuple[int, int] | None] = [(int(float(r[4])) * s, int(float(r[5])) * s)
                                             for r in nodes]
    depot_window = windows[0] or (0, 0)
    windows[0] = None
    vehicle = VehicleSpec(capacity=(capacity,), start=depot_window[0], end=depot_window[1])
    problem = RoutingProblem(costs=costs, durations={DEFAULT_PROFILE: costs},
                             demands=[(int(float(r[3])),) for r in nodes],
                             service=[int(float(r[6])) * s for r in nodes],
                             vehicles=[vehicle] * fleet, windows=windows)
    reference, routes = read_reference(path)
    name = next((ln.strip() for ln in lines if ln.strip()), path.stem)
    return Instance(name, "vrptw", problem, reference, s, routes)


def _fleet(header: dict[str, str], total: int, capacity: int, customers: int) -> int:
    if "VEHICLES" in header:
        return int(header["VEHICLES"])
    trucks = _TRUCKS.search(header.get("COMMENT", ""))
    if trucks:
        return int(trucks.group(1))
    return max(1, min(customers, 2 * total // max(capacity, 1) + 1))


def _vrplib_sections(path: Path) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.upper().endswith("_SECTION"):
            current = sections.setdefault(line.upper(), [])
        elif ":" in line and not _is_number(line.split(":", 1)[0].strip()):
            key, _, value = line.partition(":")
            header[key.strip().upper()] = value.strip().strip('"').strip()
            current = None
        elif current is not None and line != "-1":
            current.append(line.split())
    return header, sections


def _nint(a: tuple[float, float], b: tuple[float, float]) -> int:
    return int(math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) + 0.5)


def _trunc_tenth(a: tuple[int, int], b: tuple[int, int]) -> int:
    """floor(10·d), exactly, for integer coordinates."""
    return math.isqrt(100 * ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _bad(path: Path, message: str) -> ValidationFailed:
    return ValidationFailed.single("instance", str(path.name), message)
