"""A small, hand-checkable rate directory for rating tests (two carriers), written to tmp_path.

Testway (TST, imperial, USD): divisor 139, sides to the nearest inch, whole pounds; fuel
12.5 % of base + surcharges; residential 4.20; remote 3.00 (ZIP 999xx); additional handling
15.00 over 48 in / 30 in / 50 lb; oversize 100.00 over 96 in or 130 in length + girth, billed at
least 90 lb. New York time, cut-off 17:00 (EXPRESS 15:00), pickups Mon–Fri, holiday 2026-12-25.
Metricpost (MET, metric, EUR): divisor 5000, sides up to the next cm, half kilograms.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from backroom.shipping.rating.loader import RateBook, read_rate_dir
from backroom.shipping.rating.model import Address, Package

TESTWAY_YAML = """\
code: TST
name: Testway
account: "T-1"
currency: USD
units: imperial
timezone: America/New_York
pickup:
  cutoff: "17:00"
  days: [mon, tue, wed, thu, fri]
delivery_days: [mon, tue, wed, thu, fri]
holidays:
  - 2026-12-25
dim_weight:
  divisor: 139
  round_dimensions: nearest
  weight_increment: 1
zones:
  by: postal_prefix
  file: zones.csv
rates: rates.csv
remote_areas: remote.csv
limits:
  max_weight: 150
  max_length: 108
  max_length_plus_girth: 165
surcharges:
  fuel_percent: 12.5
  residential: 4.20
  remote_area: 3.00
  additional_handling: {amount: 15.00, longest_side: 48, second_side: 30, weight: 50}
  oversize: {amount: 100.00, longest_side: 96, length_plus_girth: 130, min_billable_weight: 90}
services:
  - code: GROUND
    name: Testway Ground
    transit_days: {"1": 1, "2": 2, "3": 5}
  - code: EXPRESS
    name: Testway Express
    transit_days: {"1": 1, "2": 1, "3": 1}
    pickup_cutoff: "15:00"
    delivery_days: [mon, tue, wed, thu, fri, sat]
    limits: {max_length: 60}
"""

TESTWAY_ZONES = """\
origin_country,origin_prefix,dest_country,dest_prefix,zone
US,100-199,US,100-199,1
US,100-199,US,200-299,2
US,100-199,US,900-999,3
"""

_BREAKS = [("0", "1"), ("1", "2"), ("2", "5"), ("5", "10"), ("10", "50"), ("50", "150")]
_GROUND = {"1": [5, 6, 8, 12, 20, 60], "2": [7, 8, 10, 14, 22, 62], "3": [10, 11, 13, 17, 25, 65]}


def _rates_csv() -> str:
    lines = ["service,zone,min_weight,max_weight,price"]
    for service, factor in (("GROUND", 1), ("EXPRESS", 2)):
        for zone, prices in _GROUND.items():
            for (low, high), price in zip(_BREAKS, prices, strict=True):
                lines.append(f"{service},{zone},{low},{high},{price * factor}.00")
    return "\n".join(lines) + "\n"


TESTWAY_RATES = _rates_csv()
TESTWAY_REMOTE = "country,prefix\nUS,999\n"

METRIC_YAML = """\
code: MET
name: Metricpost
currency: EUR
units: metric
timezone: Europe/Berlin
pickup: {cutoff: "16:00", days: [mon, tue, wed, thu, fri]}
delivery_days: [mon, tue, wed, thu, fri]
dim_weight: {divisor: 5000, round_dimensions: up, weight_increment: 0.5}
zones: {by: postal_prefix, file: zones.csv}
limits: {max_weight: 31.5}
services:
  - code: STANDARD
    name: Metricpost Standard
    transit_days: {"1": 2}
"""
METRIC_ZONES = "origin_country,origin_prefix,dest_country,dest_prefix,zone\nDE,,DE,,1\n"
METRIC_RATES = """\
service,zone,min_weight,max_weight,price
STANDARD,1,0,1,5.00
STANDARD,1,1,2,6.00
STANDARD,1,2,5,8.00
STANDARD,1,5,31.5,15.00
"""

FILES = {
    "testway/carrier.yaml": TESTWAY_YAML, "testway/zones.csv": TESTWAY_ZONES,
    "testway/rates.csv": TESTWAY_RATES, "testway/remote.csv": TESTWAY_REMOTE,
    "metricpost/carrier.yaml": METRIC_YAML, "metricpost/zones.csv": METRIC_ZONES,
    "metricpost/rates.csv": METRIC_RATES,
}

NYC = Address("US", "10001")  # zone 1 from itself
# 2026-12-01 is a Tuesday; New York is UTC-5 in December.
TUESDAY_NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
BERLIN = Address("DE", "10115")
SMALL = Package(100, 100, 100, 1_000)


def write_rates(root: Path, changes: dict[str, str] | None = None) -> Path:
    """The test rate directory under ``root``, with ``changes`` (path → text) applied."""
    for name, text in {**FILES, **(changes or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def load(root: Path, changes: dict[str, str] | None = None) -> RateBook:
    return read_rate_dir(write_rates(root, changes))
