"""Reading an uploaded CSV table: UTF-8 text, a header naming known columns, non-blank records.

Shared by every CSV import (products, boxes) so each reports the same problems the same way:
not UTF-8 (with the line and the bad bytes), no header, unknown, unnamed, repeated or missing
columns — all at once, with the header's line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from backroom.core.errors import Problem, ValidationFailed


def decode_utf8(data: bytes) -> str:
    """Bytes of an uploaded CSV as text (a BOM is dropped); not UTF-8 → a clear problem."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.end]
        raise ValidationFailed.of([Problem("file", "is not UTF-8 text; save the CSV as UTF-8",
                                           bad.hex(" "), line)]) from None


def reader(data: bytes | str) -> Any:
    """A strict ``csv.reader`` over the file's text."""
    text = decode_utf8(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    return csv.reader(io.StringIO(text, newline=""), strict=True)


def read_header(rows: Any, columns: Sequence[str], required: Sequence[str]
                ) -> tuple[list[str], int]:
    """The header's column names (lower case) and its line; every problem with it at once."""
    first = next((r for r in rows if any(c.strip() for c in r)), None)
    at = rows.line_num
    if first is None:
        raise ValidationFailed.of([Problem("file", "is empty: a header line naming the "
                                                   f"columns is required ({','.join(columns)})")])
    names = [c.strip().lower() for c in first]
    problems: list[Problem] = []
    for i, name in enumerate(names, start=1):
        if not name:
            problems.append(Problem("header", f"column {i} has no name", line=at))
        elif name not in columns:
            problems.append(Problem(name, f"is not a known column (known: {', '.join(columns)})",
                                    first[i - 1], line=at))
        elif names.index(name) != i - 1:
            problems.append(Problem(name, "is given more than once", name, line=at))
    problems += [Problem(c, "column is required", line=at) for c in required if c not in names]
    if problems:
        raise ValidationFailed.of(problems)
    return names, at


def records(rows: Any) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells) for every non-blank record."""
    previous = rows.line_num
    for record in rows:
        line, previous = previous + 1, rows.line_num
        if any(cell.strip() for cell in record):
            yield line, record
