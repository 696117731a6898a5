"""Checking what a caller asks to rate: countries, postal codes, coordinates and packages.

Every problem is collected (``ProblemCollector``) and raised at once, each naming its field,
e.g. ``destination.postal_code``, ``packages[1].weight_g``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from backroom.core.errors import ProblemCollector
from backroom.shipping.rating.model import Address, Package, normalize_postal
from backroom.shipping.rating.quote import Shipment

COUNTRIES = frozenset({
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
})

_D4, _D5, _D6, _D7 = r"\d{4}", r"\d{5}", r"\d{6}", r"\d{7}"
# Postal code shapes after upper-casing and removing spaces and dashes.
POSTAL_PATTERNS: dict[str, tuple[str, str]] = {
    "US": (r"\d{5}(\d{4})?", "5 digits or ZIP+4 (94107 or 94107-1234)"),
    "CA": (r"[A-Z]\d[A-Z]\d[A-Z]\d", "A1A 1A1"),
    "GB": (r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}", "a UK postcode such as SW1A 1AA"),
    "NL": (r"\d{4}[A-Z]{2}", "4 digits and 2 letters (1011 AB)"),
    "IE": (r"[A-Z]\d[\dW][A-Z\d]{4}", "an Eircode such as D02 X285"),
    "MT": (r"[A-Z]{3}\d{4}", "3 letters and 4 digits (VLT 1117)"),
    "PT": (_D7, "7 digits (1000-001)"),
    "JP": (_D7, "7 digits (100-0001)"),
    "RO": (_D6, "6 digits"),
    "IN": (_D6, "6 digits"),
    **{c: (_D5, "5 digits") for c in ("DE", "FR", "IT", "ES", "FI", "SE", "GR", "HR", "EE", "LT",
                                      "CZ", "SK", "PL", "MX", "MC")},
    **{c: (_D4, "4 digits") for c in ("AT", "BE", "BG", "CH", "CY", "DK", "HU", "LU", "NO", "SI",
                                      "LV", "AU", "NZ", "ZA", "LI")},
}
_COMPILED = {c: re.compile(p) for c, (p, _) in POSTAL_PATTERNS.items()}
_GENERIC = re.compile(r"[A-Z0-9]{2,10}")
MAX_PACKAGES = 500
SIDE_MM_MAX = 100_000
WEIGHT_G_MAX = 100_000_000


def canonical_postal(country: str, code: str) -> str | None:
    """The postal code as zone tables compare it, or None if it cannot be one for ``country``."""
    key = normalize_postal(code)
    pattern = _COMPILED.get(country)
    if pattern is None:
        return key if not key or _GENERIC.fullmatch(key) else None
    if pattern.fullmatch(key):
        return key
    if key.startswith(country) and pattern.fullmatch(key[len(country):]):
        return key[len(country):]  # "LV-1010", "LT-01100"
    return None


def check_address(address: Address, where: str, problems: ProblemCollector) -> Address:
    """``address`` with country upper-cased and postal code canonical; problems recorded."""
    country = address.country.strip().upper()
    if country not in COUNTRIES:
        problems.add(f"{where}.country", "is not an ISO 3166 country code (e.g. US, DE)",
                     address.country)
        return address
    postal = canonical_postal(country, address.postal_code)
    if postal is None:
        shape = POSTAL_PATTERNS.get(country, ("", "2-10 letters and digits"))[1]
        problems.add(f"{where}.postal_code", f"is not a postal code of {country}: expected "
                     f"{shape}", address.postal_code)
    elif not postal and country in POSTAL_PATTERNS:
        problems.add(f"{where}.postal_code", f"is required for {country}", address.postal_code)
    _check_coordinates(address, where, problems)
    return Address(country, postal or address.postal_code, address.residential,
                   address.latitude, address.longitude)


def _check_coordinates(address: Address, where: str, problems: ProblemCollector) -> None:
    lat, lon = address.latitude, address.longitude
    if (lat is None) != (lon is None):
        problems.add(f"{where}.latitude", "latitude and longitude go together: give both or "
                     "neither", lat if lat is not None else lon)
    if lat is not None and not -90 <= lat <= 90:
        problems.add(f"{where}.latitude", "must be between -90 and 90", lat)
    if lon is not None and not -180 <= lon <= 180:
        problems.add(f"{where}.longitude", "must be between -180 and 180", lon)


def check_packages(packages: Sequence[Package], problems: ProblemCollector) -> None:
    if not packages:
        problems.add("packages", "at least one package is needed")
    elif len(packages) > MAX_PACKAGES:
        problems.add("packages", f"at most {MAX_PACKAGES} packages per shipment", len(packages))
    for i, package in enumerate(packages[:MAX_PACKAGES]):
        for name in ("length_mm", "width_mm", "height_mm", "weight_g"):
            value = getattr(package, name)
            limit = WEIGHT_G_MAX if name == "weight_g" else SIDE_MM_MAX
            if value <= 0:
                problems.add(f"packages[{i}].{name}", "must be positive", value)
            elif value > limit:
                problems.add(f"packages[{i}].{name}", f"must be at most {limit:,}", value)


def checked_shipment(origin: Address, destination: Address, packages: Sequence[Package],
                     ready_at: datetime, promise: date | None = None) -> Shipment:
    """A ``Shipment`` from caller input, or ``ValidationFailed`` listing every problem."""
    problems = ProblemCollector()
    origin = check_address(origin, "origin", problems)
    destination = check_address(destination, "destination", problems)
    check_packages(packages, problems)
    if ready_at.tzinfo is None:
        problems.add("ready_at", "must include a time zone (e.g. 2026-11-27T15:00:00Z)",
                     ready_at.isoformat())
    if promise is not None and promise < ready_at.date():
        problems.add("promise", f"is before the parcels are ready ({ready_at.date()})", promise)
    problems.raise_if_any()
    return Shipment(origin, destination, tuple(packages), ready_at, promise)
