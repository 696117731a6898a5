"""Ship-to addresses: normalised (trimmed, ISO country, postal code in its usual form) and
checked for the shape of country and postal code, with the rules the shipping area rates by.

A channel order with a bad address is still imported, but on an ``address_problem`` hold whose
reason lists what is wrong; an update that brings a good address lifts that hold.
"""

from __future__ import annotations

import re
from dataclasses import replace

from backroom.orders.drafts import AddressDraft
from backroom.shipping.rating.address import COUNTRIES, POSTAL_PATTERNS, canonical_postal

LIMITS = {"name": 100, "company": 100, "line1": 200, "line2": 200, "city": 100, "region": 100,
          "postal_code": 20, "country": 2, "phone": 40}
# Country names channels sometimes send instead of codes.
_COUNTRY_NAMES = {"UNITED STATES": "US", "UNITED STATES OF AMERICA": "US", "USA": "US",
                  "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB", "UK": "GB", "GERMANY": "DE",
                  "DEUTSCHLAND": "DE", "FRANCE": "FR", "CANADA": "CA", "NETHERLANDS": "NL",
                  "AUSTRALIA": "AU", "SPAIN": "ES", "ITALY": "IT", "AUSTRIA": "AT"}


def _display_postal(country: str, key: str) -> str:
    """The canonical key (no spaces or dashes) written the way the country writes it."""
    if country == "US" and len(key) == 9:
        return f"{key[:5]}-{key[5:]}"
    if country in ("CA", "GB", "IE") and len(key) > 4:
        return f"{key[:-3]} {key[-3:]}" if country != "IE" else f"{key[:3]} {key[3:]}"
    if country == "NL" and len(key) == 6:
        return f"{key[:4]} {key[4:]}"
    if country in ("PT", "JP") and len(key) == 7:
        cut = 4 if country == "PT" else 3
        return f"{key[:cut]}-{key[cut:]}"
    return key


def normalise(address: AddressDraft | None) -> tuple[AddressDraft, list[str]]:
    """The address cleaned up, and what is wrong with it (empty if it can be shipped to)."""
    if address is None:
        return AddressDraft(), ["the order has no shipping address"]
    texts = {name: " ".join(str(getattr(address, name) or "").split()) for name in LIMITS}
    issues: list[str] = []
    for name in ("name", "line1", "city"):
        if not texts[name]:
            issues.append(f"ship_to.{name} is missing")
    country = texts["country"].upper()
    country = _COUNTRY_NAMES.get(country, country)
    postal = texts["postal_code"]
    if country not in COUNTRIES:
        issues.append(f"ship_to.country {texts['country']!r} is not an ISO 3166 country code "
                      "(e.g. US, DE)" if texts["country"] else "ship_to.country is missing")
        country = country[:2] if re.fullmatch(r"[A-Z]{2}", country) else ""
    else:
        key = canonical_postal(country, postal)
        if key is None:
            shape = POSTAL_PATTERNS.get(country, ("", "2-10 letters and digits"))[1]
            issues.append(f"ship_to.postal_code {postal!r} is not a postal code of {country} "
                          f"(expected {shape})")
        elif not key and country in POSTAL_PATTERNS:
            issues.append(f"ship_to.postal_code is required for {country}")
        else:
            postal = _display_postal(country, key)
    cut = {name: value[:LIMITS[name]] for name, value in texts.items()}
    issues += [f"ship_to.{name} is longer than {LIMITS[name]} characters"
               for name, value in texts.items() if len(value) > LIMITS[name] and name != "country"]
    return replace(AddressDraft(**cut), country=country, postal_code=postal[:20]), issues


def hold_reason(issues: list[str]) -> str:
    return "; ".join(issues)[:500]
