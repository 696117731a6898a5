"""Distances and travel times between the depot and the deliveries.

Without a supplied matrix: great-circle distance (haversine, mean Earth radius) times a road
factor (streets are not straight; 1.3 is a common urban average), and travel time = that
distance at an average speed. With a supplied matrix (JSON or CSV): its road distances, and its
durations if given, else the distances at the average speed.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from backroom.core.errors import ProblemCollector
from backroom.shipping.routing.model import Matrix

EARTH_RADIUS_M = 6_371_008.8
DEPOT_ID = "depot"


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def road_matrix(points: Sequence[tuple[float, float]], road_factor: float) -> list[list[int]]:
    """Whole metres between every pair of (lat, lon) points."""
    return [[0 if i == j else round(haversine_m(*a, *b) * road_factor)
             for j, b in enumerate(points)] for i, a in enumerate(points)]


def travel_seconds(distances: Sequence[Sequence[int]], speed_kmh: float) -> list[list[int]]:
    per_metre = 3.6 / speed_kmh
    return [[round(d * per_metre) for d in row] for row in distances]


def select(matrix: Matrix, ids: Sequence[str],
           problems: ProblemCollector) -> tuple[list[list[int]], list[list[int]] | None]:
    """The supplied matrix reordered to ``ids`` (depot first); missing ids become problems."""
    index = {name: i for i, name in enumerate(matrix.ids)}
    missing = [name for name in ids if name not in index]
    for name in missing:
        problems.add("matrix.ids", "has no row for this id", name)
    if missing:
        return [], None
    order = [index[name] for name in ids]
    dist = [[matrix.distances_m[i][j] for j in order] for i in order]
    durs = None
    if matrix.durations_s is not None:
        durs = [[matrix.durations_s[i][j] for j in order] for i in order]
    return dist, durs


def parse_matrix(data: Any, problems: ProblemCollector) -> Matrix | None:
    """A matrix from ``{"ids": [...], "distances_m": [[...]], "durations_s": [[...]]}``."""
    if not isinstance(data, dict):
        problems.add("matrix", "must be an object with ids, distances_m and optional durations_s")
        return None
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        problems.add("matrix.ids", "must be a non-empty list of ids (the depot is 'depot')")
        return None
    dist = _square(data.get("distances_m"), len(ids), "matrix.distances_m", problems)
    durs = None
    if data.get("durations_s") is not None:
        durs = _square(data.get("durations_s"), len(ids), "matrix.durations_s", problems)
    if dist is None:
        return None
    return Matrix(tuple(ids), dist, durs)


def load_matrix_text(text: str, name: str, problems: ProblemCollector) -> Matrix | None:
    """A matrix file: JSON as in ``parse_matrix``, or CSV rows ``from,to,distance_m[,duration_s]``."""
    if name.lower().endswith(".json") or text.lstrip().startswith("{"):
        try:
            return parse_matrix(json.loads(text), problems)
        except json.JSONDecodeError as exc:
            problems.add("matrix", f"is not valid JSON: {exc.msg}", line=exc.lineno)
            return None
    return _matrix_csv(text, problems)


def _matrix_csv(text: str, problems: ProblemCollector) -> Matrix | None:
    rows = list(csv.DictReader(io.StringIO(text)))
    pairs: dict[tuple[str, str], tuple[int, int | None]] = {}
    ids: dict[str, None] = {}
    for line, row in enumerate(rows, start=2):
        try:
            a, b = row["from"].strip(), row["to"].strip()
            dist = int(float(row["distance_m"]))
            dur = int(float(row["duration_s"])) if (row.get("duration_s") or "").strip() else None
        except (KeyError, ValueError, AttributeError, TypeError):
            problems.add("matrix", "expected columns from,to,distance_m[,duration_s] with "
                         "numbers", line=line)
            continue
        if dist < 0 or (dur is not None and dur < 0):
            problems.add("matrix", "distances and durations must not be negative", line=line)
        pairs[(a, b)] = (dist, dur)
        ids.update({a: None, b: None})
    names = list(ids)
    has_durations = bool(pairs) and all(v[1] is not None for v in pairs.values())
    dist_rows, dur_rows = [], []
    for a in names:
        for b in names:
            if a != b and (a, b) not in pairs:
                problems.add("matrix", "has no row for this pair", f"{a} -> {b}")
        dist_rows.append(tuple(pairs.get((a, b), (0, 0))[0] for b in names))
        dur_rows.append(tuple(pairs.get((a, b), (0, 0))[1] or 0 for b in names))
    if problems or not names:
        return None
    return Matrix(tuple(names), tuple(dist_rows), tuple(dur_rows) if has_durations else None)


def _square(value: Any, size: int, where: str,
            problems: ProblemCollector) -> tuple[tuple[int, ...], ...] | None:
    ok = isinstance(value, list) and len(value) == size and all(
        isinstance(r, list) and len(r) == size and all(
            isinstance(x, int | float) and not isinstance(x, bool) and x >= 0 for x in r)
        for r in value)
    if not ok:
        problems.add(where, f"must be a {size}×{size} list of non-negative numbers, "
                            "one row per id in order")
        return None
    return tuple(tuple(round(x) for x in row) for row in value)
