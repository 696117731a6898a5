"""Pure catalog domain: GTIN check digits, packaging units, tracking and the product spec.

No database here. ``ProductSpec.problems()`` lists everything wrong with a product at once, so
an import can report every bad field of every bad row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from backroom.core.errors import Problem, ValidationFailed
from backroom.core.money import to_minor

GTIN_LENGTHS = (8, 12, 13, 14)
SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
SKU_MAX = 64
NAME_MAX = 255
BARCODE_MAX = 32
INT_LIMITS = {  # field -> (smallest allowed, largest allowed)
    "length_mm": (1, 100_000),
    "width_mm": (1, 100_000),
    "height_mm": (1, 100_000),
    "weight_g": (1, 100_000_000),
    "shelf_life_days": (1, 36_500),
    "inner_qty": (2, 1_000_000),
    "case_qty": (2, 1_000_000),
    "standard_cost_minor": (0, 2**31 - 1),
}


class Tracking(StrEnum):
    """How individual units are told apart: not at all, by lot/batch, or by serial number."""

    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


class PackagingName(StrEnum):
    """Packaging units. ``each`` is the base unit (qty 1) and always exists."""

    EACH = "each"
    INNER = "inner"
    CASE = "case"


# ---------------------------------------------------------------------------------------------
# GTIN (EAN-8, UPC-A, EAN-13, ITF-14)


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (a GTIN without its last digit).

    Digits are weighted 3, 1, 3, … starting from the rightmost digit of the body.
    """
    if not body.isdigit() or not body.isascii():
        raise ValueError(f"GTIN body must be digits, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_problem(code: str) -> str | None:
    """Why ``code`` is not a valid GTIN-8/12/13/14, or ``None`` if it is one."""
    if not code:
        return "is empty"
    if not code.isascii() or not code.isdigit():
        return "must contain only digits 0-9"
    if len(code) not in GTIN_LENGTHS:
        return f"must have 8, 12, 13 or 14 digits, not {len(code)}"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"has a wrong check digit: expected {expected}, got {code[-1]}"
    return None


def is_valid_gtin(code: str) -> bool:
    return gtin_problem(code) is None


def gtin_key(code: str) -> str:
    """The 14-digit form GS1 uses to compare GTINs: UPC-A 036000291452 == EAN-13 0036000291452."""
    return code.zfill(14) if code.isdigit() else code


def gtin_forms(code: str) -> list[str]:
    """Every way the same GTIN may have been written (with fewer or more leading zeros)."""
    if not code.isdigit() or len(code) > 14:
        return [code]
    key = code.zfill(14)
    return [key[-n:] for n in GTIN_LENGTHS if set(key[:-n]) <= {"0"}]


def standard_cost_minor(amount: Decimal | str | int, currency: str) -> int:
    """A standard cost as typed by a person (``"12.50"``) in minor units of ``currency``."""
    minor = to_minor(amount, currency, field="standard_cost")
    low, high = INT_LIMITS["standard_cost_minor"]
    if minor < low:
        raise ValidationFailed.single("standard_cost", amount, "must not be negative")
    if minor > high:
        raise ValidationFailed.single("standard_cost", amount, "is too large")
    return minor


# ---------------------------------------------------------------------------------------------
# Product


@dataclass(frozen=True, slots=True)
class BarcodeSpec:
    """A barcode identifying one packaging unit of a product (``each`` unless it marks a case)."""

    code: str
    packaging: str = PackagingName.EACH


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """Everything a user states about a SKU. Quantities in base units, sizes in mm, weight in g."""

    sku: str
    name: str = ""
    description: str = ""
    barcodes: tuple[BarcodeSpec, ...] = ()
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    weight_g: int | None = None
    tracking: Tracking = Tracking.NONE
    shelf_life_days: int | None = None
    inner_qty: int | None = None
    case_qty: int | None = None
    standard_cost_minor: int | None = None
    active: bool = True

    def packagings(self) -> dict[str, int]:
        """Packaging name -> base units, ``each`` first."""
        out = {PackagingName.EACH.value: 1}
        if self.inner_qty is not None:
            out[PackagingName.INNER.value] = self.inner_qty
        if self.case_qty is not None:
            out[PackagingName.CASE.value] = self.case_qty
        return out

    def with_changes(self, changes: Mapping[str, Any]) -> ProductSpec:
        """A copy with ``changes`` applied; unknown field names are a programming error."""
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable product fields: {sorted(unknown)}")
        return replace(self, **dict(changes))

    def problems(self) -> list[Problem]:
        """Everything wrong with this spec (empty when it may be stored)."""
        out = _text_problems(self)
        out += _number_problems(self)
        out += _packaging_problems(self)
        out += _barcode_problems(self)
        if not isinstance(self.tracking, Tracking):
            out.append(Problem("tracking", "must be one of none, lot, serial", self.tracking))
        if not isinstance(self.active, bool):
            out.append(Problem("active", "must be true or false", self.active))
        return out


EDITABLE_FIELDS = frozenset(f.name for f in fields(ProductSpec)) - {"sku"}


def _text_problems(spec: ProductSpec) -> list[Problem]:
    out: list[Problem] = []
    if not spec.sku:
        out.append(Problem("sku", "is required"))
    elif len(spec.sku) > SKU_MAX:
        out.append(Problem("sku", f"must be at most {SKU_MAX} characters", spec.sku))
    elif not SKU_PATTERN.fullmatch(spec.sku):
        out.append(Problem("sku", "may contain only letters, digits, '.', '_' and '-', "
                                  "and must start with a letter or digit", spec.sku))
    if not spec.name.strip():
        out.append(Problem("name", "is required"))
    elif len(spec.name) > NAME_MAX:
        out.append(Problem("name", f"must be at most {NAME_MAX} characters", spec.name))
    return out


def _number_problems(spec: ProductSpec) -> list[Problem]:
    out: list[Problem] = []
    for name, (low, high) in INT_LIMITS.items():
        value = getattr(spec, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(Problem(name, "must be a whole number", value))
        elif value < low:
            out.append(Problem(name, "must be positive" if low == 1 else
                               "must not be negative" if low == 0 else
                               f"must be at least {low}", value))
        elif value > high:
            out.append(Problem(name, f"must be at most {high}", value))
    return out


def _packaging_problems(spec: ProductSpec) -> list[Problem]:
    inner, case = spec.inner_qty, spec.case_qty
    if not isinstance(inner, int) or not isinstance(case, int) or inner < 2 or case < 2:
        return []  # missing or already reported as a number problem
    if case <= inner or case % inner:
        return [Problem("case_qty", f"must be a multiple of inner_qty ({inner}) and larger than it",
                        case)]
    return []


def _barcode_problems(spec: ProductSpec) -> list[Problem]:
    out: list[Problem] = []
    defined = spec.packagings()
    seen: set[str] = set()
    for barcode in spec.barcodes:
        problem = gtin_problem(barcode.code) if len(barcode.code) <= BARCODE_MAX else "is too long"
        if problem:
            out.append(Problem("barcode", problem, barcode.code))
            continue
        if gtin_key(barcode.code) in seen:
            out.append(Problem("barcode", "is listed twice for this product", barcode.code))
        seen.add(gtin_key(barcode.code))
        if barcode.packaging not in defined:
            known = ", ".join(defined)
            out.append(Problem("barcode", f"names packaging {barcode.packaging!r}, which this "
                                          f"product does not have (it has: {known})", barcode.code))
    return out


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One product as read from a file or a request, before it is checked against the database.

    ``values`` holds only the fields the source stated (typed; ``None`` clears a field);
    ``problems`` are the cells that could not even be read.
    """

    sku: str
    values: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None
    problems: tuple[Problem, ...] = ()


def spec_values(spec: ProductSpec) -> dict[str, Any]:
    """All editable fields of ``spec`` as a changes mapping."""
    return {name: getattr(spec, name) for name in EDITABLE_FIELDS}


def changed_fields(before: ProductSpec, after: ProductSpec) -> list[str]:
    return [f.name for f in fields(ProductSpec) if getattr(before, f.name) != getattr(after, f.name)]
