"""Pure rating domain: addresses, packages, rate cards and quotes. No database, no HTTP.

Units inside a rate card follow the carrier: ``imperial`` (inches, pounds) or ``metric``
(centimetres, kilograms). Weights are kept as integers in thousandths of the carrier's weight
unit ("milli-units": 1 lb = 1000, 0.5 kg = 500) so that lookups and comparisons are exact and
fast; money is integer minor units with a currency; packages are measured in mm and grams.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

MILLI = 1000


class UnitSystem(StrEnum):
    IMPERIAL = "imperial"
    METRIC = "metric"

    @property
    def length(self) -> str:
        return "in" if self is UnitSystem.IMPERIAL else "cm"

    @property
    def weight(self) -> str:
        return "lb" if self is UnitSystem.IMPERIAL else "kg"

    @property
    def mm_per_unit(self) -> Fraction:
        return _MM_PER_UNIT[self]

    @property
    def grams_per_unit(self) -> Fraction:
        return _GRAMS_PER_UNIT[self]


_MM_PER_UNIT = {UnitSystem.IMPERIAL: Fraction(254, 10), UnitSystem.METRIC: Fraction(10)}
_GRAMS_PER_UNIT = {UnitSystem.IMPERIAL: Fraction(45_359_237, 100_000),
                   UnitSystem.METRIC: Fraction(1000)}


class Rounding(StrEnum):
    """How a carrier rounds each measured dimension to a whole inch or centimetre."""

    NEAREST = "nearest"  # half up, as most carriers publish it
    UP = "up"


@dataclass(frozen=True, slots=True)
class Address:
    country: str  # ISO 3166-1 alpha-2, upper case
    postal_code: str
    residential: bool = False
    latitude: float | None = None
    longitude: float | None = None

    @property
    def postal_key(self) -> str:
        """The postal code as zone tables compare it: upper case, no spaces or dashes."""
        return normalize_postal(self.postal_code)


def normalize_postal(code: str) -> str:
    return code.upper().replace(" ", "").replace("-", "")


@dataclass(frozen=True, slots=True)
class Package:
    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int

    def describe(self) -> str:
        return f"{self.length_mm}×{self.width_mm}×{self.height_mm} mm, {self.weight_g} g"


@dataclass(frozen=True, slots=True)
class DimRule:
    """Dimensional weight: (L×W×H rounded as the carrier rounds) ÷ divisor, billed rounded up."""

    divisor: int  # cubic length units per weight unit: 139 in³/lb, 5000 cm³/kg
    rounding: Rounding
    increment: int  # billed weights are multiples of this, in milli-units (1 lb = 1000)
    min_volume: int = 0  # cubic units; smaller parcels are billed on actual weight only


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits of a service: a package beyond any of them cannot go with it."""

    max_weight: int | None = None  # milli-units of actual weight
    max_length: int | None = None  # milli-units of the longest side
    max_girth: int | None = None  # milli-units of length + 2 × width + 2 × height


@dataclass(frozen=True, slots=True)
class Handling:
    """Additional handling: charged per package over any threshold (milli-units)."""

    amount: int
    longest_side: int | None = None
    second_side: int | None = None
    weight: int | None = None


@dataclass(frozen=True, slots=True)
class Oversize:
    """Large package: per package over a threshold, with a minimum billable weight."""

    amount: int
    longest_side: int | None = None
    length_plus_girth: int | None = None
    min_billable: int = 0  # milli-units


@dataclass(frozen=True, slots=True)
class Surcharges:
    fuel_percent: Decimal = Decimal(0)  # of base + every other surcharge
    residential: int = 0  # per package delivered to a residence
    remote_area: int = 0  # per package to a remote postal area
    handling: Handling | None = None
    oversize: Oversize | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Calendar:
    """When a carrier picks up and delivers, in its own time zone. Compared and hashed by
    identity: each loaded service owns one, and date lookups are memoized per calendar."""

    tz: ZoneInfo
    cutoff: time
    pickup_days: frozenset[int]  # weekday numbers, Monday = 0
    delivery_days: frozenset[int]
    holidays: frozenset[date]

    def is_delivery_day(self, day: date) -> bool:
        return day.weekday() in self.delivery_days and day not in self.holidays

    def is_pickup_day(self, day: date) -> bool:
        return day.weekday() in self.pickup_days and day not in self.holidays


@dataclass(frozen=True, slots=True)
class WeightBreaks:
    """Prices of one service in one zone: ``prices[i]`` for weights up to ``maxima[i]``."""

    maxima: tuple[int, ...]  # milli-units, ascending; the first break starts above 0
    prices: tuple[int, ...]  # minor units


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name: str
    transit_days: dict[str, int]  # zone -> business days after pickup
    rates: dict[str, WeightBreaks]  # zone -> weight breaks
    limits: Limits
    surcharges: Surcharges
    calendar: Calendar


@dataclass(frozen=True, slots=True)
class RateCard:
    code: str
    name: str
    account: str
    currency: str
    units: UnitSystem
    dim: DimRule
    services: tuple[Service, ...]
    zones: ZoneSource
    remote_areas: PrefixSet
    source: str = ""  # the directory it was loaded from, for messages


@dataclass(frozen=True, slots=True)
class PrefixSet:
    """Postal prefixes per country (a prefix ``""`` covers the whole country)."""

    by_country: dict[str, frozenset[str]] = field(default_factory=dict)
    lengths: tuple[int, ...] = ()

    def contains(self, country: str, postal_key: str) -> bool:
        prefixes = self.by_country.get(country)
        if prefixes is None:
            return False
        return any(postal_key[:n] in prefixes for n in self.lengths)


class ZoneSource(ABC):
    """Where an origin-destination pair falls: a zone name, or why there is none."""

    @abstractmethod
    def zone_for(self, origin: Address, destination: Address) -> str | Exclusion: ...

    @abstractmethod
    def zone_names(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class Exclusion:
    reason: str
    kind: str = "route"  # "route": the addresses; "package": size or weight


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a price breakdown."""

    code: str  # base, residential, remote_area, additional_handling, oversize, fuel
    label: str
    amount: int  # minor units


@dataclass(frozen=True, slots=True)
class PackageRate:
    index: int
    actual_weight: int  # milli-units, exact actual weight rounded up to the increment
    dim_weight: int  # milli-units (0 when dimensional weight does not apply)
    billable_weight: int  # milli-units
    base: int  # minor units


@dataclass(frozen=True, slots=True)
class Quote:
    carrier: str
    carrier_name: str
    service: str
    service_name: str
    zone: str
    currency: str
    weight_unit: str
    total: int
    lines: tuple[Line, ...]
    packages: tuple[PackageRate, ...]
    ship_date: date
    delivery_date: date
    transit_days: int

    @property
    def billable_weight(self) -> int:
        return sum(p.billable_weight for p in self.packages)

    def meets(self, promise: date | None) -> bool:
        return promise is None or self.delivery_date <= promise


@dataclass(frozen=True, slots=True)
class Excluded:
    carrier: str
    service: str
    reason: str
    kind: str = "route"


@dataclass(frozen=True, slots=True)
class QuoteSet:
    quotes: tuple[Quote, ...]  # cheapest first, then earliest delivery
    excluded: tuple[Excluded, ...]
    promise: date | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """The outcome of rate shopping against a promise."""

    chosen: Quote | None
    fastest: Quote | None
    promise: date | None
    message: str

    @property
    def meets_promise(self) -> bool:
        return self.chosen is not None
