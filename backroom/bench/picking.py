"""``backroom bench picking``: pick-route length against the usual rules and the exact optimum.

Random pick lists (fixed seed): 5–60 distinct bins in warehouses of 10–20 aisles, with one,
two, three and four blocks (the aisle is 30 bays deep whatever the number of blocks, the depot
at the front of the first or the middle aisle). For each class:

- **route length** of Backroom's route (``plan_route``, method auto: exact for one and two
  blocks, the heuristic beyond) against the S-shape rule, the largest-gap rule and a list sorted
  by location name (what most systems print), each walked by shortest paths;
- **gap to the exact optimum**: for one and two blocks against an exact TSP solver (an integer
  program over the shortest walks between picks, ``tsp.py``) on every list of up to
  ``EXACT_MAX_PICKS`` picks; for three and four blocks against the exact dynamic program on
  every list (itself checked against the exact TSP on the small lists);
- **milliseconds** per list of exactly 30 picks (median and 95th percentile, after a warm-up
  that builds the state tables once, as a running server would have them). Each list is
  routed three times and the fastest run kept, so other processes on the machine do not
  count against the router.

Every route is verified: it visits every pick once, its length is recomputed from the stops,
and an exact route's walk equals the program's optimum.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from backroom.fulfillment.picking import (
    Method,
    PickPoint,
    Route,
    WarehouseLayout,
    name_route,
    plan_route,
    tour_length,
)
from backroom.fulfillment.picking.dp import solve
from backroom.fulfillment.picking.tsp import exact_tour
from backroom.inventory.layout import aisle_name, bin_code

SEED = 20260401
BLOCKS = (1, 2, 3, 4)
BAYS = 30  # bays along a whole aisle
EXACT_MAX_PICKS = 25
EXACT_SECONDS = 20.0
MS_TARGET = 5.0
HEURISTIC_GAP_TARGET_PCT = 3.0
TOLERANCE = 1e-6
REPEATS = 3  # each timed list is routed this often and the fastest run kept


@dataclass(frozen=True, slots=True)
class Case:
    layout: WarehouseLayout
    points: list[PickPoint]
    names: list[str]


@dataclass
class Tally:
    """Per class: summed lengths per method, gaps to the exact optimum, timings, checks."""

    lengths: dict[str, float] = field(default_factory=dict)
    gaps: list[float] = field(default_factory=list)
    tsp_checked: int = 0
    tsp_unproven: int = 0
    ms: list[float] = field(default_factory=list)
    lists: int = 0
    verified: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, method: str, length: float) -> None:
        self.lengths[method] = self.lengths.get(method, 0.0) + length


def make_case(rng: random.Random, blocks: int, picks: int) -> Case:
    aisles = rng.randint(10, 20)
    per_block = -(-BAYS // blocks)
    layout = WarehouseLayout(aisles=aisles, bays_per_block=per_block, blocks=blocks,
                             aisle_spacing=3.0, bay_depth=1.0, cross_aisle_width=2.0,
                             depot_aisle=rng.choice([0, aisles // 2]))
    bins = rng.sample([(a, b, lv) for a in range(aisles) for b in range(1, per_block * blocks + 1)
                       for lv in range(1, 5)], picks)
    return Case(layout, [PickPoint(a, layout.bay_y(b)) for a, b, _ in bins],
                [bin_code("WH1", aisle_name(a + 1), b, lv) for a, b, lv in bins])


def _verify(case: Case, route: Route, tally: Tally) -> None:
    walked = tour_length(case.layout, route.stops)
    ok = (sorted(route.order) == list(range(len(case.points)))
          and list(route.stops) == [case.points[i] for i in route.order]
          and abs(walked - route.length) <= TOLERANCE)
    if ok and route.optimal:
        ok = abs(solve(case.layout, case.points).length - route.length) <= TOLERANCE
    tally.verified += ok
    if not ok:
        tally.failures.append(f"{len(case.points)} picks: route failed verification")


def _exact_gap(case: Case, ours: Route, tally: Tally) -> None:
    """Gap of our route to the exact optimum; and the exact TSP check on small lists."""
    exact = ours.length if ours.optimal else plan_route(case.layout, case.points,
                                                         Method.OPTIMAL).length
    if len(case.points) <= EXACT_MAX_PICKS:
        tsp = exact_tour(case.layout, case.points, EXACT_SECONDS)
        if not tsp.proven:
            tally.tsp_unproven += 1
        else:
            tally.tsp_checked += 1
            if abs(tsp.length - exact) > TOLERANCE:
                tally.failures.append(f"{len(case.points)} picks: exact program "
                                      f"{exact:.3f} m ≠ exact TSP {tsp.length:.3f} m")
            if case.layout.blocks <= 2:
                tally.gaps.append(ours.length / tsp.length - 1)
    if case.layout.blocks > 2:
        tally.gaps.append(ours.length / exact - 1)


def measure_lengths(blocks: int, lists: int, rng: random.Random, tally: Tally) -> None:
    for _ in range(lists):
        case = make_case(rng, blocks, rng.randint(5, 60))
        ours = plan_route(case.layout, case.points)
        _verify(case, ours, tally)
        tally.lists += 1
        tally.add("ours", ours.length)
        tally.add("s_shape", plan_route(case.layout, case.points, Method.S_SHAPE).length)
        tally.add("largest_gap",
                  plan_route(case.layout, case.points, Method.LARGEST_GAP).length)
        tally.add("name_sort", name_route(case.layout, case.points, case.names).length)
        _exact_gap(case, ours, tally)


def measure_speed(blocks: int, lists: int, rng: random.Random, tally: Tally) -> None:
    cases = [make_case(rng, blocks, 30) for _ in range(lists)]
    for case in cases[:5]:  # warm-up: the state tables are built once per process
        plan_route(case.layout, case.points)
    for case in cases:
        runs = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            plan_route(case.layout, case.points)
            runs.append(time.perf_counter() - began)
        tally.ms.append(min(runs) * 1000)


def _class_figures(blocks: int, tally: Tally) -> dict[str, Any]:
    key = f"picking_b{blocks}"
    lengths = {name: total / max(tally.lists, 1) for name, total in tally.lengths.items()}
    ms = sorted(tally.ms)
    gaps = [100 * g for g in tally.gaps] or [0.0]
    return {
        f"{key}_lists": tally.lists,
        f"{key}_mean_length_m": round(lengths["ours"], 2),
        **{f"{key}_{name}_mean_length_m": round(lengths[name], 2)
           for name in ("s_shape", "largest_gap", "name_sort")},
        **{f"{key}_vs_{name}_ratio": round(lengths["ours"] / lengths[name], 4)
           for name in ("s_shape", "largest_gap", "name_sort")},
        f"{key}_mean_gap_pct": round(statistics.mean(gaps), 3),
        f"{key}_max_gap_pct": round(max(gaps), 3),
        f"{key}_gap_lists": len(tally.gaps),
        f"{key}_tsp_checked": tally.tsp_checked,
        f"{key}_tsp_unproven": tally.tsp_unproven,
        f"{key}_median_ms": round(statistics.median(ms), 3),
        f"{key}_p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 3),
        f"{key}_method": "optimal" if blocks <= 2 else "heuristic",
    }


def _targets(data: dict[str, Any]) -> dict[str, bool]:
    targets = {}
    for blocks in BLOCKS:
        key = f"picking_b{blocks}"
        if blocks <= 2:
            targets[f"{key}_max_gap_pct"] = (data[f"{key}_max_gap_pct"] <= 1e-6
                                             and data[f"{key}_tsp_checked"] > 0)
        else:
            targets[f"{key}_max_gap_pct"] = (data[f"{key}_max_gap_pct"]
                                             <= HEURISTIC_GAP_TARGET_PCT)
        targets[f"{key}_median_ms"] = data[f"{key}_median_ms"] < MS_TARGET
    targets["picking_routes_verified"] = data["picking_routes_failed"] == 0
    return targets


def run(as_json: bool = False, quick: bool = False) -> dict[str, Any]:
    """Measure, print (a table, or JSON with ``as_json``) and return the figures."""
    began = time.perf_counter()
    rng = random.Random(SEED)
    lists, timed = (10, 30) if quick else (120, 200)
    data: dict[str, Any] = {}
    failures: list[str] = []
    verified = 0
    for blocks in BLOCKS:
        tally = Tally()
        measure_lengths(blocks, lists, rng, tally)
        measure_speed(blocks, timed, rng, tally)
        data.update(_class_figures(blocks, tally))
        verified += tally.verified
        failures += [f"{blocks} block(s), {text}" for text in tally.failures]
    data["picking_routes_verified"] = verified
    data["picking_routes_failed"] = len(failures)
    data["failures"] = failures[:20]
    data["targets"] = targets = _targets(data)
    data["targets_met"] = all(targets.values())
    data["meta"] = {"suite": "picking", "quick": quick, "seed": SEED, "cpus": os.cpu_count(),
                    "python": platform.python_version(), "lists_per_class": lists,
                    "timed_lists_per_class": timed, "exact_max_picks": EXACT_MAX_PICKS,
                    "seconds": round(time.perf_counter() - began, 1)}
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        _print(data)
    return data


def _print(data: dict[str, Any]) -> None:
    table = Table(title="backroom bench picking (lengths: mean metres per list)",
                  title_justify="left")
    for name in ("blocks", "figure", "Backroom", "baseline", "comparison", "target", "result"):
        table.add_column(name, justify="right" if name in ("Backroom", "baseline") else "left")
    for blocks in BLOCKS:
        rows = _class_rows(data, blocks)
        for index, row in enumerate(rows):
            table.add_row(*row, end_section=index == len(rows) - 1)
    console = Console()
    console.print(table)
    meta = data["meta"]
    console.print(f"[dim]- {meta['lists_per_class']} lists per class (5-60 picks, 10-20 "
                  f"aisles), {meta['timed_lists_per_class']} timed lists of 30 picks; exact "
                  f"TSP on lists of up to {meta['exact_max_picks']} picks; ratio = Backroom ÷ "
                  f"baseline (below 1 is shorter); routes verified: "
                  f"{data['picking_routes_verified']}, failed: {data['picking_routes_failed']}; "
                  f"{meta['seconds']} s[/]", highlight=False)
    for failure in data["failures"]:
        console.print(f"[bold red]{failure}[/]", highlight=False)


def _class_rows(data: dict[str, Any], blocks: int) -> list[tuple[str, ...]]:
    key = f"picking_b{blocks}"
    ours = data[f"{key}_mean_length_m"]
    verdict = {True: "[green]pass[/]", False: "[bold red]MISS[/]"}
    rows: list[tuple[str, ...]] = []
    for name, label in (("s_shape", "vs S-shape"), ("largest_gap", "vs largest gap"),
                        ("name_sort", "vs name sort")):
        ratio = data[f"{key}_vs_{name}_ratio"]
        rows.append(("", label, f"{ours:.1f}", f"{data[f'{key}_{name}_mean_length_m']:.1f}",
                     f"{ratio:.3f}×", "", ""))
    exact = "TSP" if blocks <= 2 else "DP"
    rows.append(("", f"gap to exact {exact} ({data[f'{key}_gap_lists']})",
                 f"{data[f'{key}_max_gap_pct']:.2f}% max", "",
                 f"{data[f'{key}_mean_gap_pct']:.2f}% mean",
                 "0.0%" if blocks <= 2 else f"≤ {HEURISTIC_GAP_TARGET_PCT:g}%",
                 verdict[data["targets"][f"{key}_max_gap_pct"]]))
    rows.append(("", "ms per 30 picks", f"{data[f'{key}_median_ms']:.2f} med", "",
                 f"{data[f'{key}_p95_ms']:.2f} p95", f"< {MS_TARGET:g}",
                 verdict[data["targets"][f"{key}_median_ms"]]))
    method = "exact" if blocks <= 2 else "heur."
    rows[0] = (f"{blocks} {method}", *rows[0][1:])
    return rows
