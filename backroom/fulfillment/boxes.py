"""The merchant's box catalog: the cartons and mailers cartonization may choose from.

A box has inner dimensions (what fits), a limit on the weight of its contents, its own weight
(tare) and what one costs, in minor units of the base currency. Carriers measure the outside:
Backroom takes a box's outer dimensions as its inner ones plus ``WALL_MM`` on every side
(a single-wall corrugated carton), for rating and for the shipment's packages alike.
Boxes are never deleted (cartons point at them); a deactivated box is no longer proposed or
opened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backroom.core.errors import Conflict, NotFound, Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.core.money import from_minor, to_minor
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import packing
from backroom.fulfillment.tables import BOXES

B = BOXES.c
WALL_MM = 3  # outer = inner + 2 × WALL_MM along each axis
DIMENSIONS = ("inner_length_mm", "inner_width_mm", "inner_height_mm")
FIELDS = ("name", *DIMENSIONS, "max_weight_g", "tare_g", "cost")
MAX_DIMENSION_MM = 3000
MAX_WEIGHT_G = 1_000_000
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


@dataclass(frozen=True, slots=True)
class BoxSpec:
    """A box as people give it; ``cost`` is a decimal amount in the base currency."""

    code: str
    inner_length_mm: int
    inner_width_mm: int
    inner_height_mm: int
    max_weight_g: int
    cost: Decimal | str | int = "0"
    tare_g: int = 0
    name: str = ""

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}


def _whole(value: Any, field: str, low: int, high: int, line: int | None) -> tuple[int | None,
                                                                                    Problem | None]:
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, Problem(field, "must be a whole number", value, line)
    if not low <= value <= high:
        return None, Problem(field, f"must be between {low} and {high}", value, line)
    return value, None


def check_values(raw: Mapping[str, Any], line: int | None = None) -> tuple[dict[str, Any],
                                                                           list[Problem]]:
    """Validated column values (``cost`` becomes ``cost_minor``) and every problem found."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    limits = {**{d: (1, MAX_DIMENSION_MM) for d in DIMENSIONS},
              "max_weight_g": (1, MAX_WEIGHT_G), "tare_g": (0, MAX_WEIGHT_G)}
    for field, (low, high) in limits.items():
        if field in raw:
            value, problem = _whole(raw[field], field, low, high, line)
            out[field] = value
            problems += [problem] if problem else []
    if "name" in raw:
        name = raw["name"].strip() if isinstance(raw["name"], str) else None
        if name is None or len(name) > 100:
            problems.append(Problem("name", "must be text of at most 100 characters",
                                    raw["name"], line))
        out["name"] = name
    if "cost" in raw:
        out["cost_minor"] = _cost(raw["cost"], line, problems)
    return out, problems


def _cost(raw: Any, line: int | None, problems: list[Problem]) -> int | None:
    currency = get_settings().base_currency
    text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal) or text == "":
        problems.append(Problem("cost", f"must be an amount in {currency}", raw, line))
        return None
    try:
        minor = to_minor(text, currency, field="cost")
    except ValidationFailed as exc:
        problems += [Problem(p.field, p.message, p.value, line) for p in exc.problems]
        return None
    if minor < 0:
        problems.append(Problem("cost", "must not be negative", raw, line))
        return None
    return minor


def check_code(code: Any, line: int | None = None) -> Problem | None:
    if not isinstance(code, str) or not _CODE.fullmatch(code.strip()):
        return Problem("code", "must be 1-32 letters, digits, '.', '_' or '-'", code, line)
    return None


def view(row: Any) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "inner_length_mm": row.inner_length_mm,
            "inner_width_mm": row.inner_width_mm, "inner_height_mm": row.inner_height_mm,
            "outer_mm": list(outer_mm(row)), "max_weight_g": row.max_weight_g,
            "tare_g": row.tare_g, "cost": str(from_minor(row.cost_minor, row.currency)),
            "cost_minor": row.cost_minor, "currency": row.currency, "active": row.active}


def outer_mm(row: Any) -> tuple[int, int, int]:
    return (row.inner_length_mm + 2 * WALL_MM, row.inner_width_mm + 2 * WALL_MM,
            row.inner_height_mm + 2 * WALL_MM)


def find(conn: Connection, code: str) -> Any:
    row = conn.execute(select(BOXES).where(B.code == code.strip())).first()
    if row is None:
        raise NotFound(f"no box {code!r} in the box catalog", data={"box": code})
    return row


def _event(conn: Connection, kind: str, row_view: dict[str, Any]) -> None:
    record(conn, [DomainEvent(kind, row_view, aggregate=f"box:{row_view['code']}")])


def create_box(uow: UnitOfWork, spec: BoxSpec) -> dict[str, Any]:
    """Add a box to the catalog (``Conflict`` if the code exists)."""
    values, problems = check_values(spec.values())
    problem = check_code(spec.code)
    if problem:
        problems.insert(0, problem)
    if problems:
        raise ValidationFailed.of(problems)
    code = spec.code.strip()
    with uow.transaction() as conn:
        if conn.execute(select(B.id).where(B.code == code)).first() is not None:
            raise Conflict(f"box {code} already exists; update it instead", data={"box": code})
        conn.execute(insert(BOXES).values(**insert_values(code, values)))
        out = view(find(conn, code))
        _event(conn, "box.created", out)
        return out


def insert_values(code: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "name": values.get("name") or code, "active": True,
            "currency": get_settings().base_currency, "tare_g": 0, "cost_minor": 0,
            **{k: v for k, v in values.items() if k != "name"}}


def update_box(uow: UnitOfWork, code: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change some of a box's fields (``FIELDS`` and ``active``)."""
    unknown = sorted(set(changes) - {*FIELDS, "active"})
    if unknown:
        raise ValidationFailed.of([Problem(k, "is not a box field that can change") for k in
                                   unknown])
    values, problems = check_values({k: v for k, v in changes.items() if k != "active"})
    if "active" in changes and not isinstance(changes["active"], bool):
        problems.append(Problem("active", "must be true or false", changes["active"]))
    if problems:
        raise ValidationFailed.of(problems)
    if "active" in changes:
        values["active"] = changes["active"]
    with uow.transaction() as conn:
        row = find(conn, code)
        if values:
            conn.execute(update(BOXES).where(B.id == row.id).values(**values))
        out = view(find(conn, row.code))
        _event(conn, "box.updated", out)
        return out


def deactivate_box(uow: UnitOfWork, code: str) -> dict[str, Any]:
    """Stop proposing and opening a box; cartons already made of it are not touched."""
    return update_box(uow, code, {"active": False})


def list_boxes(uow: UnitOfWork, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    """The catalog, smallest inner volume first."""
    query = select(BOXES).order_by(B.inner_length_mm * B.inner_width_mm * B.inner_height_mm,
                                   B.code)
    if not include_inactive:
        query = query.where(B.active.is_(True))
    with uow.read() as conn:
        return [view(r) for r in conn.execute(query)]


def catalog_for_packing(conn: Connection) -> tuple[list[packing.Box], str]:
    """The active boxes as cartonization takes them, and the currency of their costs."""
    rows = conn.execute(select(BOXES).where(B.active.is_(True)).order_by(B.code)).all()
    currencies = sorted({r.currency for r in rows})
    if len(currencies) > 1:
        raise ValidationFailed.single("boxes", ", ".join(currencies), "box costs are in more "
                                      "than one currency; cartonization compares them as one")
    boxes = [packing.Box(r.code, r.inner_length_mm, r.inner_width_mm, r.inner_height_mm,
                         r.max_weight_g, r.cost_minor, outer_mm(r), r.tare_g) for r in rows]
    return boxes, (currencies[0] if currencies else get_settings().base_currency)


# Sizes from docs/packing.md's sample catalog plus a long box; costs in minor units.
DEFAULT_BOXES: tuple[tuple[str, str, int, int, int, int, int, int], ...] = (
    ("MAILER-S", "Padded mailer, small", 250, 180, 30, 1_000, 15, 25),
    ("MAILER-L", "Padded mailer, large", 380, 300, 60, 2_000, 30, 40),
    ("BOX-XS", "Carton XS", 160, 120, 100, 5_000, 80, 45),
    ("BOX-S", "Carton S", 230, 170, 120, 10_000, 130, 60),
    ("BOX-M", "Carton M", 310, 230, 160, 15_000, 220, 85),
    ("BOX-L", "Carton L", 400, 300, 220, 20_000, 350, 120),
    ("BOX-XL", "Carton XL", 500, 400, 300, 25_000, 520, 170),
    ("BOX-LONG", "Long carton", 650, 160, 160, 10_000, 300, 110),
    ("BOX-TUBE", "Shipping tube box", 900, 150, 150, 10_000, 380, 140),
)


def seed_default_boxes(uow: UnitOfWork) -> dict[str, Any]:
    """Add the default boxes whose codes are not in the catalog yet (safe to run again)."""
    currency = get_settings().base_currency
    with uow.transaction() as conn:
        have = set(conn.execute(select(B.code)).scalars())
        new = [{"code": code, "name": name, "inner_length_mm": length, "inner_width_mm": width,
                "inner_height_mm": height, "max_weight_g": limit, "tare_g": tare,
                "cost_minor": cost, "currency": currency, "active": True}
               for code, name, length, width, height, limit, tare, cost in DEFAULT_BOXES
               if code not in have]
        if new:
            conn.execute(insert(BOXES), new)
            _event(conn, "box.seeded", {"code": "default", "boxes": [b["code"] for b in new]})
        return {"created": [b["code"] for b in new],
                "existing": sorted(have & {b[0] for b in DEFAULT_BOXES})}
