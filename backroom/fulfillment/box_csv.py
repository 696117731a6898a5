"""Import the box catalog from CSV: all rows or none.

Columns: ``code,name,inner_length_mm,inner_width_mm,inner_height_mm,max_weight_g,tare_g,cost``
(``name`` and ``tare_g`` may be left out; ``cost`` is a decimal amount in the base currency).
A code already in the catalog is updated, a new one created. Every problem of every row is
reported with its line, field and value, and nothing is written while any row is bad.
"""

from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import insert, select, update

from backroom.core import csvtable
from backroom.core.errors import Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.boxes import (
    BOXES,
    DIMENSIONS,
    B,
    check_code,
    check_values,
    insert_values,
)

COLUMNS = ("code", "name", *DIMENSIONS, "max_weight_g", "tare_g", "cost")
REQUIRED = ("code", *DIMENSIONS, "max_weight_g", "cost")
Parsed = tuple[int, str, dict[str, Any]]  # line, code, values


def parse_boxes_csv(data: bytes | str) -> list[Parsed]:
    """Rows of the file, or ``ValidationFailed`` with every problem (line, field, value)."""
    reader = csvtable.reader(data)
    problems: list[Problem] = []
    rows: list[Parsed] = []
    try:
        header, at = csvtable.read_header(reader, COLUMNS, REQUIRED)
        seen: dict[str, int] = {}
        for line, cells in csvtable.records(reader):
            row, row_problems = _parse_row(header, cells, line, seen)
            problems += row_problems
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise ValidationFailed.of([Problem("file", f"is not valid CSV: {exc}",
                                           line=reader.line_num)]) from None
    if not rows and not problems:
        problems.append(Problem("file", "has a header but no boxes", line=at))
    if problems:
        raise ValidationFailed.of(problems, f"{len(problems)} problem(s) in the box file; "
                                  "nothing was imported: " + "; ".join(map(str, problems[:3])))
    return rows


def _parse_row(header: list[str], cells: list[str], line: int,
               seen: dict[str, int]) -> tuple[Parsed | None, list[Problem]]:
    if len(cells) != len(header):
        return None, [Problem("row", f"has {len(cells)} cells but the header has "
                              f"{len(header)}", line=line)]
    raw = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
    code = raw.pop("code")
    for optional in ("name", "tare_g"):
        if raw.get(optional) == "":
            raw.pop(optional)
    values, problems = check_values(raw, line)
    problem = check_code(code, line)
    if problem:
        problems.insert(0, problem)
    elif code in seen:
        problems.insert(0, Problem("code", f"is also on line {seen[code]}", code, line))
    else:
        seen[code] = line
    return (line, code, values), problems


def import_boxes(uow: UnitOfWork, data: bytes | str) -> dict[str, Any]:
    """Create or update the boxes of a CSV file, in one transaction."""
    rows = parse_boxes_csv(data)
    with uow.transaction() as conn:
        have = {r.code: r for r in conn.execute(select(BOXES).where(
            B.code.in_([code for _, code, _ in rows])))}
        created, updated, unchanged = [], [], []
        for _, code, values in rows:
            old = have.get(code)
            if old is None:
                conn.execute(insert(BOXES).values(**insert_values(code, values)))
                created.append(code)
            elif any(getattr(old, k) != v for k, v in values.items()):
                conn.execute(update(BOXES).where(B.id == old.id).values(**values))
                updated.append(code)
            else:
                unchanged.append(code)
        record(conn, [DomainEvent("box.imported", {"created": created, "updated": updated},
                                  aggregate="box:import")])
        return {"created": len(created), "updated": len(updated), "unchanged": len(unchanged),
                "codes": {"created": created, "updated": updated, "unchanged": unchanged}}
