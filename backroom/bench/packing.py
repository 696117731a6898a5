"""``backroom bench packing``: cartonization against a volume-only shop and py3dbp.

1. **Benchmark instances** of Martello, Pisinger & Vigo (classes 1–8, n = 50, read from
   ``../shared/bench-data/packing/mpv``; fixed orientation, as the problem is defined): bins
   used by ``pack_bins`` (``MPV_SECONDS`` of CPU per instance) against py3dbp (first fit, its
   ``bigger_first=True`` mode, rotation switched off) and lower bounds: L0 (volume), L1, the
   incompatible-items clique and, in the full run, ``relaxation_bound`` (CP-SAT proves that no
   assignment to fewer boxes passes the volume, area and stacking conditions). No packer can
   use fewer bins than that bound, so ``mpv_bins_bound_ratio_vs_py3dbp`` is the best ratio any
   packer could reach. py3dbp's default mode (smallest items first) is shown too.
2. **Generated e-commerce orders** (fixed seed, 1–20 units from ``samples.PRODUCTS``, the 8
   boxes and mailers of ``samples.BOXES``), all priced with the same ``DEFAULT_RATE``:
   ``cartonize`` against the volume-only rule (``baselines.volume_only``) and py3dbp used as
   shops use it (box types from the smallest by volume, the first it packs everything into;
   if none, fill the largest box and start over with the rest). "This side up" items are
   given to py3dbp as upright-only.
3. **Milliseconds per order** of exactly 20 units: each order is cartonized ``REPEATS`` times
   and the fastest kept; CPU time of this process decides the target (other processes on a
   busy machine do not count against the packer), wall time is shown beside it.

Every packing of every packer is verified (each item once, inside its box, allowed
orientation, no overlap, weight limit); ``all_verified`` says so.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.table import Table

from backroom.fulfillment.packing import (
    DEFAULT_RATE,
    Box,
    Item,
    Packing,
    Placement,
    bounds,
    cartonize,
    pack_bins,
    relaxation_bound,
    verify,
    verify_placements,
    volume_only,
)
from backroom.fulfillment.packing.samples import BOXES, sample_orders

SEED = 20260401
MPV_SECONDS = 4.0
QUICK_MPV_SECONDS = 0.2
PROOF_SECONDS = 3.0  # CP-SAT time limit per step of the relaxation bound (full run only)
ORDERS, QUICK_ORDERS = 1000, 100
TIMED, QUICK_TIMED = 100, 20
REPEATS = 3
BINS_RATIO_TARGET = 0.90  # ours ÷ py3dbp
MS_TARGET = 50.0
_HUGE = Decimal(10**9)  # a side py3dbp is given for orientations it must not use


def data_dir() -> Path:
    """``$BACKROOM_BENCH_DATA`` or ``../shared/bench-data`` beside the repository."""
    configured = os.environ.get("BACKROOM_BENCH_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "bench-data"


def load_instance(path: Path) -> tuple[Box, list[Item]]:
    """An OR-Datasets JSON file: ``Objects[0]`` the bin, ``Items`` with ``Demand`` copies
    (Length → x, Depth → y, Height → z)."""
    raw = json.loads(path.read_text())
    o = raw["Objects"][0]
    box = Box("BIN", o["Length"], o["Depth"], o["Height"], 10**9, 1)
    items = [Item(f"{path.stem}-{k}", i["Length"], i["Depth"], i["Height"])
             for k, i in enumerate(raw["Items"]) for _ in range(i["Demand"])]
    return box, items


# -- py3dbp, the first-fit baseline ------------------------------------------------------------
def _py3dbp() -> ModuleType | None:
    try:
        import py3dbp
    except ImportError:
        return None
    return py3dbp


def _py3dbp_item(lib: ModuleType, item: Item, rotate: bool) -> Any:
    """py3dbp's axes are (width, height, depth) with height vertical: ours are (x, z, y).
    Orientations the item may not take get an impossible size, so py3dbp skips them."""
    allowed = {0} if not rotate else ({0, 3} if not item.can_rotate else set(range(6)))

    class Restricted(lib.Item):  # type: ignore[name-defined]
        def get_dimension(self) -> list[Any]:
            if self.rotation_type not in allowed:
                return [_HUGE, _HUGE, _HUGE]
            return super().get_dimension()

    restricted = Restricted(item.sku, item.length_mm, item.height_mm, item.width_mm,
                            item.weight_g)
    restricted.origin = item
    return restricted


def py3dbp_fill(lib: ModuleType, items: Sequence[Item], box: Box, bins: int, *,
                rotate: bool, bigger_first: bool = True) -> list[list[Placement]]:
    """py3dbp with ``bins`` copies of ``box``: the placements in each bin (empty bins too)."""
    packer = lib.Packer()
    for k in range(bins):
        packer.add_bin(lib.Bin(f"b{k}", box.length_mm, box.height_mm, box.width_mm,
                               box.max_weight_g))
    for item in items:
        packer.add_item(_py3dbp_item(lib, item, rotate))
    packer.pack(bigger_first=bigger_first, distribute_items=True)
    out = []
    for index, b in enumerate(packer.bins):
        placed = []
        for it in b.items:
            px, pz, py = (int(v) for v in it.position)
            dx, dz, dy = (int(v) for v in it.get_dimension())
            placed.append(Placement(it.origin, index, px, py, pz, dx, dy, dz))
        out.append(placed)
    return out


def py3dbp_order(lib: ModuleType, items: list[Item], boxes: Sequence[Box]) -> Packing:
    """py3dbp as shops use it for cartonization (see the module docstring), priced."""
    by_volume = sorted(boxes, key=lambda b: b.volume)
    remaining = list(items)
    used: list[Box] = []
    placements: list[Placement] = []
    while remaining:
        volume, weight = sum(i.volume for i in remaining), sum(i.weight_g for i in remaining)
        chosen = None
        for box in (b for b in by_volume if b.volume >= volume and b.max_weight_g >= weight):
            placed = py3dbp_fill(lib, remaining, box, 1, rotate=True)[0]
            if len(placed) == len(remaining):
                chosen = box, placed
                break
        if chosen is None:
            box = next(b for b in reversed(by_volume)
                       if b.holds(max(remaining, key=lambda i: i.volume)))
            chosen = box, py3dbp_fill(lib, remaining, box, 1, rotate=True)[0]
        box, placed = chosen
        placements += [_moved(p, len(used)) for p in placed]
        used.append(box)
        for p in placed:
            remaining.remove(p.item)
    parcels = [b.parcel(sum(p.item.weight_g for p in placements if p.box == k))
               for k, b in enumerate(used)]
    shipping = DEFAULT_RATE(parcels)
    assert shipping is not None
    return Packing(tuple(used), tuple(placements), sum(b.cost for b in used), shipping)


def _moved(p: Placement, box: int) -> Placement:
    return Placement(p.item, box, p.x_mm, p.y_mm, p.z_mm, p.length_mm, p.width_mm, p.height_mm)


# -- 1. the benchmark instances ----------------------------------------------------------------
def mpv_section(quick: bool, lib: ModuleType | None) -> dict[str, Any]:
    folder = data_dir() / "packing" / "mpv"
    files = sorted(folder.glob("mpv_c*_n050_*.json"))
    if not files:
        return {"skipped": f"no instances in {folder}"}
    if quick:  # the first instance of each class, no relaxation proofs
        files = [f for f in files if f.stem.endswith("_1")]
    seconds = QUICK_MPV_SECONDS if quick else MPV_SECONDS
    proof_s = 0.0 if quick else PROOF_SECONDS
    rows = [_mpv_row(path, seconds, proof_s, lib) for path in files]
    return {"instances": rows, "seconds_per_instance": seconds, "proof_seconds": proof_s}


def _mpv_row(path: Path, seconds: float, proof_s: float, lib: ModuleType | None
             ) -> dict[str, Any]:
    box, items = load_instance(path)
    found = bounds(items, box)
    proven = relaxation_bound(items, box, seconds=proof_s) if proof_s else found.best
    began = time.process_time()
    ours = pack_bins(items, box, seconds=seconds, seed=SEED, known_bound=proven)
    cpu = time.process_time() - began
    row: dict[str, Any] = {
        "name": path.stem, "class": int(path.stem.split("_")[1][1:]),
        "ours": len(ours.packing.boxes), "l0": found.l0, "l1": found.l1,
        "clique": found.clique, "lower_bound": proven, "ours_cpu_s": round(cpu, 2),
        "verified": not verify(ours.packing, items, rotate=False)}
    if lib is not None:
        for key, bigger in (("py3dbp", True), ("py3dbp_default", False)):
            bins = py3dbp_fill(lib, items, box, len(items), rotate=False, bigger_first=bigger)
            used = [b for b in bins if b]
            flat = [_moved(p, k) for k, b in enumerate(used) for p in b]
            row[key] = len(used)
            row["verified"] = row["verified"] and not verify_placements(
                [box] * len(used), flat, items, rotate=False)
    return row


# -- 2 and 3. generated orders ---------------------------------------------------------------
def orders_section(quick: bool, lib: ModuleType | None) -> dict[str, Any]:
    orders = sample_orders(QUICK_ORDERS if quick else ORDERS, seed=SEED)
    methods: dict[str, Callable[[list[Item]], Packing]] = {
        "ours": lambda o: cartonize(o, BOXES), "volume_only": lambda o: volume_only(o, BOXES)}
    if lib is not None:
        methods["py3dbp"] = lambda o: py3dbp_order(lib, o, BOXES)
    sums: dict[str, dict[str, int]] = {m: defaultdict(int) for m in methods}
    for order in orders:
        for name, method in methods.items():
            packing = method(order)
            s = sums[name]
            s["cartons"] += len(packing.boxes)
            s["box_cost"] += packing.box_cost
            s["shipping_cost"] += packing.shipping_cost
            s["total"] += packing.total
            s["verified"] += not verify(packing, order)
    timed = sample_orders(QUICK_TIMED if quick else TIMED, seed=SEED + 1, units=20)
    cpu, wall = _timings(timed)
    return {"orders": len(orders), "units": sum(len(o) for o in orders),
            "methods": {k: dict(v) for k, v in sums.items()}, "timed_orders": len(timed),
            "cpu_ms": cpu, "wall_ms": wall}


def _timings(orders: list[list[Item]]) -> tuple[list[float], list[float]]:
    cpu, wall = [], []
    for order in orders:
        best_cpu = best_wall = float("inf")
        for _ in range(REPEATS):
            c0, w0 = time.process_time(), time.perf_counter()
            cartonize(order, BOXES)
            best_cpu = min(best_cpu, time.process_time() - c0)
            best_wall = min(best_wall, time.perf_counter() - w0)
        cpu.append(best_cpu * 1000)
        wall.append(best_wall * 1000)
    return cpu, wall


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


# -- putting it together -----------------------------------------------------------------------
def run(as_json: bool = False, quick: bool = False) -> dict[str, Any]:
    """Measure, print (a table, or JSON with ``as_json``) and return the figures."""
    lib = _py3dbp()
    began = time.perf_counter()
    mpv = mpv_section(quick, lib)
    orders = orders_section(quick, lib)
    data = _figures(mpv, orders, lib is not None)
    data["meta"] = {"suite": "packing", "quick": quick, "cpus": os.cpu_count(),
                    "python": platform.python_version(), "seed": SEED,
                    "seconds": round(time.perf_counter() - began, 1),
                    "py3dbp": "installed" if lib else "missing: .venv/bin/uv pip install "
                                                      "'py3dbp>=1.1,<1.2' (dev extra)"}
    data["mpv"], data["orders"] = mpv, orders
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        _print(data)
    return data


def _figures(mpv: dict[str, Any], orders: dict[str, Any], have_lib: bool) -> dict[str, Any]:
    rows = mpv.get("instances", [])
    ours = sum(r["ours"] for r in rows)
    theirs = sum(r.get("py3dbp", 0) for r in rows)
    ratio = round(ours / theirs, 4) if theirs else None
    m = orders["methods"]
    all_verified = all(r["verified"] for r in rows) and all(
        v["verified"] == orders["orders"] for v in m.values())
    p50, p95 = _pct(orders["cpu_ms"], 0.5), _pct(orders["cpu_ms"], 0.95)
    targets = {"mpv_bins_ratio_vs_py3dbp": ratio is not None and ratio <= BINS_RATIO_TARGET,
               "all_verified": all_verified and bool(rows) and have_lib,
               "order_ms_p95_20_items": p95 < MS_TARGET}
    data: dict[str, Any] = {
        "mpv_bins_ours": ours, "mpv_bins_py3dbp": theirs,
        "mpv_bins_py3dbp_default": sum(r.get("py3dbp_default", 0) for r in rows),
        "mpv_bins_ratio_vs_py3dbp": ratio, "mpv_bins_l0": sum(r["l0"] for r in rows),
        "mpv_bins_lower_bound": sum(r["lower_bound"] for r in rows),
        "mpv_bins_bound_ratio_vs_py3dbp": round(sum(r["lower_bound"] for r in rows) / theirs, 4)
        if theirs else None,
        "orders_total_ours": m["ours"]["total"],
        "orders_total_volume_only": m["volume_only"]["total"],
        "orders_total_py3dbp": m.get("py3dbp", {}).get("total"),
        "order_ms_p50_20_items": p50, "order_ms_p95_20_items": p95,
        "order_wall_ms_p50_20_items": _pct(orders["wall_ms"], 0.5),
        "all_verified": all_verified, "targets": targets,
        "targets_met": all(targets.values())}
    for base in ("volume_only", "py3dbp"):
        if base in m:
            data[f"orders_cost_ratio_vs_{base}"] = round(m["ours"]["total"] / m[base]["total"], 4)
    return data


def _print(data: dict[str, Any]) -> None:
    console = Console()
    verdict = {True: "[green]pass[/]", False: "[bold red]MISS[/]"}
    rows = data["mpv"].get("instances", [])
    table = Table(title="backroom bench packing — MPV instances (n = 50, fixed orientation), "
                        "bins used", title_justify="left")
    for name in ("class", "ours", "py3dbp", "py3dbp default", "L0", "bound", "ours ÷ py3dbp",
                 "ours ÷ bound"):
        table.add_column(name, justify="right")
    by_class: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_class[r["class"]].append(r)
    for cls in sorted(by_class):
        table.add_row(*_class_cells(str(cls), by_class[cls]))
    if rows:
        table.add_row(*_class_cells("all", rows), style="bold")
    console.print(table)
    _print_orders(console, data)
    t = data["targets"]
    console.print(f"bins vs py3dbp {data['mpv_bins_ratio_vs_py3dbp']} (target ≤ "
                  f"{BINS_RATIO_TARGET}): {verdict[t['mpv_bins_ratio_vs_py3dbp']]}; every "
                  f"packing verified: {verdict[t['all_verified']]}; 20-unit order "
                  f"{data['order_ms_p50_20_items']} ms CPU median, p95 "
                  f"{data['order_ms_p95_20_items']} (target < {MS_TARGET:g}): "
                  f"{verdict[t['order_ms_p95_20_items']]}", highlight=False)
    console.print(f"no packer can use fewer than {data['mpv_bins_lower_bound']} bins (best "
                  f"bound): {data['mpv_bins_bound_ratio_vs_py3dbp']} of py3dbp's at best",
                  highlight=False)
    console.print(f"[dim]py3dbp: {data['meta']['py3dbp']}; MPV budget "
                  f"{data['mpv'].get('seconds_per_instance')} s CPU per instance; "
                  f"{data['meta']['seconds']} s in all[/]", highlight=False)


def _class_cells(label: str, rows: list[dict[str, Any]]) -> list[str]:
    ours, l0 = sum(r["ours"] for r in rows), sum(r["l0"] for r in rows)
    theirs = sum(r.get("py3dbp", 0) for r in rows)
    ratio = f"{ours / theirs:.3f}" if theirs else "–"
    bound = sum(r["lower_bound"] for r in rows)
    return [label, str(ours), str(theirs or "–"), str(sum(r.get("py3dbp_default", 0)
                                                         for r in rows) or "–"),
            str(l0), str(bound), ratio, f"{ours / bound:.3f}"]


def _print_orders(console: Console, data: dict[str, Any]) -> None:
    o = data["orders"]
    table = Table(title=f"Generated orders: {o['orders']} orders, {o['units']} units, one cost "
                        "model (currency units)", title_justify="left")
    for name in ("packer", "cartons", "boxes", "shipping", "total", "ours ÷ this"):
        table.add_column(name, justify="left" if name == "packer" else "right", no_wrap=True)
    ours_total = o["methods"]["ours"]["total"]
    for name, s in o["methods"].items():
        table.add_row(name.replace("_", " "), f"{s['cartons']:,}", _money(s["box_cost"]),
                      _money(s["shipping_cost"]), _money(s["total"]),
                      f"{ours_total / s['total']:.3f}")
    console.print(table)
    checked = ", ".join(f"{name.replace('_', ' ')} {s['verified']}/{o['orders']}"
                        for name, s in o["methods"].items())
    console.print(f"[dim]packings verified: {checked}. {o['timed_orders']} orders of 20 "
                  f"units, fastest of {REPEATS}: CPU median "
                  f"{statistics.median(o['cpu_ms']):.1f} ms, p95 {_pct(o['cpu_ms'], 0.95)} ms; "
                  f"wall median {statistics.median(o['wall_ms']):.1f} ms[/]", highlight=False)


def _money(minor: int) -> str:
    return f"{Decimal(minor).scaleb(-2):,.2f}"  # the samples are priced in cents
