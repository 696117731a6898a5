"""Pure shipment domain: states and transitions, addresses, packages, tracking numbers,
tracking-event ordering and delay rules. No database, no HTTP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from backroom.core.errors import ProblemCollector
from backroom.inventory.locations import COUNTRIES, POSTAL_CODES, normalize_postal_code


class ShipmentState(StrEnum):
    DRAFT = "draft"  # created, no label yet
    PURCHASED = "purchased"  # label bought, carrier has not scanned it
    PRE_TRANSIT = "pre_transit"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"
    VOIDED = "voided"  # label cancelled (or draft cancelled); final


class TrackingStatus(StrEnum):
    PRE_TRANSIT = "pre_transit"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"

    @classmethod
    def parse(cls, text: str) -> TrackingStatus:
        """Accepts 'in transit', 'In-Transit', 'IN_TRANSIT' …; ``ValueError`` otherwise."""
        key = re.sub(r"[\s-]+", "_", text.strip().lower())
        return cls(key)


S = ShipmentState
_MOVING = (S.PRE_TRANSIT, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.EXCEPTION)
_FORWARD = {
    S.PURCHASED: {S.PRE_TRANSIT, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED, S.EXCEPTION,
                  S.RETURNED, S.VOIDED},
    S.PRE_TRANSIT: {S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED, S.EXCEPTION, S.RETURNED,
                    S.VOIDED},
    S.IN_TRANSIT: {S.OUT_FOR_DELIVERY, S.DELIVERED, S.EXCEPTION, S.RETURNED},
    S.OUT_FOR_DELIVERY: {S.IN_TRANSIT, S.DELIVERED, S.EXCEPTION, S.RETURNED},
    S.EXCEPTION: {S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED, S.RETURNED},
    S.DELIVERED: {S.RETURNED},  # delivered is final, except that a parcel can come back
    S.DRAFT: {S.PURCHASED, S.VOIDED},
}
TRANSITIONS: frozenset[tuple[ShipmentState, ShipmentState]] = frozenset(
    (current, target) for current, targets in _FORWARD.items() for target in targets)
FINAL_STATES = frozenset({S.VOIDED, S.RETURNED})
VOIDABLE_STATES = frozenset({S.DRAFT, S.PURCHASED, S.PRE_TRANSIT})
LABELLED_STATES = frozenset(set(ShipmentState) - {S.DRAFT, S.VOIDED})
TRACKED_STATES = frozenset({S.PURCHASED, *_MOVING})  # may still be delayed


def transition(current: ShipmentState, target: ShipmentState) -> ShipmentState:
    """The next state, or ``ValueError`` for a forbidden move."""
    if (current, target) not in TRANSITIONS:
        raise ValueError(f"a {current} shipment cannot become {target}")
    return target


def state_for(status: TrackingStatus) -> ShipmentState:
    return ShipmentState(status.value)


# ---------------------------------------------------------------------------------------------
# Addresses, packages, contents


_GENERIC_POSTAL = re.compile(r"[A-Z0-9][A-Z0-9 -]{0,18}[A-Z0-9]|[A-Z0-9]")
_TEXT_LIMITS = {"name": 100, "company": 100, "line1": 200, "line2": 200, "city": 100,
                "region": 100, "phone": 40, "email": 200}


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    company: str = ""
    line2: str = ""
    region: str = ""
    phone: str = ""
    email: str = ""
    residential: bool = True

    def lines(self) -> list[str]:
        """The address as printed on a label, one line each, empty lines left out."""
        city = " ".join(p for p in (self.city, self.region, self.postal_code) if p)
        out = [self.name, self.company, self.line1, self.line2, city, self.country]
        return [line for line in out if line]

    @classmethod
    def from_dict(cls, data: dict[str, Any], prefix: str, problems: ProblemCollector) -> Address:
        """Build from a mapping, collecting unknown keys and wrong types into ``problems``."""
        names = {f.name for f in fields(cls)}
        for key in data:
            if key not in names:
                problems.add(f"{prefix}.{key}", "is not an address field")
        values: dict[str, Any] = {}
        for name in names:
            value = data.get(name)
            if value is None:
                continue
            wanted = bool if name == "residential" else str
            if not isinstance(value, wanted):
                problems.add(f"{prefix}.{name}", f"must be a {wanted.__name__}", value)
            else:
                values[name] = value
        return cls(**{"name": "", "line1": "", "city": "", "postal_code": "", "country": "",
                      **values})


def validate_address(addr: Address, prefix: str, problems: ProblemCollector) -> Address:
    """The address normalized (trimmed, upper-case country and postal code); problems collected."""
    texts = {name: getattr(addr, name).strip() for name in _TEXT_LIMITS}
    for name in ("name", "line1", "city"):
        if not texts[name]:
            problems.add(f"{prefix}.{name}", "is required")
    for name, limit in _TEXT_LIMITS.items():
        if len(texts[name]) > limit:
            problems.add(f"{prefix}.{name}", f"must be at most {limit} characters",
                         texts[name][:40] + "…")
    country = addr.country.strip().upper()
    if country not in COUNTRIES:
        problems.add(f"{prefix}.country", "must be an ISO 3166-1 alpha-2 code such as US, DE "
                     "or GB", addr.country)
    postal = normalize_postal_code(country, addr.postal_code)
    shape = POSTAL_CODES.get(country)
    if not postal:
        problems.add(f"{prefix}.postal_code", "is required")
    elif shape is not None and not shape[0].fullmatch(postal):
        problems.add(f"{prefix}.postal_code", f"is not a {country} postal code: {shape[1]}",
                     addr.postal_code)
    elif shape is None and not _GENERIC_POSTAL.fullmatch(postal):
        problems.add(f"{prefix}.postal_code", "must be 1-20 letters, digits, spaces or '-'",
                     addr.postal_code)
    return replace(addr, country=country, postal_code=postal, **texts)


MAX_PACKAGES = 99
MAX_DIMENSION_MM = 3000
MAX_WEIGHT_G = 1_000_000


@dataclass(frozen=True, slots=True)
class Package:
    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int

    @property
    def volume_mm3(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm


def validate_packages(packages: list[Package], problems: ProblemCollector) -> None:
    if not packages:
        problems.add("packages", "at least one package is required")
    if len(packages) > MAX_PACKAGES:
        problems.add("packages", f"at most {MAX_PACKAGES} packages per shipment", len(packages))
    for i, pkg in enumerate(packages, start=1):
        for name in ("length_mm", "width_mm", "height_mm", "weight_g"):
            value = getattr(pkg, name)
            limit = MAX_WEIGHT_G if name == "weight_g" else MAX_DIMENSION_MM
            if isinstance(value, bool) or not isinstance(value, int):
                problems.add(f"packages[{i}].{name}", "must be a whole number", value)
            elif value <= 0:
                problems.add(f"packages[{i}].{name}", "must be positive", value)
            elif value > limit:
                problems.add(f"packages[{i}].{name}", f"must be at most {limit}", value)


@dataclass(frozen=True, slots=True)
class ContentLine:
    """One line of what is in the shipment, for the packing slip."""

    sku: str
    name: str
    qty: int


def validate_contents(lines: list[ContentLine], problems: ProblemCollector) -> None:
    for i, line in enumerate(lines, start=1):
        if not isinstance(line.sku, str) or not line.sku.strip():
            problems.add(f"contents[{i}].sku", "is required")
        if not isinstance(line.name, str):
            problems.add(f"contents[{i}].name", "must be text", line.name)
        if isinstance(line.qty, bool) or not isinstance(line.qty, int) or line.qty <= 0:
            problems.add(f"contents[{i}].qty", "must be a positive whole number", line.qty)


# ---------------------------------------------------------------------------------------------
# Tracking numbers


def luhn_check_digit(digits: str) -> int:
    """The mod-10 (Luhn) check digit to append to ``digits``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled: the rightmost digit before the check digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10


def tracking_number(prefix: str, shipment_id: int, package_no: int) -> str:
    """``prefix`` + 16 digits (14 of shipment id, 2 of package number) + a mod-10 check digit.

    Deterministic and unique per carrier prefix: the same shipment and package always get
    the same number, two shipments never share one.
    """
    if not 0 < shipment_id < 10**14 or not 0 < package_no <= MAX_PACKAGES:
        raise ValueError("shipment id or package number out of range")
    body = f"{shipment_id:014d}{package_no:02d}"
    return f"{prefix}{body}{luhn_check_digit(body)}"


def is_valid_tracking_number(prefix: str, number: str) -> bool:
    body = number.removeprefix(prefix)
    if not number.startswith(prefix) or len(body) != 17 or not body.isdigit():
        return False
    return luhn_check_digit(body[:-1]) == int(body[-1])


# ---------------------------------------------------------------------------------------------
# Business days and delays


def add_business_days(start: date, days: int) -> date:
    """``start`` plus ``days`` working days (Saturdays and Sundays skipped)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


class DelayReason(StrEnum):
    ESTIMATE_AFTER_PROMISE = "estimate_after_promise"
    NO_SCAN = "no_scan"
    DELIVERED_LATE = "delivered_late"


@dataclass(frozen=True, slots=True)
class DelayFacts:
    state: ShipmentState
    promised_date: date | None
    estimated_delivery: date | None
    last_scan_at: datetime | None  # the latest tracking event, or the label purchase
    delivered_on: date | None = None


def delay_reason(facts: DelayFacts, now: datetime, stale_days: int) -> DelayReason | None:
    """Why the shipment is late, or None. A promise only matters if one was made."""
    promised = facts.promised_date
    if facts.state is S.DELIVERED:
        if promised and facts.delivered_on and facts.delivered_on > promised:
            return DelayReason.DELIVERED_LATE
        return None
    if facts.state not in TRACKED_STATES:
        return None
    if promised and facts.estimated_delivery and facts.estimated_delivery > promised:
        return DelayReason.ESTIMATE_AFTER_PROMISE
    if facts.last_scan_at is not None and stale_days > 0:
        deadline = add_business_days(facts.last_scan_at.date(), stale_days)
        if now.date() > deadline:
            return DelayReason.NO_SCAN
    return None


# ---------------------------------------------------------------------------------------------
# Tracking events


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What one incoming tracking event does to its shipment."""

    new_state: ShipmentState | None  # None: stored, state unchanged
    is_latest: bool  # the newest event by event time (estimates follow it)
    reason: str = ""


def apply_event(current: ShipmentState, latest_at: datetime | None, status: TrackingStatus,
                occurred_at: datetime) -> EventOutcome:
    """Events are ordered by their own time, not arrival: an older event arriving late is kept
    but never moves the state back; a newer one moves it if the move is allowed."""
    if latest_at is not None and occurred_at < latest_at:
        return EventOutcome(None, False, "older than the latest event")
    target = state_for(status)
    if target == current:
        return EventOutcome(None, True, "same state")
    if (current, target) not in TRANSITIONS:
        return EventOutcome(None, True, f"a {current} shipment cannot become {target}")
    return EventOutcome(target, True)
