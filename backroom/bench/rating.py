"""``backroom bench rating``: quote throughput and rate shopping with cached rate cards.

- **Quotes per second**: ``quote_shipment`` (the service function fulfillment calls: input
  checks, cached rate cards, every service of the 3 sample carriers) for one package, over a
  fixed mix of destinations. Target ≥ 5,000 per second.
- **Rate shopping 10,000 shipments**: ``choose_service`` (quote every service, then pick the
  cheapest that meets the promise) for 10,000 varied shipments of 1–3 packages. Target < 2 s.

Timings are the best of a few runs (the first run also warms the rate-card cache and the
calendar memo, as a long-running server would be).
"""

from __future__ import annotations

import json
import os
import platform
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from backroom.shipping.rating.errors import NoServiceAvailable
from backroom.shipping.rating.loader import load_rate_book
from backroom.shipping.rating.model import Address, Package
from backroom.shipping.rating.services import choose_service, quote_shipment

QUOTES_TARGET = 5_000.0
SHOP_TARGET_S = 2.0
SHOP_SIZE = 10_000
READY_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday afternoon (UTC)

_SF = Address("US", "94107", False, 37.7621, -122.3971)
_BERLIN = Address("DE", "10115", False, 52.5323, 13.3846)
_BAY = ["94102", "94110", "94117", "94122", "94133", "94501", "94607", "94704", "94401",
        "94301", "95112", "94965"]
_EU = [("DE", "80331"), ("DE", "20095"), ("DE", "25980"), ("AT", "1010"), ("FR", "75001"),
       ("FR", "20000"), ("NL", "1011AB"), ("IT", "00184"), ("ES", "28001"), ("ES", "35001"),
       ("PL", "00950"), ("SE", "11122"), ("PT", "1000001"), ("DK", "1050"), ("CY", "1010")]


@dataclass(frozen=True, slots=True)
class Job:
    origin: Address
    destination: Address
    packages: tuple[Package, ...]
    promise: date


def make_jobs(count: int, seed: int = 7) -> list[Job]:
    """Deterministic, varied shipments: US national, Bay Area local and European."""
    rng = random.Random(seed)
    jobs = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.5:
            origin, dest = _SF, Address("US", f"{rng.randrange(1000, 99950):05d}",
                                        rng.random() < 0.6)
        elif kind < 0.7:
            origin, dest = _SF, Address("US", rng.choice(_BAY), rng.random() < 0.8)
        else:
            country, postal = rng.choice(_EU)
            origin, dest = _BERLIN, Address(country, postal, rng.random() < 0.5)
        packages = tuple(_package(rng) for _ in range(rng.choice((1, 1, 1, 2, 3))))
        promise = READY_AT.date() + timedelta(days=rng.randrange(0, 9))
        jobs.append(Job(origin, dest, packages, promise))
    return jobs


def _package(rng: random.Random) -> Package:
    return Package(rng.randrange(100, 700), rng.randrange(80, 450), rng.randrange(30, 350),
                   rng.randrange(100, 18_000))


def _best(runs: int, fn: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def quotes_per_second(quick: bool) -> tuple[float, int]:
    """One-package shipments from the San Francisco warehouse to Bay Area addresses — the
    heaviest case of the samples: Parcelway's 3 and Metro Courier's 2 services are priced,
    EuroPost's 3 are ruled out. Returns (quotes per second, services priced per quote)."""
    rng = random.Random(11)
    jobs = [Job(_SF, Address("US", rng.choice(_BAY), rng.random() < 0.7), (_package(rng),),
                READY_AT.date()) for _ in range(500)]
    rounds = 4 if quick else 20

    def loop() -> None:
        for _ in range(rounds):
            for job in jobs:
                quote_shipment(job.origin, job.destination, job.packages, ready_at=READY_AT)

    seconds = _best(2 if quick else 3, loop)
    priced = sum(len(quote_shipment(j.origin, j.destination, j.packages,
                                    ready_at=READY_AT).quotes) for j in jobs)
    return rounds * len(jobs) / seconds, round(priced / len(jobs))


def rate_shop_seconds(quick: bool) -> tuple[float, dict[str, int]]:
    """Seconds to choose a service for 10,000 shipments, and how the choices came out."""
    jobs = make_jobs(SHOP_SIZE)
    outcome: dict[str, int] = {}

    def loop() -> None:
        outcome.update(promise_met=0, promise_missed=0, no_service=0)
        for job in jobs:
            try:
                choice = choose_service(job.origin, job.destination, job.packages,
                                        promise=job.promise, ready_at=READY_AT)
            except NoServiceAvailable:
                outcome["no_service"] += 1
                continue
            outcome["promise_met" if choice.meets_promise else "promise_missed"] += 1

    return _best(1 if quick else 3, loop), outcome


def run(as_json: bool = False, quick: bool = False) -> dict[str, Any]:
    """Measure, print (a table, or JSON with ``as_json``) and return the figures."""
    book = load_rate_book()
    qps, services = quotes_per_second(quick)
    shop_s, outcome = rate_shop_seconds(quick)
    targets = {"rating_quotes_per_s": qps >= QUOTES_TARGET,
               "rate_shop_10k_seconds": shop_s < SHOP_TARGET_S}
    data: dict[str, Any] = {
        "rating_quotes_per_s": round(qps, 1), "rate_shop_10k_seconds": round(shop_s, 4),
        "targets": targets, "targets_met": all(targets.values()),
        "meta": {"suite": "rating", "quick": quick, "cpus": os.cpu_count(),
                 "python": platform.python_version(), "carriers": len(book.cards),
                 "services": sum(len(c.services) for c in book.cards),
                 "services_priced_per_quote": services, "shipments": SHOP_SIZE,
                 **outcome}}
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        _print(data)
    return data


def _print(data: dict[str, Any]) -> None:
    table = Table(title="backroom bench rating", title_justify="left")
    for name in ("figure", "value", "target", "result"):
        table.add_column(name, justify="right" if name == "value" else "left")
    verdict = {True: "[green]pass[/]", False: "[bold red]MISS[/]"}
    table.add_row("Quotes per second (1 package, all services of 3 carriers)",
                  f"{data['rating_quotes_per_s']:,.0f}/s", f"≥ {QUOTES_TARGET:,.0f}/s",
                  verdict[data["targets"]["rating_quotes_per_s"]])
    table.add_row(f"Rate shopping {SHOP_SIZE:,} shipments",
                  f"{data['rate_shop_10k_seconds']:.2f} s", f"< {SHOP_TARGET_S:g} s",
                  verdict[data["targets"]["rate_shop_10k_seconds"]])
    console = Console()
    console.print(table)
    meta = data["meta"]
    console.print(f"[dim]- {meta['carriers']} carriers, {meta['services']} services; "
                  f"{meta['services_priced_per_quote']} services priced per quote on average; "
                  f"of {meta['shipments']:,} shipments {meta['promise_met']:,} met their "
                  f"promise, {meta['promise_missed']:,} could not (fastest named), "
                  f"{meta['no_service']:,} fit no service[/]", highlight=False)
