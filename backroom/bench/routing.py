"""``backroom bench routing --instances DIR``: route quality against known optima.

Reads every CVRPLIB (``.vrp`` with ``.sol`` beside it) and Solomon VRPTW (``.txt`` with ``.sol``)
file under DIR, solves each within ``TIME_LIMIT_S`` seconds, and checks every solution with the
independent checker: the cost is recomputed from the routes (never the solver's own figure) and
``feasible`` means every customer visited once, capacities, windows and the depot's hours kept.
Conventions are those of the references (see ``backroom.shipping.routing.instances``).

Targets (issue 3): average gap ≤ 1.0 % on CVRP instances of 30–80 customers, ≤ 2 % on Solomon
100-customer instances, ≤ 10 s each, every solution feasible. Missed targets are reported, not
fatal; an infeasible solution makes the command exit 1.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from backroom.core.errors import BackroomError, ValidationFailed
from backroom.shipping.routing import solvers
from backroom.shipping.routing.check import check
from backroom.shipping.routing.instances import Instance, find_instances, read_instance

TIME_LIMIT_S = 9.0
QUICK_TIME_LIMIT_S = 2.0
QUICK_INSTANCES = 4
TARGET_SECONDS = 10.0
GROUPS = (("CVRP, 30–80 customers", "cvrp", 30, 80, 1.0),
          ("Solomon VRPTW, 100 customers", "vrptw", 100, 100, 2.0))
ENV_DIR = "BACKROOM_VRP_INSTANCES"


def run(as_json: bool = False, quick: bool = False, instances: str | None = None, *,
        solver: str = "vroom", polish: bool = True,
        time_limit: float | None = None) -> list[dict[str, Any]]:
    """Solve, check, print (a table, or the JSON list with ``as_json``) and return one result
    per instance; ``typer.Exit(1)`` after printing if any solution is infeasible."""
    folder = instance_dir(instances)
    paths = find_instances(folder)
    if not paths:
        raise ValidationFailed.single("instances", str(folder), "holds no .vrp or .txt files")
    if quick:
        paths = sorted(paths, key=lambda p: p.stat().st_size)[:QUICK_INSTANCES]
    limit = time_limit or (QUICK_TIME_LIMIT_S if quick else TIME_LIMIT_S)
    solvers.warm_up(solver)
    results = [measure(path, solver=solver, polish=polish, time_limit=limit) for path in paths]
    if as_json:
        print(json.dumps(results, indent=2))
    else:
        print_results(results, Console(), solver=solver, time_limit=limit)
    if not all(r["feasible"] for r in results):
        raise typer.Exit(1)
    return results


def instance_dir(given: str | None) -> Path:
    """``--instances``, else $BACKROOM_VRP_INSTANCES, else ``../shared/bench-data/vrp`` beside
    the repository or the working directory."""
    if given:
        folder = Path(given)
        if not folder.is_dir():
            raise ValidationFailed.single("instances", given, "is not a directory")
        return folder
    repo = Path(__file__).resolve().parents[2]
    for candidate in (os.environ.get(ENV_DIR), repo.parent / "shared/bench-data/vrp",
                      Path.cwd().parent / "shared/bench-data/vrp"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise ValidationFailed.single("instances", None, "no instance directory found: pass "
                                  "--instances DIR (CVRPLIB .vrp and Solomon .txt files)")


def measure(path: Path, *, solver: str, polish: bool, time_limit: float) -> dict[str, Any]:
    began = time.perf_counter()
    try:
        instance = read_instance(path)
    except BackroomError as exc:
        return _failed(path, exc.message, time.perf_counter() - began)
    solution = solvers.solve(instance.problem, solver=solver, time_limit=time_limit,
                             polish=polish)
    verdict = check(instance.problem, solution)
    seconds = time.perf_counter() - began
    cost = verdict.cost / instance.scale
    return {"instance": instance.name, "file": path.name, "kind": instance.kind,
            "customers": instance.customers, "cost": round(cost, 2),
            "reference": instance.reference, "gap_pct": _gap(cost, instance),
            "vehicles": verdict.vehicles, "fleet": len(instance.problem.vehicles),
            "seconds": round(seconds, 2), "feasible": verdict.feasible,
            "violations": list(verdict.violations[:5]), "solver": solver, "polish": polish}


def _gap(cost: float, instance: Instance) -> float | None:
    if not instance.reference:
        return None
    return round(100 * (cost - instance.reference) / instance.reference, 2)


def _failed(path: Path, message: str, seconds: float) -> dict[str, Any]:
    return {"instance": path.stem, "file": path.name, "kind": "unreadable", "customers": 0,
            "cost": None, "reference": None, "gap_pct": None, "vehicles": 0, "fleet": 0,
            "seconds": round(seconds, 2), "feasible": False, "violations": [message]}


def summarise(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Average gap, worst time and feasibility per target group (and over everything)."""
    out = []
    for label, kind, low, high, target in GROUPS:
        group = [r for r in results if r["kind"] == kind and low <= r["customers"] <= high]
        if group:
            out.append(_summary(label, group, target))
    if results:
        out.append(_summary("all instances", results, None))
    return out


def _summary(label: str, group: Sequence[dict[str, Any]], target: float | None) -> dict[str, Any]:
    gaps = [r["gap_pct"] for r in group if r["gap_pct"] is not None]
    average = round(statistics.mean(gaps), 2) if gaps else None
    worst = max(r["seconds"] for r in group)
    feasible = all(r["feasible"] for r in group)
    met = None
    if target is not None and average is not None:
        met = average <= target and worst <= TARGET_SECONDS and feasible
    return {"group": label, "instances": len(group), "avg_gap_pct": average,
            "max_gap_pct": max(gaps) if gaps else None, "max_seconds": worst,
            "all_feasible": feasible, "target_gap_pct": target, "met": met}


def print_results(results: Sequence[dict[str, Any]], console: Console, *, solver: str,
                  time_limit: float) -> None:
    table = Table(title=f"Routing benchmark ({solver}, {time_limit:g} s per instance)")
    for col in ("instance", "kind", "n", "cost", "reference", "gap %", "vehicles", "seconds",
                "feasible"):
        table.add_column(col, justify="left" if col in ("instance", "kind") else "right",
                         no_wrap=col == "instance")
    for r in results:
        table.add_row(r["instance"], r["kind"], str(r["customers"]), _num(r["cost"]),
                      _num(r["reference"]), _num(r["gap_pct"]), str(r["vehicles"]),
                      f"{r['seconds']:.2f}", "yes" if r["feasible"] else "[bold red]NO[/]")
    console.print(table)
    summary = Table(title="Per target group")
    for col in ("group", "instances", "avg gap %", "max gap %", "max seconds", "all feasible",
                "target"):
        summary.add_column(col)
    for s in summarise(results):
        target = "" if s["target_gap_pct"] is None else (
            f"≤ {s['target_gap_pct']:g} %, ≤ {TARGET_SECONDS:g} s: "
            + ("met" if s["met"] else "[bold red]missed[/]"))
        summary.add_row(s["group"], str(s["instances"]), _num(s["avg_gap_pct"]),
                        _num(s["max_gap_pct"]), f"{s['max_seconds']:.2f}",
                        "yes" if s["all_feasible"] else "[bold red]NO[/]", target)
    console.print(summary)
    for r in results:
        for v in r["violations"]:
            console.print(f"[red]{r['instance']}[/]: {v}", highlight=False)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")
