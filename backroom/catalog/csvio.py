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
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TextIO

from backroom.catalog.model import (
    BarcodeSpec,
    ImportRow,
    PackagingName,
    Tracking,
    standard_cost_minor,
)
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
    text = decode_utf8(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[ImportRow] = []
    try:
        header = _header(reader)
        for line, record in _records(reader):
            rows.append(_row(header, record, line, currency))
            if progress and len(rows) % 1000 == 0:
                progress(len(rows))
    except csv.Error as exc:
        problem = Problem("file", f"is not valid CSV: {exc}", line=reader.line_num)
        raise ValidationFailed.of([problem]) from None
    if progress:
        progress(len(rows))
    return rows


def decode_utf8(data: bytes) -> str:
    """Bytes of an uploaded CSV as text (a BOM is dropped); not UTF-8 → a clear problem."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.end]
        raise ValidationFailed.of([Problem("file", "is not UTF-8 text; save the CSV as UTF-8",
                                           bad.hex(" "), line)]) from None


def _header(reader: Any) -> list[str]:
    first = next((r for r in reader if any(c.strip() for c in r)), None)
    at = reader.line_num
    if first is None:
        raise ValidationFailed.of([Problem("file", "is empty: a header line naming the "
                                                   f"columns is required ({','.join(COLUMNS)})")])
    names = [c.strip().lower() for c in first]
    problems: list[Problem] = []
    for i, name in enumerate(names, start=1):
        if not name:
            problems.append(Problem("header", f"column {i} has no name", line=at))
        elif name not in COLUMNS:
            problems.append(Problem(name, f"is not a known column (known: {', '.join(COLUMNS)})",
                                    first[i - 1], line=at))
        elif names.index(name) != i - 1:
            problems.append(Problem(name, "is given more than once", name, line=at))
    problems += [Problem(c, "column is required", line=at) for c in REQUIRED if c not in names]
    if problems:
        raise ValidationFailed.of(problems)
    return names


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells) for every non-blank record."""
    previous = reader.line_num
    for record in reader:
        line, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in record):
            yield line, record


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
