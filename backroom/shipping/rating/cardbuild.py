"""One carrier directory (``carrier.yaml`` + CSV tables) → a validated ``RateCard``.

Every problem found is added to the ``Sink`` with file, line, field and value; a carrier with
any problem yields no card, so a half-valid rate card is never used for a price.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from backroom.core.errors import ValidationFailed
from backroom.core.money import to_minor
from backroom.shipping.rating.address import COUNTRIES
from backroom.shipping.rating.cardtables import (
    RateRow,
    build_breaks,
    read_centroids,
    read_rates,
    read_remote,
    read_zones,
)
from backroom.shipping.rating.model import (
    Calendar,
    DimRule,
    Handling,
    Limits,
    Oversize,
    PrefixSet,
    RateCard,
    Service,
    Surcharges,
    WeightBreaks,
    ZoneSource,
)
from backroom.shipping.rating.schema import (
    CarrierIn,
    LimitsIn,
    ServiceIn,
    SurchargesIn,
    weekday_numbers,
)
from backroom.shipping.rating.sourcefiles import Sink, YamlDoc, read_yaml, to_milli
from backroom.shipping.rating.zones import Band, DistanceZones, PrefixZones

CARRIER_FILE = "carrier.yaml"


class _Conv:
    """Converts YAML decimals to minor units and milli-units, reporting bad ones by line."""

    def __init__(self, doc: YamlDoc, sink: Sink, currency: str) -> None:
        self.doc, self.sink, self.currency = doc, sink, currency

    def problem(self, path: tuple[str | int, ...], message: str, value: Any = None) -> None:
        self.sink.add(self.doc.file, YamlDoc.field_name(path), message, value,
                      self.doc.line(path))

    def money(self, value: Decimal | None, path: tuple[str | int, ...]) -> int:
        if value is None:
            return 0
        try:
            return to_minor(value, self.currency)
        except ValidationFailed:
            self.problem(path, f"has more decimals than {self.currency} allows", str(value))
            return 0

    def milli(self, value: Decimal | None, path: tuple[str | int, ...]) -> int | None:
        if value is None:
            return None
        out = to_milli(value)
        if out is None:
            self.problem(path, "must have at most 3 decimals", str(value))
        return out


def load_carrier(folder: Path, rel: str, sink: Sink) -> RateCard | None:
    """The card in ``folder`` (``rel`` is its name in messages), or None if it has problems."""
    before = len(sink.problems)
    doc = read_yaml(folder / CARRIER_FILE, f"{rel}/{CARRIER_FILE}", sink)
    cfg = _schema(doc, sink) if doc is not None else None
    if doc is None or cfg is None:
        _scan_tables(folder, rel, doc.data if doc is not None else {}, sink)
        return None
    conv = _Conv(doc, sink, cfg.currency)
    zones = _zone_source(cfg, folder, rel, conv)
    remote = (read_remote(folder / cfg.remote_areas, f"{rel}/{cfg.remote_areas}", sink)
              if cfg.remote_areas else PrefixSet())
    rates_file = f"{rel}/{cfg.rates}"
    rows = read_rates(folder / cfg.rates, rates_file, cfg.currency, sink)
    breaks = build_breaks(rows, rates_file, cfg.currency, sink)
    names = zones.zone_names() if zones is not None else frozenset()
    _check_rate_refs(rows, cfg, names, rates_file, sink)
    services = tuple(_service(cfg, i, breaks, names, rates_file, conv)
                     for i in range(len(cfg.services)))
    _check_unique_services(cfg, conv)
    if zones is None or len(sink.problems) > before:
        return None
    increment = conv.milli(cfg.dim_weight.weight_increment, ("dim_weight", "weight_increment"))
    dim = DimRule(cfg.dim_weight.divisor, cfg.dim_weight.round_dimensions, increment or 1000,
                  cfg.dim_weight.min_volume)
    return RateCard(cfg.code, cfg.name, cfg.account, cfg.currency, cfg.units, dim, services,
                    zones, remote, str(folder))


def _scan_tables(folder: Path, rel: str, raw: Any, sink: Sink) -> None:
    """When ``carrier.yaml`` is unusable, still check the CSV tables on their own (gaps,
    overlaps, bad cells), so one run reports every problem of the directory."""
    raw = raw if isinstance(raw, dict) else {}
    currency = raw.get("currency")
    currency = currency if isinstance(currency, str) and len(currency) == 3 else "USD"
    zones = raw.get("zones") if isinstance(raw.get("zones"), dict) else {}
    names = {"rates": raw.get("rates") or "rates.csv", "remote": raw.get("remote_areas"),
             "zones": zones.get("file") or "zones.csv"}
    names = {k: v for k, v in names.items() if isinstance(v, str) and (folder / v).is_file()}
    if "rates" in names:
        rates = f"{rel}/{names['rates']}"
        build_breaks(read_rates(folder / names["rates"], rates, currency, sink), rates,
                     currency, sink)
    if "zones" in names and zones.get("by", "postal_prefix") == "postal_prefix":
        read_zones(folder / names["zones"], f"{rel}/{names['zones']}", sink)
    if "remote" in names:
        read_remote(folder / names["remote"], f"{rel}/{names['remote']}", sink)


def _schema(doc: YamlDoc, sink: Sink) -> CarrierIn | None:
    try:
        return CarrierIn.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            value = err.get("input")
            scalar = value if isinstance(value, str | int | float) else None
            sink.add(doc.file, YamlDoc.field_name(loc) or "document", err["msg"], scalar,
                     doc.line(loc))
        return None


def _zone_source(cfg: CarrierIn, folder: Path, rel: str, conv: _Conv) -> ZoneSource | None:
    spec = cfg.zones
    if spec.by == "postal_prefix":
        name = spec.file or "zones.csv"
        rows = read_zones(folder / name, f"{rel}/{name}", conv.sink)
        if not rows:
            conv.problem(("zones", "file"), f"{rel}/{name} has no usable zone rows", name)
            return None
        return PrefixZones(rows)
    if not spec.bands:
        conv.problem(("zones", "bands"), "distance zones need at least one band")
        return None
    bands, countries = _bands(cfg, conv), _countries(cfg, conv)
    centroids = (read_centroids(folder / spec.centroids, f"{rel}/{spec.centroids}", conv.sink)
                 if spec.centroids else {})
    return DistanceZones(bands, countries, centroids, float(spec.road_factor))


def _bands(cfg: CarrierIn, conv: _Conv) -> list[Band]:
    bands: list[Band] = []
    seen: set[str] = set()
    for i, band in enumerate(cfg.zones.bands or []):
        if band.zone in seen:
            conv.problem(("zones", "bands", i, "zone"), "is given twice", band.zone)
        if bands and float(band.max_km) <= bands[-1].max_km:
            conv.problem(("zones", "bands", i, "max_km"), "bands must grow: each max_km above "
                         "the one before", str(band.max_km))
        seen.add(band.zone)
        bands.append(Band(band.zone, float(band.max_km)))
    return bands


def _countries(cfg: CarrierIn, conv: _Conv) -> frozenset[str]:
    countries = [c.upper() for c in cfg.zones.countries or []]
    if not countries:
        conv.problem(("zones", "countries"), "distance zones must list the countries served")
    for i, country in enumerate(countries):
        if country not in COUNTRIES:
            conv.problem(("zones", "countries", i), "is not an ISO 3166 country code", country)
    return frozenset(countries)


def _check_rate_refs(rows: list[RateRow], cfg: CarrierIn, zones: frozenset[str], file: str,
                     sink: Sink) -> None:
    services = {s.code for s in cfg.services}
    for row in rows:
        if row.service not in services:
            sink.add(file, "service", f"is not a service of {CARRIER_FILE} (one of "
                     f"{', '.join(sorted(services))})", row.service, row.line)
        if zones and row.zone not in zones:
            sink.add(file, "zone", f"is not a zone of the zone chart (one of "
                     f"{', '.join(sorted(zones))})", row.zone, row.line)


def _check_unique_services(cfg: CarrierIn, conv: _Conv) -> None:
    seen: set[str] = set()
    for i, service in enumerate(cfg.services):
        if service.code in seen:
            conv.problem(("services", i, "code"), "is given twice", service.code)
        seen.add(service.code)


def _service(cfg: CarrierIn, i: int, breaks: dict[tuple[str, str], WeightBreaks],
             zones: frozenset[str], rates_file: str, conv: _Conv) -> Service:
    spec = cfg.services[i]
    at: tuple[str | int, ...] = ("services", i)
    served = _served_zones(spec, zones, at, conv)
    has_rates = any(key[0] == spec.code for key in breaks)
    for zone, days in spec.transit_days.items():
        if zones and zone not in zones:
            conv.problem((*at, "transit_days", zone), "is not a zone of the zone chart", days)
    if not has_rates:
        conv.problem((*at, "code"), f"service {spec.code} has no rates in {rates_file}",
                     spec.code)
    for zone in sorted(served):
        if has_rates and (spec.code, zone) not in breaks:
            conv.problem((*at, "code"), f"service {spec.code} has no rates for zone {zone} "
                         f"in {rates_file}", spec.code)
        if zone not in spec.transit_days:
            conv.problem((*at, "transit_days"), f"no transit days for zone {zone}")
    return Service(spec.code, spec.name,
                   {z: d for z, d in spec.transit_days.items() if z in served},
                   {z: b for (s, z), b in breaks.items() if s == spec.code and z in served},
                   _limits(cfg.limits, spec.limits, at, conv),
                   _surcharges(cfg.surcharges, spec.surcharges, at, conv),
                   _calendar(cfg, spec))


def _served_zones(spec: ServiceIn, zones: frozenset[str], at: tuple[str | int, ...],
                  conv: _Conv) -> frozenset[str]:
    if spec.zones is None:
        return zones
    for j, zone in enumerate(spec.zones):
        if zone not in zones:
            conv.problem((*at, "zones", j), "is not a zone of the zone chart", zone)
    return frozenset(spec.zones) & zones


def _limits(card: LimitsIn, own: LimitsIn | None, at: tuple[str | int, ...],
            conv: _Conv) -> Limits:
    def pick(name: str) -> tuple[Decimal | None, tuple[str | int, ...]]:
        value = getattr(own, name) if own is not None else None
        if value is not None:
            return value, (*at, "limits", name)
        return getattr(card, name), ("limits", name)

    return Limits(*(conv.milli(*pick(n)) for n in ("max_weight", "max_length",
                                                   "max_length_plus_girth")))


def _surcharges(card: SurchargesIn, own: SurchargesIn | None, at: tuple[str | int, ...],
                conv: _Conv) -> Surcharges:
    def pick(name: str) -> tuple[Any, tuple[str | int, ...]]:
        value = getattr(own, name) if own is not None else None
        if value is not None:
            return value, (*at, "surcharges", name)
        return getattr(card, name), ("surcharges", name)

    handling, h_at = pick("additional_handling")
    oversize, o_at = pick("oversize")
    fuel, _ = pick("fuel_percent")
    return Surcharges(
        fuel_percent=fuel if fuel is not None else Decimal(0),
        residential=conv.money(*pick("residential")),
        remote_area=conv.money(*pick("remote_area")),
        handling=None if handling is None else Handling(
            conv.money(handling.amount, (*h_at, "amount")),
            conv.milli(handling.longest_side, (*h_at, "longest_side")),
            conv.milli(handling.second_side, (*h_at, "second_side")),
            conv.milli(handling.weight, (*h_at, "weight"))),
        oversize=None if oversize is None else Oversize(
            conv.money(oversize.amount, (*o_at, "amount")),
            conv.milli(oversize.longest_side, (*o_at, "longest_side")),
            conv.milli(oversize.length_plus_girth, (*o_at, "length_plus_girth")),
            conv.milli(oversize.min_billable_weight, (*o_at, "min_billable_weight")) or 0))


def _calendar(cfg: CarrierIn, spec: ServiceIn) -> Calendar:
    base = Calendar(ZoneInfo(cfg.timezone), cfg.pickup.cutoff, weekday_numbers(cfg.pickup.days),
                    weekday_numbers(cfg.delivery_days), frozenset(cfg.holidays))
    if spec.pickup_cutoff is not None:
        base = replace(base, cutoff=spec.pickup_cutoff)
    if spec.delivery_days is not None:
        base = replace(base, delivery_days=weekday_numbers(spec.delivery_days))
    return base
