"""The CSV tables of a rate card: zone chart, weight-break rates, remote areas, centroids.

``rates.csv``: one row per service, zone and weight break; a row prices billable weights above
``min_weight`` up to and including ``max_weight``. Per service and zone the breaks must start
at 0 and follow each other without gaps or overlaps, and a heavier break may not be cheaper.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from backroom.core.errors import ValidationFailed
from backroom.core.money import Money, to_minor
from backroom.shipping.rating.address import COUNTRIES
from backroom.shipping.rating.dimweight import format_milli
from backroom.shipping.rating.model import PrefixSet, WeightBreaks
from backroom.shipping.rating.sourcefiles import CsvRow, Sink, parse_decimal, read_csv, to_milli
from backroom.shipping.rating.zones import PrefixRange, ZoneRow, parse_range

ZONE_COLUMNS = ("origin_country", "origin_prefix", "dest_country", "dest_prefix", "zone")
RATE_COLUMNS = ("service", "zone", "min_weight", "max_weight", "price")
REMOTE_COLUMNS = ("country", "prefix")
CENTROID_COLUMNS = ("country", "postal_prefix", "latitude", "longitude")
_MAX_EXPANSION = 100_000


def _country(row: CsvRow, name: str, file: str, sink: Sink) -> str | None:
    value = row.cells[name].upper()
    if value not in COUNTRIES:
        sink.add(file, name, "is not an ISO 3166 country code", row.cells[name], row.line)
        return None
    return value


def _prefix(row: CsvRow, name: str, file: str, sink: Sink) -> PrefixRange | None:
    parsed = parse_range(row.cells[name])
    if isinstance(parsed, str):
        sink.add(file, name, parsed, row.cells[name], row.line)
        return None
    return parsed


def read_zones(path: Path, file: str, sink: Sink) -> list[ZoneRow]:
    rows = read_csv(path, file, ZONE_COLUMNS, sink) or []
    out: list[ZoneRow] = []
    for row in rows:
        oc, dc = _country(row, "origin_country", file, sink), _country(row, "dest_country",
                                                                        file, sink)
        op, dp = _prefix(row, "origin_prefix", file, sink), _prefix(row, "dest_prefix", file,
                                                                    sink)
        zone = row.cells["zone"]
        if not zone:
            sink.add(file, "zone", "is empty", None, row.line)
        if oc and dc and op and dp and zone:
            out.append(ZoneRow(oc, op, dc, dp, zone, row.line))
    _check_overlaps(out, file, sink)
    return out


def _check_overlaps(rows: list[ZoneRow], file: str, sink: Sink) -> None:
    by_pair: dict[tuple[str, str], list[ZoneRow]] = defaultdict(list)
    for row in rows:
        by_pair[(row.origin_country, row.dest_country)].append(row)
    for group in by_pair.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.overlaps(b):
                    sink.add(file, "dest_prefix", f"overlaps line {a.line} ({a.origin_country} "
                             f"{a.origin} → {a.dest_country} {a.dest}, zone {a.zone})",
                             str(b.dest), b.line)


@dataclass(frozen=True, slots=True)
class RateRow:
    service: str
    zone: str
    low: int  # milli-units, exclusive
    high: int  # milli-units, inclusive
    price: int | None  # minor units; None when the cell is bad (already reported)
    line: int


def read_rates(path: Path, file: str, currency: str, sink: Sink) -> list[RateRow]:
    out: list[RateRow] = []
    for row in read_csv(path, file, RATE_COLUMNS, sink) or []:
        low = _weight(row, "min_weight", file, sink, allow_zero=True)
        high = _weight(row, "max_weight", file, sink, allow_zero=False)
        price = _price(row, currency, file, sink)
        service, zone = row.cells["service"], row.cells["zone"]
        for name, value in (("service", service), ("zone", zone)):
            if not value:
                sink.add(file, name, "is empty", None, row.line)
        if low is not None and high is not None and low >= high:
            sink.add(file, "max_weight", f"must be above min_weight {row.cells['min_weight']}",
                     row.cells["max_weight"], row.line)
        elif low is not None and high is not None and service and zone:
            out.append(RateRow(service, zone, low, high, price, row.line))
    return out


def _weight(row: CsvRow, name: str, file: str, sink: Sink, *, allow_zero: bool) -> int | None:
    text = row.cells[name]
    value = parse_decimal(text)
    milli = to_milli(value) if value is not None else None
    if value is None or milli is None:
        sink.add(file, name, "must be a number with at most 3 decimals", text, row.line)
        return None
    if milli < 0 or (milli == 0 and not allow_zero):
        sink.add(file, name, "must be positive" if not allow_zero else "must not be negative",
                 text, row.line)
        return None
    return milli


def _price(row: CsvRow, currency: str, file: str, sink: Sink) -> int | None:
    text = row.cells["price"]
    try:
        minor = to_minor(text, currency, field="price")
    except ValidationFailed as exc:
        sink.add(file, "price", exc.problems[0].message if exc.problems else exc.message,
                 text, row.line)
        return None
    if minor < 0:
        sink.add(file, "price", "must not be negative", text, row.line)
        return None
    return minor


def build_breaks(rows: list[RateRow], file: str, currency: str,
                 sink: Sink) -> dict[tuple[str, str], WeightBreaks]:
    """Weight breaks per (service, zone), reporting gaps, overlaps and cheaper heavier breaks
    (a table with any of them is reported and never used: its card is not built)."""
    grouped: dict[tuple[str, str], list[RateRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.service, row.zone)].append(row)
    out: dict[tuple[str, str], WeightBreaks] = {}
    for key, group in grouped.items():
        group.sort(key=lambda r: (r.low, r.high))
        _check_sequence(group, file, currency, sink)
        out[key] = WeightBreaks(tuple(r.high for r in group),
                                tuple(r.price or 0 for r in group))
    return out


def _check_sequence(group: list[RateRow], file: str, currency: str, sink: Sink) -> None:
    first = group[0]
    if first.low != 0:
        sink.add(file, "min_weight", f"the first weight break of {first.service} zone "
                 f"{first.zone} must start at 0", format_milli(first.low), first.line)
    for prev, row in pairwise(group):
        where = f"{row.service} zone {row.zone}"
        if row.low > prev.high:
            sink.add(file, "min_weight", f"gap in {where}: weights above "
                     f"{format_milli(prev.high)} (line {prev.line}) up to "
                     f"{format_milli(row.low)} have no price", format_milli(row.low), row.line)
        elif row.low < prev.high:
            sink.add(file, "min_weight", f"overlaps line {prev.line} in {where} "
                     f"({format_milli(prev.low)}–{format_milli(prev.high)})",
                     format_milli(row.low), row.line)
        elif row.price is not None and prev.price is not None and row.price < prev.price:
            sink.add(file, "price", f"is lower than {Money(prev.price, currency)} for the "
                     f"lighter break on line {prev.line} in {where}",
                     str(Money(row.price, currency).amount), row.line)


def read_remote(path: Path, file: str, sink: Sink) -> PrefixSet:
    by_country: dict[str, set[str]] = defaultdict(set)
    for row in read_csv(path, file, REMOTE_COLUMNS, sink) or []:
        country = _country(row, "country", file, sink)
        prefix = _prefix(row, "prefix", file, sink)
        if country is None or prefix is None:
            continue
        expanded = _expand(prefix)
        if isinstance(expanded, str):
            sink.add(file, "prefix", expanded, row.cells["prefix"], row.line)
            continue
        by_country[country].update(expanded)
    lengths = sorted({len(p) for values in by_country.values() for p in values})
    return PrefixSet({c: frozenset(v) for c, v in by_country.items()}, tuple(lengths))


def _expand(prefix: PrefixRange) -> list[str] | str:
    """The prefixes a cell covers, or why it cannot be expanded."""
    if prefix.low == prefix.high:
        return [prefix.low]
    if not (prefix.low.isdigit() and prefix.high.isdigit()):
        return "a range of remote-area prefixes must be digits (995-999)"
    low, high, width = int(prefix.low), int(prefix.high), prefix.length
    if high - low >= _MAX_EXPANSION:
        return f"a range may cover at most {_MAX_EXPANSION:,} prefixes"
    return [str(n).zfill(width) for n in range(low, high + 1)]


def read_centroids(path: Path, file: str,
                   sink: Sink) -> dict[tuple[str, str], tuple[float, float]]:
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for row in read_csv(path, file, CENTROID_COLUMNS, sink) or []:
        country = _country(row, "country", file, sink)
        prefix = row.cells["postal_prefix"].upper().replace(" ", "").replace("-", "")
        point = []
        for name, limit in (("latitude", 90), ("longitude", 180)):
            value = parse_decimal(row.cells[name])
            if value is None or not -limit <= value <= limit:
                sink.add(file, name, f"must be a number between -{limit} and {limit}",
                         row.cells[name], row.line)
            else:
                point.append(float(value))
        if not prefix:
            sink.add(file, "postal_prefix", "is empty", None, row.line)
        elif country and len(point) == 2:
            out[(country, prefix)] = (point[0], point[1])
    return out
