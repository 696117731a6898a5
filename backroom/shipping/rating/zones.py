"""Zones from origin to destination: by postal-prefix table or by distance bands.

A prefix cell is empty (the whole country), one prefix (``941``) or a range of prefixes of the
same length (``900-961``); a postal code matches when its first characters (upper case, no
spaces or dashes) fall in the range. Tables may not overlap, so at most one row matches.

Distance bands use the great-circle (haversine) distance from the origin's coordinates to the
destination's, times an optional road factor; an address without coordinates is placed by the
card's postal centroid table when it has one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backroom.shipping.rating.model import Address, Exclusion, ZoneSource

EARTH_RADIUS_KM = 6371.0088
_MEMO_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class PrefixRange:
    low: str  # "" = the whole country
    high: str

    @property
    def length(self) -> int:
        return len(self.low)

    def matches(self, postal_key: str) -> bool:
        n = len(self.low)
        if n == 0:
            return True
        head = postal_key[:n]
        return len(head) == n and self.low <= head <= self.high

    def overlaps(self, other: PrefixRange) -> bool:
        n = min(self.length, other.length)
        if n == 0:
            return True
        return self.low[:n] <= other.high[:n] and other.low[:n] <= self.high[:n]

    def __str__(self) -> str:
        if not self.low:
            return "(whole country)"
        return self.low if self.low == self.high else f"{self.low}-{self.high}"


def parse_range(text: str) -> PrefixRange | str:
    """A prefix cell, or why it is not one."""
    cell = text.strip().upper().replace(" ", "")
    if not cell:
        return PrefixRange("", "")
    low, dash, high = cell.partition("-")
    if not dash:
        high = low
    if not low.isalnum() or not high.isalnum():
        return "must be a postal prefix (941) or a range of prefixes (900-961)"
    if len(low) != len(high):
        return "both ends of a prefix range must have the same length"
    if low > high:
        return "a prefix range must run from low to high"
    return PrefixRange(low, high)


@dataclass(frozen=True, slots=True)
class ZoneRow:
    origin_country: str
    origin: PrefixRange
    dest_country: str
    dest: PrefixRange
    zone: str
    line: int

    def overlaps(self, other: ZoneRow) -> bool:
        return (self.origin_country == other.origin_country
                and self.dest_country == other.dest_country
                and self.origin.overlaps(other.origin) and self.dest.overlaps(other.dest))


class PrefixZones(ZoneSource):
    """A zone chart: (origin country + prefix, destination country + prefix) → zone."""

    def __init__(self, rows: list[ZoneRow]) -> None:
        self.rows = tuple(rows)
        self._pairs: dict[tuple[str, str], list[ZoneRow]] = {}
        for row in rows:
            self._pairs.setdefault((row.origin_country, row.dest_country), []).append(row)
        self._o_len = max((r.origin.length for r in rows), default=0)
        self._d_len = max((r.dest.length for r in rows), default=0)
        self._memo: dict[tuple[str, str, str, str], str | Exclusion] = {}

    def zone_names(self) -> frozenset[str]:
        return frozenset(r.zone for r in self.rows)

    def zone_for(self, origin: Address, destination: Address) -> str | Exclusion:
        key = (origin.country, origin.postal_key[:self._o_len], destination.country,
               destination.postal_key[:self._d_len])
        found = self._memo.get(key)
        if found is None:
            found = self._lookup(*key)
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _lookup(self, o_country: str, o_key: str, d_country: str, d_key: str) -> str | Exclusion:
        rows = self._pairs.get((o_country, d_country))
        if not rows:
            return Exclusion(f"does not ship from {o_country} to {d_country}")
        from_origin = [r for r in rows if r.origin.matches(o_key)]
        if not from_origin:
            return Exclusion(f"has no zone for origin postal codes starting {o_key} "
                             f"({o_country})")
        for row in from_origin:
            if row.dest.matches(d_key):
                return row.zone
        return Exclusion(f"has no zone for destination postal codes starting {d_key} "
                         f"({d_country})")


@dataclass(frozen=True, slots=True)
class Band:
    zone: str
    max_km: float


class DistanceZones(ZoneSource):
    """Zones by distance bands from the origin (e.g. a local courier around a warehouse)."""

    def __init__(self, bands: list[Band], countries: frozenset[str],
                 centroids: dict[tuple[str, str], tuple[float, float]],
                 road_factor: float = 1.0) -> None:
        self.bands = tuple(sorted(bands, key=lambda b: b.max_km))
        self.countries = countries
        self.centroids = centroids
        self._centroid_lengths = sorted({len(k[1]) for k in centroids}, reverse=True)
        self.road_factor = road_factor

    def zone_names(self) -> frozenset[str]:
        return frozenset(b.zone for b in self.bands)

    def zone_for(self, origin: Address, destination: Address) -> str | Exclusion:
        for role, address in (("origin", origin), ("destination", destination)):
            if address.country not in self.countries:
                return Exclusion(f"does not serve {role} country {address.country}")
        start = self.locate(origin)
        end = self.locate(destination)
        if start is None or end is None:
            role, address = ("origin", origin) if start is None else ("destination", destination)
            return Exclusion(f"needs the {role}'s latitude/longitude (postal code "
                             f"{address.postal_code} is not in its centroid table)")
        km = haversine_km(start, end) * self.road_factor
        for band in self.bands:
            if km <= band.max_km:
                return band.zone
        return Exclusion(f"destination is outside the delivery area: {km:.1f} km from the "
                         f"origin, the limit is {self.bands[-1].max_km:g} km")

    def locate(self, address: Address) -> tuple[float, float] | None:
        if address.latitude is not None and address.longitude is not None:
            return (address.latitude, address.longitude)
        key = address.postal_key
        for n in self._centroid_lengths:
            point = self.centroids.get((address.country, key[:n]))
            if point is not None:
                return point
        return None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))
