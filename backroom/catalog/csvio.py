"""Products as CSV: reading (every bad cell reported with line, column and value) and writing.

Columns (header required, any order, names case-insensitive; only ``sku`` is mandatory):

    sku, name, description, barcode, length_mm, width_mm, height_mm, weight_g, tracking,
    shelf_life_days, inner_qty, case_qty, standard_cost, active

``barcode`` holds one or more GTINs separated by ``|``; a GTIN that marks a packaging unit
other than ``each`` carries it after a colon (``10012345678902:case``). An empty cell clears
the field (``tracking`` defaults to ``none``, ``active`` to ``true``). A column left out of the
file keeps each existing product's value, so a file of ``sku,standard_cost`` updates costs only.
Line numbers count the header as line 1.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from backroom.catalog.model import (
    BarcodeSpec,
    ImportRow,
    PackagingName,
    Tracking,
    standard_cost_minor,
)
from backroom.core import csvtable
from backroom.core.errors import Problem, ValidationFailed

COLUMNS = ("sku", "name", "description", "barcode", "length_mm", "width_mm", "height_mm",
           "weight_g", "tracking", "shelf_life_days", "inner_qty", "case_qty", "standard_cost",
           "active")
REQUIRED = ("sku",)
INT_COLUMNS = frozenset({"length_mm", "width_mm", "height_mm", "weight_g", "shelf_life_days",
                         "inner_qty", "case_qty"})
FIELD_OF_COLUMN = {"barcode": "barcodes", "standard_cost": "standard_cost_minor"}
_INT = re.compile(r"[+-]?[0-9]+")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class _CellError(ValueError):
    pass


# ---------------------------------------------------------------------------------------------
# Reading


def read_csv(data: bytes | str, currency: str,
             progress: Callable[[int], None] | None = None) -> list[ImportRow]:
    """Parse a products CSV into rows for ``services.import_products``.

    A file that cannot be read as a table at all (not UTF-8, no header, unknown columns,
    broken quoting) raises ``ValidationFailed``; a bad cell only marks its row.
    """
    reader = csvtable.reader(data)
    rows: list[ImportRow] = []
    try:
        header, _ = csvtable.read_header(reader, COLUMNS, REQUIRED)
        for line, record in csvtable.records(reader):
            rows.append(_row(header, record, line, currency))
            if progress and len(rows) % 1000 == 0:
                progress(len(rows))
    except csv.Error as exc:
        problem = Problem("file", f"is not valid CSV: {exc}", line=reader.line_num)
        raise ValidationFailed.of([problem]) from None
    if progress:
        progress(len(rows))
    return rows


def _row(header: list[str], record: list[str], line: int, currency: str) -> ImportRow:
    if len(record) != len(header):
        problem = Problem("row", f"has {len(record)} cells but the header has {len(header)}",
                          line=line)
        at = header.index("sku")
        sku = record[at].strip() if at < len(record) else ""
        return ImportRow(sku, {}, line, (problem,))
    return parse_cells(dict(zip(header, record, strict=True)), currency, line)


def parse_cells(cells: Mapping[str, str], currency: str, line: int | None = None) -> ImportRow:
    """One product from text cells keyed by column name (as in the CSV)."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column, raw in cells.items():
        cell = raw.strip()
        if column == "sku":
            continue
        try:
            values[FIELD_OF_COLUMN.get(column, column)] = _parse(column, cell, currency)
        except _CellError as exc:
            problems.append(Problem(column, str(exc), cell, line))
    return ImportRow(cells.get("sku", "").strip(), values, line, tuple(problems))


def _parse(column: str, cell: str, currency: str) -> Any:
    if column in INT_COLUMNS:
        if not cell:
            return None
        if not _INT.fullmatch(cell):
            raise _CellError("must be a whole number")
        return int(cell)
    if column == "barcode":
        return _barcodes(cell)
    if column == "tracking":
        return _choice(cell or "none", Tracking)
    if column == "active":
        return _bool(cell)
    if column == "standard_cost":
        return _cost(cell, currency)
    return cell  # name, description


def _choice(cell: str, enum: type[Tracking] | type[PackagingName]) -> Any:
    try:
        return enum(cell.lower())
    except ValueError:
        raise _CellError(f"must be one of {', '.join(m.value for m in enum)}") from None


def _bool(cell: str) -> bool:
    if not cell or cell.lower() in _TRUE:
        return True
    if cell.lower() in _FALSE:
        return False
    raise _CellError("must be true or false")


def _cost(cell: str, currency: str) -> int | None:
    if not cell:
        return None
    try:
        return standard_cost_minor(cell, currency)
    except ValidationFailed as exc:
        raise _CellError(exc.problems[0].message) from None


def _barcodes(cell: str) -> tuple[BarcodeSpec, ...]:
    out = []
    for part in cell.split("|"):
        code, _, packaging = part.strip().partition(":")
        if code.strip():
            pack = _choice(packaging.strip() or "each", PackagingName)
            out.append(BarcodeSpec(code.strip(), pack.value))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Writing


def write_csv(out: TextIO, products: Iterable[dict[str, Any]]) -> int:
    """Write product views (from ``queries``) with every column; returns the number written.

    Reading the file back with ``read_csv`` gives the same products.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for product in products:
        writer.writerow([_cell(column, product) for column in COLUMNS])
        count += 1
    return count


def _cell(column: str, product: dict[str, Any]) -> str:
    if column == "barcode":
        return "|".join(b["code"] if b["packaging"] == "each" else f"{b['code']}:{b['packaging']}"
                        for b in product["barcodes"])
    value = product[column]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
