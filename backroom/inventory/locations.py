"""Use cases for warehouses and their locations: create a warehouse, lay out bins, retire a bin.

Each use case is one transaction on the unit of work: lock → load → compute → persist → record
events. Virtual locations (supplier, customer, transit, loss, returns) come from the first
migration and are never created or retired here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, ProblemCollector, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.inventory import layout as bins_layout
from backroom.inventory.location_queries import get_location, get_warehouse
from backroom.inventory.model import STANDARD_LOCATIONS, VIRTUAL_CODES, LocationKind
from backroom.inventory.tables import LEVELS, LOCATIONS, WAREHOUSES

WAREHOUSE_CODE = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{0,14}[A-Z0-9])?")

# ISO 3166-1 alpha-2, plus XK (Kosovo), which carriers use.
_COUNTRY_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
COUNTRIES = frozenset(_COUNTRY_CODES.split())

# Postal code shapes of the countries most shops ship from; others get a generic check.
_CA_LETTER = "[ABCEGHJ-NPRSTV-Z]"
POSTAL_CODES: dict[str, tuple[re.Pattern[str], str]] = {
    "US": (re.compile(r"\d{5}(-\d{4})?"), "5 digits or ZIP+4 (12345 or 12345-6789)"),
    "CA": (re.compile(rf"[ABCEGHJ-NPRSTVXY]\d{_CA_LETTER} \d{_CA_LETTER}\d"), "A1A 1A1"),
    "GB": (re.compile(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}"), "e.g. SW1A 1AA"),
    "DE": (re.compile(r"\d{5}"), "5 digits"),
    "FR": (re.compile(r"\d{5}"), "5 digits"),
    "NL": (re.compile(r"[1-9]\d{3} [A-Z]{2}"), "4 digits and 2 letters (1234 AB)"),
    "AU": (re.compile(r"\d{4}"), "4 digits"),
}
_SPACED_BEFORE_LAST_3 = {"CA", "GB"}
_GENERIC_POSTAL = re.compile(r"[A-Z0-9][A-Z0-9 -]{0,18}[A-Z0-9]|[A-Z0-9]")


@dataclass(frozen=True, slots=True)
class WarehouseSpec:
    code: str
    name: str
    postal_code: str
    country: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    region: str = ""
    latitude: float | None = None
    longitude: float | None = None


def normalize_postal_code(country: str, postal_code: str) -> str:
    """Upper-case with single spaces; CA/GB/NL get their usual space if it was left out."""
    value = " ".join(postal_code.upper().split())
    if country in _SPACED_BEFORE_LAST_3 and " " not in value and len(value) > 3:
        value = f"{value[:-3]} {value[-3:]}"
    if country == "NL" and re.fullmatch(r"\d{4}[A-Z]{2}", value):
        value = f"{value[:4]} {value[4:]}"
    return value


def validate_warehouse(spec: WarehouseSpec) -> WarehouseSpec:
    """The spec normalized (upper-cased codes, trimmed text), or every problem with it."""
    problems = ProblemCollector()
    code = spec.code.strip().upper()
    if not WAREHOUSE_CODE.fullmatch(code):
        problems.add("code", "must be 1-16 upper-case letters, digits or '-' "
                             "(not starting or ending with '-')", spec.code)
    elif code in VIRTUAL_CODES.values():
        problems.add("code", "is reserved for a virtual location", spec.code)
    country = spec.country.strip().upper()
    if country not in COUNTRIES:
        problems.add("country", "must be an ISO 3166-1 alpha-2 code such as US, DE or GB",
                     spec.country)
    postal = normalize_postal_code(country, spec.postal_code)
    _check_postal_code(country, postal, spec.postal_code, problems)
    texts = {name: getattr(spec, name).strip() for name in
             ("name", "address_line1", "address_line2", "city", "region")}
    if not texts["name"]:
        problems.add("name", "is required")
    for name, limit in (("name", 255), ("address_line1", 255), ("address_line2", 255),
                        ("city", 100), ("region", 100)):
        if len(texts[name]) > limit:
            problems.add(name, f"must be at most {limit} characters", texts[name][:40] + "…")
    _check_coordinates(spec.latitude, spec.longitude, problems)
    problems.raise_if_any()
    return replace(spec, code=code, country=country, postal_code=postal, **texts)


def _check_postal_code(country: str, postal: str, given: str, problems: ProblemCollector) -> None:
    if not postal:
        problems.add("postal_code", "is required", given)
        return
    shape = POSTAL_CODES.get(country)
    if shape is not None and not shape[0].fullmatch(postal):
        problems.add("postal_code", f"is not a {country} postal code: {shape[1]}", given)
    elif shape is None and not _GENERIC_POSTAL.fullmatch(postal):
        problems.add("postal_code", "must be 1-20 letters, digits, spaces or '-'", given)


def _check_coordinates(lat: float | None, lon: float | None, problems: ProblemCollector) -> None:
    if (lat is None) != (lon is None):
        problems.add("latitude" if lat is None else "longitude",
                     "latitude and longitude go together: give both or neither")
    for name, value, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        if value is not None and not (math.isfinite(value) and -limit <= value <= limit):
            problems.add(name, f"must be between -{limit} and {limit}", value)


def create_warehouse(uow: UnitOfWork, spec: WarehouseSpec) -> dict[str, Any]:
    """Create a warehouse with its input, pack, output and quarantine locations."""
    spec = validate_warehouse(spec)
    with uow.transaction() as conn:
        w = WAREHOUSES.c
        if conn.execute(select(w.id).where(w.code == spec.code)).first() is not None:
            raise Conflict(f"warehouse {spec.code} already exists", data={"warehouse": spec.code})
        values = {name: getattr(spec, name) for name in WarehouseSpec.__dataclass_fields__}
        try:
            wh_id = conn.execute(insert(WAREHOUSES).values(**values, active=True,
                                                           created_at=clock.now())
                                 .returning(w.id)).scalar_one()
        except IntegrityError:  # a concurrent request created it first
            raise Conflict(f"warehouse {spec.code} already exists",
                           data={"warehouse": spec.code}) from None
        standard = [{"code": f"{spec.code}-{suffix}", "warehouse_id": wh_id, "kind": kind.value,
                     "physical": True, "name": f"{spec.name} {kind.value}", "zone": "",
                     "active": True} for kind, suffix in STANDARD_LOCATIONS.items()]
        conn.execute(insert(LOCATIONS), standard)
        record(conn, [DomainEvent("warehouse.created", {
            "code": spec.code, "name": spec.name, "country": spec.country,
            "postal_code": spec.postal_code,
            "locations": [row["code"] for row in standard]}, f"warehouse:{spec.code}")])
        return get_warehouse(conn, spec.code)


def _lock_warehouse(conn: Connection, code: str) -> int:
    """Lock the warehouse row (so layout changes to one warehouse run one at a time)."""
    w = WAREHOUSES.c
    row = conn.execute(select(w.id, w.active).where(w.code == code.strip().upper())
                       .with_for_update()).first()
    if row is None:
        raise NotFound(f"unknown warehouse {code!r}", data={"warehouse": code})
    if not row.active:
        raise Conflict(f"warehouse {code} is inactive", data={"warehouse": code})
    return int(row.id)


def _resolve_zone(spec_zone: str, zone: str) -> str:
    problems = ProblemCollector()
    option = bins_layout.normalize_zone(zone, problems)
    problems.raise_if_any()
    if spec_zone and option and spec_zone != option:
        raise ValidationFailed.single("zone", zone, f"differs from the spec's zone={spec_zone}")
    return spec_zone or option


def create_bins(uow: UnitOfWork, warehouse_code: str, spec: str, zone: str = "") -> dict[str, Any]:
    """Create the storage bins a layout spec describes; bins that already exist are kept as
    they are. Returns how many were created and how many existed."""
    layout = bins_layout.parse_layout(spec)
    bin_zone = _resolve_zone(layout.zone, zone)
    code = warehouse_code.strip().upper()
    with uow.transaction() as conn:
        wh_id = _lock_warehouse(conn, code)
        c = LOCATIONS.c
        existing = set(conn.execute(select(c.code).where(
            c.warehouse_id == wh_id, c.kind == LocationKind.STORAGE.value)).scalars())
        rows = [{"code": b.code(code), "warehouse_id": wh_id, "kind": LocationKind.STORAGE.value,
                 "physical": True, "name": "", "zone": bin_zone, "aisle": b.aisle, "bay": b.bay,
                 "level": b.level, "active": True}
                for b in layout.bins() if b.code(code) not in existing]
        if rows:
            conn.execute(insert(LOCATIONS), rows)  # executemany: one statement, many rows
        result = {"warehouse": code, "spec": spec, "zone": bin_zone, "requested": layout.count,
                  "created": len(rows), "existing": layout.count - len(rows)}
        if rows:
            record(conn, [DomainEvent("locations.bins_created", result, f"warehouse:{code}")])
        return result


def add_location(uow: UnitOfWork, warehouse_code: str, aisle: str, bay: int, level: int,
                 zone: str = "", name: str = "") -> dict[str, Any]:
    """Add one storage bin at (aisle, bay, level); refused if that bin already exists."""
    coord = bins_layout.parse_bin(aisle, bay, level)
    bin_zone = _resolve_zone("", zone)
    if len(name.strip()) > 255:
        raise ValidationFailed.single("name", name[:40] + "…", "must be at most 255 characters")
    code = warehouse_code.strip().upper()
    with uow.transaction() as conn:
        wh_id = _lock_warehouse(conn, code)
        bin_code = coord.code(code)
        c = LOCATIONS.c
        if conn.execute(select(c.id).where(c.code == bin_code)).first() is not None:
            raise Conflict(f"location {bin_code} already exists", data={"location": bin_code})
        conn.execute(insert(LOCATIONS).values(
            code=bin_code, warehouse_id=wh_id, kind=LocationKind.STORAGE.value, physical=True,
            name=name.strip(), zone=bin_zone, aisle=coord.aisle, bay=coord.bay,
            level=coord.level, active=True))
        record(conn, [DomainEvent("location.created", {"code": bin_code, "warehouse": code},
                                  f"location:{bin_code}")])
        return get_location(conn, bin_code)


def deactivate_location(uow: UnitOfWork, code: str) -> dict[str, Any]:
    """Retire a physical location so nothing new is put there; refused while it holds stock."""
    code = code.strip().upper()
    with uow.transaction() as conn:
        c = LOCATIONS.c
        row = conn.execute(select(c.id, c.physical, c.active).where(c.code == code)
                           .with_for_update()).first()
        if row is None:
            raise NotFound(f"unknown location {code!r}", data={"location": code})
        if not row.physical:
            raise Conflict(f"{code} is a virtual location and cannot be deactivated",
                           data={"location": code})
        lv = LEVELS.c
        held = conn.execute(select(func.count(), func.coalesce(func.sum(lv.on_hand), 0))
                            .where(lv.location_id == row.id, lv.on_hand != 0)).one()
        if held[0]:
            raise Conflict(f"location {code} still holds stock ({held[1]} units of "
                           f"{held[0]} SKU/lot); move it out first",
                           data={"location": code, "on_hand": int(held[1])})
        if row.active:
            conn.execute(update(LOCATIONS).where(c.id == row.id).values(active=False))
            record(conn, [DomainEvent("location.deactivated", {"code": code},
                                      f"location:{code}")])
        return get_location(conn, code)
