"""``backroom bench sourcing``: cost-optimal sourcing against the greedy peers and the optimum.

1. **Generated orders** (``backroom.fulfillment.sourcing.samples``, fixed seed): 3 warehouses
   in NJ, TX and NV with different stock mixes, 500 SKUs, orders of 1–5 lines to 41 US cities,
   a third with a promised date. Each order is sourced by ``cost`` (Backroom's default),
   greedy ``priority`` and greedy ``closest`` (as Saleor and Magento MSI fill: warehouses in a
   fixed or distance order, line by line), all priced by one cost model: the sample rate
   cards' national carrier (Parcelway), every service, looked up by billable weight from a
   table built with ``quote_shipment`` (``ratetable``; exact for these parcels), plus the split
   penalty per extra package. Every plan is verified (units, stock, totals).
2. **Gap to the exact optimum** on the first ``EXACT`` orders: exhaustive search of every way
   to split every line over the warehouses (``exhaustive``), no pruning, same scoring.
3. **Milliseconds per order** for ``cost`` (greedy seeds, search and the reason included), with
   the rate table warm as in a running server: CPU time of this thread decides the target,
   wall time is shown beside it.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from backroom.core.settings import get_settings
from backroom.fulfillment.sourcing import CostModel, plan
from backroom.fulfillment.sourcing.exhaustive import count, exhaustive_best
from backroom.fulfillment.sourcing.ratetable import RateTable
from backroom.fulfillment.sourcing.samples import READY_AT, SampleOrder, make_orders, make_shop
from backroom.fulfillment.sourcing.verify import verify_plan

SEED = 20261110
ORDERS, QUICK_ORDERS = 10_000, 1_000
EXACT, QUICK_EXACT = 500, 100
CHEAPER_TARGET_PCT = 8.0  # cheaper than greedy priority, at least
GAP_TARGET_PCT = 0.5  # above the exact optimum, at most
MS_TARGET = 1.0  # per order of up to 5 lines, mean CPU
STRATEGIES = ("cost", "priority", "closest")
NAMES = {"cost": "cost-optimal", "priority": "greedy priority", "closest": "greedy closest"}


def compare(orders: list[SampleOrder], table: RateTable) -> dict[str, dict[str, int]]:
    """Per strategy: total cost, shipping, packages, split and late orders, backorders and
    how many plans verified."""
    sums: dict[str, dict[str, int]] = {s: defaultdict(int) for s in STRATEGIES}
    for order in orders:
        rate = table.rate(order.destination, order.request.promise)
        for strategy in STRATEGIES:
            p = plan(order.request, rate, strategy)
            s = sums[strategy]
            s["total"] += p.total_minor
            s["shipping"] += p.shipping_minor
            s["penalty"] += p.split_penalty_minor
            s["packages"] += p.packages
            s["split_orders"] += p.packages > 1
            s["late_orders"] += p.meets_promise is False
            s["backordered_units"] += p.backordered_units
            s["verified"] += not verify_plan(order.request, p)
    return {k: dict(v) for k, v in sums.items()}


def exact_gap(orders: list[SampleOrder], table: RateTable) -> dict[str, Any]:
    """``cost`` against the exhaustive optimum, order by order."""
    gaps: list[float] = []
    ours = best = worse_service = searched = 0
    began = time.perf_counter()
    for order in orders:
        rate = table.rate(order.destination, order.request.promise)
        model = CostModel(order.request, rate)
        searched += count(model)
        _, optimum = exhaustive_best(model)
        p = plan(order.request, rate, "cost")
        if (p.backordered_units, p.detail["late_units"]) != (optimum.backordered,
                                                             optimum.late_units):
            worse_service += 1
        ours += p.total_minor
        best += optimum.total_minor
        gaps.append(100 * (p.total_minor - optimum.total_minor) / max(1, optimum.total_minor))
    return {"orders": len(orders), "cost_total": ours, "exact_total": best,
            "gap_pct": 100 * (ours - best) / max(1, best), "gap_avg_pct": statistics.mean(gaps),
            "gap_max_pct": max(gaps), "worse_service": worse_service,
            "allocations_scored": searched, "seconds": round(time.perf_counter() - began, 2)}


def timings(orders: list[SampleOrder], table: RateTable) -> dict[str, float]:
    cpu, wall = [], []
    for order in orders:
        rate = table.rate(order.destination, order.request.promise)
        c0, w0 = time.thread_time(), time.perf_counter()
        plan(order.request, rate, "cost")
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return {"cpu_mean": statistics.mean(cpu), "cpu_p99": _pct(cpu, 0.99),
            "wall_mean": statistics.mean(wall), "wall_p99": _pct(wall, 0.99)}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(as_json: bool = False, quick: bool = False) -> dict[str, Any]:
    """Measure, print (a table, or JSON with ``as_json``) and return the figures."""
    began = time.perf_counter()
    penalty = get_settings().sourcing_split_penalty_minor
    shop = make_shop(SEED)
    orders = make_orders(shop, QUICK_ORDERS if quick else ORDERS, seed=SEED + 1,
                         penalty_minor=penalty)
    table = RateTable(shop.origins, READY_AT)
    sums = compare(orders, table)
    exact = exact_gap(orders[:QUICK_EXACT if quick else EXACT], table)
    timed = timings(orders, table)
    data = figures(sums, exact, timed, len(orders))
    data["strategies"], data["exact"] = sums, exact
    data["meta"] = {"suite": "sourcing", "quick": quick, "cpus": os.cpu_count(),
                    "python": platform.python_version(), "seed": SEED,
                    "split_penalty_minor": penalty, "carrier": "PWY (sample rate cards)",
                    "rate_table_entries": len(table.quotes),
                    "parcels_quoted_directly": table.direct,
                    "load_average": list(os.getloadavg()),
                    "seconds": round(time.perf_counter() - began, 1)}
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        _print(data)
    return data


def figures(sums: dict[str, dict[str, int]], exact: dict[str, Any], timed: dict[str, float],
            orders: int) -> dict[str, Any]:
    data: dict[str, Any] = {"orders": orders}
    for s in STRATEGIES:
        data[f"{s}_total_minor"] = sums[s]["total"]
        data[f"{s}_shipping_minor"] = sums[s]["shipping"]
        data[f"{s}_split_rate"] = round(sums[s]["split_orders"] / orders, 4)
    for base in ("priority", "closest"):
        data[f"cheaper_than_{base}_pct"] = _cheaper(sums, base, "total")
        data[f"shipping_cheaper_than_{base}_pct"] = _cheaper(sums, base, "shipping")
    data.update({
        "exact_gap_pct": round(exact["gap_pct"], 4),
        "exact_gap_avg_pct": round(exact["gap_avg_pct"], 4),
        "exact_gap_max_pct": round(exact["gap_max_pct"], 4),
        "ms_per_order_mean": round(timed["cpu_mean"], 4),
        "ms_per_order_p99": round(timed["cpu_p99"], 4),
        "wall_ms_per_order_mean": round(timed["wall_mean"], 4),
        "wall_ms_per_order_p99": round(timed["wall_p99"], 4),
        "all_verified": all(sums[s]["verified"] == orders for s in STRATEGIES)})
    targets = {"cheaper_than_priority_pct": data["cheaper_than_priority_pct"]
               >= CHEAPER_TARGET_PCT,
               "exact_gap_pct": data["exact_gap_pct"] <= GAP_TARGET_PCT
               and exact["worse_service"] == 0,
               "ms_per_order_mean": data["ms_per_order_mean"] <= MS_TARGET,
               "all_verified": data["all_verified"]}
    data["targets"], data["targets_met"] = targets, all(targets.values())
    return data


def _cheaper(sums: dict[str, dict[str, int]], base: str, key: str) -> float:
    theirs = sums[base][key]
    return round(100 * (theirs - sums["cost"][key]) / theirs, 2) if theirs else 0.0


def _print(data: dict[str, Any]) -> None:
    console = Console()
    _print_strategies(console, data)
    verdict = {True: "[green]pass[/]", False: "[bold red]MISS[/]"}
    t, x = data["targets"], data["exact"]
    table = Table(title="Targets", title_justify="left")
    for name in ("figure", "value", "compared with", "target", "result"):
        table.add_column(name, justify="right" if name == "value" else "left")
    table.add_row("cheaper than greedy priority (total)", f"{data['cheaper_than_priority_pct']:.2f} %",
                  f"shipping only {data['shipping_cheaper_than_priority_pct']:.2f} %",
                  f"≥ {CHEAPER_TARGET_PCT:g} %", verdict[t["cheaper_than_priority_pct"]])
    table.add_row("cheaper than greedy closest (total)", f"{data['cheaper_than_closest_pct']:.2f} %",
                  f"shipping only {data['shipping_cheaper_than_closest_pct']:.2f} %", "",
                  "[dim]info[/]")
    table.add_row(f"above the exact optimum ({x['orders']} orders)",
                  f"{data['exact_gap_pct']:.3f} %",
                  f"per order avg {data['exact_gap_avg_pct']:.3f} %, max "
                  f"{data['exact_gap_max_pct']:.3f} %; exhaustive "
                  f"{_money(x['exact_total'])} vs {_money(x['cost_total'])}",
                  f"≤ {GAP_TARGET_PCT:g} %", verdict[t["exact_gap_pct"]])
    table.add_row("ms per order (CPU, mean)", f"{data['ms_per_order_mean']:.3f}",
                  f"p99 {data['ms_per_order_p99']:.3f}; wall mean "
                  f"{data['wall_ms_per_order_mean']:.3f}, p99 {data['wall_ms_per_order_p99']:.3f}",
                  f"≤ {MS_TARGET:g} ms", verdict[t["ms_per_order_mean"]])
    table.add_row("every plan verified", "yes" if data["all_verified"] else "NO", "", "all",
                  verdict[t["all_verified"]])
    console.print(table)
    m = data["meta"]
    console.print(f"[dim]- split penalty {_money(m['split_penalty_minor'])} per extra package; "
                  f"rate table {m['rate_table_entries']:,} entries from the rate cards, "
                  f"{m['parcels_quoted_directly']} parcels quoted directly; exhaustive search "
                  f"scored {x['allocations_scored']:,} allocations in {x['seconds']} s; "
                  f"{m['seconds']} s in all; load average "
                  f"{', '.join(f'{v:.2f}' for v in m['load_average'])}[/]", highlight=False)


def _print_strategies(console: Console, data: dict[str, Any]) -> None:
    orders = data["orders"]
    table = Table(title=f"backroom bench sourcing — {orders:,} generated orders, 3 warehouses",
                  title_justify="left")
    for name in ("strategy", "total cost", "shipping", "split penalty", "split rate",
                 "packages/order", "late orders", "backordered", "cost-optimal ÷ this"):
        table.add_column(name, justify="left" if name == "strategy" else "right", no_wrap=True)
    ours = data["strategies"]["cost"]["total"]
    for s in STRATEGIES:
        v = data["strategies"][s]
        table.add_row(NAMES[s], _money(v["total"]), _money(v["shipping"]), _money(v["penalty"]),
                      f"{100 * v['split_orders'] / orders:.1f} %",
                      f"{v['packages'] / orders:.3f}", f"{v['late_orders']:,}",
                      f"{v['backordered_units']:,}", f"{ours / v['total']:.3f}")
    console.print(table)


def _money(minor: int) -> str:
    return f"${Decimal(minor).scaleb(-2):,.2f}"  # the sample carriers price in USD cents
