"""Bin layouts: parse a spec such as ``"A-J x 1-30 x 1-4 zone=FAST"`` into bin coordinates.

Pure code, no database. A spec has three parts separated by ``x`` (with spaces around it) or
``×``: aisles, bays and levels. Each part is a comma-separated list of single values and
inclusive ranges (``A-C,F`` or ``1-10,15``). Aisles are letters, counted like spreadsheet
columns past ``Z`` (``Y, Z, AA, AB``…); bays and levels are whole numbers. An optional
``zone=NAME`` token names the zone every bin of the spec belongs to.

A bin's code is ``<WH>-<aisle>-<bay:02d>-<level>``, e.g. ``WH1-A-03-2``; because aisles are
letters and bays and levels digits, a bin code can never equal another warehouse's code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from math import prod
from typing import TypeVar

from backroom.core.errors import ProblemCollector

MAX_BINS = 100_000
MAX_AISLE_LETTERS = 3
MAX_BAY = 999
MAX_LEVEL = 99
MAX_ZONE_LENGTH = 32

_SEPARATOR = re.compile(r"\s+[xX]\s+|\s*×\s*")
_ZONE_TOKEN = re.compile(r"(?:^|\s)zone\s*=\s*(\S*)", re.IGNORECASE)
_AISLE = re.compile(rf"[A-Z]{{1,{MAX_AISLE_LETTERS}}}")
_NUMBER = re.compile(r"\d{1,6}")
ZONE_PATTERN = re.compile(rf"[A-Z0-9][A-Z0-9_-]{{0,{MAX_ZONE_LENGTH - 1}}}")
T = TypeVar("T")
SPEC_SHAPE = "AISLES x BAYS x LEVELS [zone=NAME], e.g. 'A-J x 1-30 x 1-4'"


@dataclass(frozen=True, slots=True)
class BinCoord:
    aisle: str
    bay: int
    level: int

    def code(self, warehouse_code: str) -> str:
        return bin_code(warehouse_code, self.aisle, self.bay, self.level)


@dataclass(frozen=True, slots=True)
class Layout:
    """The parsed spec: every aisle, bay and level, in the order they were written."""

    aisles: tuple[str, ...]
    bays: tuple[int, ...]
    levels: tuple[int, ...]
    zone: str = ""

    @property
    def count(self) -> int:
        return len(self.aisles) * len(self.bays) * len(self.levels)

    def bins(self) -> Iterator[BinCoord]:
        """Every bin, aisle by aisle, bay by bay, level by level (a walking order)."""
        for aisle in self.aisles:
            for bay in self.bays:
                for level in self.levels:
                    yield BinCoord(aisle, bay, level)


def bin_code(warehouse_code: str, aisle: str, bay: int, level: int) -> str:
    return f"{warehouse_code}-{aisle}-{bay:02d}-{level}"


def aisle_index(aisle: str) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27 (bijective base 26, like spreadsheet columns)."""
    index = 0
    for letter in aisle:
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index


def aisle_name(index: int) -> str:
    """Inverse of :func:`aisle_index`."""
    letters = []
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters.append(chr(ord("A") + rest))
    return "".join(reversed(letters))


def normalize_zone(zone: str, collector: ProblemCollector, field: str = "zone") -> str:
    """``zone`` upper-cased, or a problem if it is not 1-32 letters, digits, ``-`` or ``_``."""
    value = zone.strip().upper()
    if value and not ZONE_PATTERN.fullmatch(value):
        collector.add(field, f"must be up to {MAX_ZONE_LENGTH} letters, digits, '-' or '_'",
                      zone)
    return value


def parse_layout(spec: str) -> Layout:
    """Parse ``spec`` or raise ``ValidationFailed`` naming every part that is wrong."""
    problems = ProblemCollector()
    text, zone = _take_zone(spec, problems)
    parts = [p.strip() for p in _SEPARATOR.split(text.strip())] if text.strip() else []
    if len(parts) != 3:
        problems.add("spec", f"needs three parts, {SPEC_SHAPE}; found {len(parts)}", spec)
        problems.raise_if_any()
    aisles = _parse_part(parts[0], "spec.aisles", _aisle_value, aisle_name, problems)
    bays = _parse_part(parts[1], "spec.bays", _number_value(1, MAX_BAY), int, problems)
    levels = _parse_part(parts[2], "spec.levels", _number_value(0, MAX_LEVEL), int, problems)
    total = prod(len(x) for x in (aisles, bays, levels))
    if total > MAX_BINS:
        problems.add("spec", f"would create {total:,} bins; at most {MAX_BINS:,} per spec "
                             "(split it into several specs)", spec)
    if problems:
        listed = "; ".join(str(p) for p in problems.problems[:5])
        problems.raise_if_any(f"bad layout spec {spec!r}: {listed}")
    return Layout(tuple(aisles), tuple(bays), tuple(levels), zone)


def parse_bin(aisle: str, bay: int, level: int) -> BinCoord:
    """One bin's coordinates, checked like a spec's parts, or every problem with them."""
    problems = ProblemCollector()
    checked: list[int | str] = [_aisle_value(aisle.strip()), _number_value(1, MAX_BAY)(str(bay)),
                                _number_value(0, MAX_LEVEL)(str(level))]
    for field, value, given in zip(("aisle", "bay", "level"), checked, (aisle, bay, level),
                                   strict=True):
        if isinstance(value, str):
            problems.add(field, value, given)
    problems.raise_if_any()
    return BinCoord(aisle.strip().upper(), bay, level)


def _take_zone(spec: str, problems: ProblemCollector) -> tuple[str, str]:
    matches = list(_ZONE_TOKEN.finditer(spec))
    if not matches:
        return spec, ""
    if len(matches) > 1:
        problems.add("spec.zone", "zone is given more than once", spec)
    zone = matches[-1].group(1)
    if not zone:
        problems.add("spec.zone", "zone= needs a name, e.g. zone=FAST", spec)
    rest = _ZONE_TOKEN.sub(" ", spec)
    return rest, normalize_zone(zone, problems, "spec.zone")


def _aisle_value(token: str) -> int | str:
    """An aisle's index, or why the token is not an aisle."""
    value = token.upper()
    if not _AISLE.fullmatch(value):
        return f"{token!r} is not an aisle (1-{MAX_AISLE_LETTERS} letters)"
    return aisle_index(value)


def _number_value(low: int, high: int) -> Callable[[str], int | str]:
    def parse(token: str) -> int | str:
        if not _NUMBER.fullmatch(token):
            return f"{token!r} is not a whole number"
        value = int(token)
        if not low <= value <= high:
            return f"{value} is outside {low}-{high}"
        return value

    return parse


def _parse_part(part: str, field: str, value_of: Callable[[str], int | str],
                name_of: Callable[[int], T], problems: ProblemCollector) -> list[T]:
    """Expand a comma-separated list of values and ``low-high`` ranges, in order."""
    if not part:
        problems.add(field, "is empty", part)
        return []
    indexes: list[int] = []
    for item in (i.strip() for i in part.split(",")):
        span = _parse_item(item, field, value_of, problems)
        if span is not None:
            indexes.extend(range(span[0], span[1] + 1))
    counts = Counter(indexes)
    repeated = sorted(i for i, n in counts.items() if n > 1)
    if repeated:
        problems.add(field, "lists the same value twice: "
                     + ", ".join(str(name_of(i)) for i in repeated[:10]), part)
    return [name_of(i) for i in indexes]


def _parse_item(item: str, field: str, value_of: Callable[[str], int | str],
                problems: ProblemCollector) -> tuple[int, int] | None:
    low_text, dash, high_text = (s.strip() for s in item.partition("-"))
    if not item or (dash and not (low_text and high_text)):
        problems.add(field, "has an empty value or an open range; write e.g. 'A-J' or '1-30'",
                     item)
        return None
    low = value_of(low_text)
    high = value_of(high_text) if dash else low
    for value in (low, high) if dash else (low,):
        if isinstance(value, str):
            problems.add(field, value, item)
    if isinstance(low, str) or isinstance(high, str):
        return None
    if low > high:
        problems.add(field, f"range {item} is reversed; write {high_text}-{low_text}", item)
        return None
    return low, high
