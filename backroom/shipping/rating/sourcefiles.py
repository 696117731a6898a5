"""Reading rate-card files with line numbers: YAML (every scalar kept as text) and CSV.

Every problem is a ``Problem`` whose field starts with the file (relative to the rate
directory), e.g. ``parcelway/rates.csv:max_weight`` on line 12, so a merchant can go straight to
the cell that is wrong.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from backroom.core.errors import Problem

Path_ = tuple[str | int, ...]
_NULL_TAG = "tag:yaml.org,2002:null"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Sink:
    """Collects problems for one rate directory."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, name: str, message: str, value: Any = None,
            line: int | None = None) -> None:
        where = f"{file}:{name}" if name else file
        self.problems.append(Problem(where, message, value, line))


@dataclass(frozen=True)
class YamlDoc:
    """A YAML document as plain data (scalars as strings) plus the line of every path."""

    file: str
    data: Any
    lines: dict[Path_, int]

    def line(self, path: Sequence[str | int]) -> int | None:
        at = tuple(path)
        while at:
            if at in self.lines:
                return self.lines[at]
            at = at[:-1]
        return self.lines.get(())

    @staticmethod
    def field_name(path: Sequence[str | int]) -> str:
        out = ""
        for part in path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out


def read_yaml(path: Path, file: str, sink: Sink) -> YamlDoc | None:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_Loader)
    except (OSError, UnicodeDecodeError) as exc:
        sink.add(file, "", f"cannot be read: {exc}")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        sink.add(file, "", f"is not valid YAML: {exc.problem or exc}",
                 line=mark.line + 1 if mark else None)
        return None
    if not isinstance(node, MappingNode):
        sink.add(file, "", "must be a YAML mapping (key: value lines)", line=1)
        return None
    lines: dict[Path_, int] = {(): 1}
    data = _plain(node, (), lines, file, sink)
    return YamlDoc(file, data, lines)


def _plain(node: Node, at: Path_, lines: dict[Path_, int], file: str, sink: Sink) -> Any:
    if isinstance(node, ScalarNode):
        return None if node.tag == _NULL_TAG else str(node.value)
    if isinstance(node, SequenceNode):
        out_list = []
        for i, child in enumerate(node.value):
            lines[(*at, i)] = child.start_mark.line + 1
            out_list.append(_plain(child, (*at, i), lines, file, sink))
        return out_list
    assert isinstance(node, MappingNode)
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key in out:
            sink.add(file, YamlDoc.field_name((*at, key)), "is given twice", line=line)
        lines[(*at, key)] = line
        out[key] = _plain(value_node, (*at, key), lines, file, sink)
    return out


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: dict[str, str]


def read_csv(path: Path, file: str, columns: Sequence[str], sink: Sink) -> list[CsvRow] | None:
    """Rows of a CSV file with a header naming exactly ``columns`` (in any order). Blank lines
    and lines starting with ``#`` are skipped."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        sink.add(file, "", f"cannot be read: {exc}")
        return None
    with handle:
        try:
            return _rows(csv.reader(handle), file, columns, sink)
        except (csv.Error, UnicodeDecodeError) as exc:
            sink.add(file, "", f"is not a readable CSV file: {exc}")
            return None


def _rows(reader: Iterator[list[str]], file: str, columns: Sequence[str],
          sink: Sink) -> list[CsvRow] | None:
    header: list[str] | None = None
    rows: list[CsvRow] = []
    for record in reader:
        line = getattr(reader, "line_num", 0)
        if not record or not any(c.strip() for c in record) or record[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in record]
            missing = [c for c in columns if c not in header]
            unknown = [c for c in header if c not in columns]
            if missing or unknown:
                sink.add(file, "header", f"must name the columns {', '.join(columns)}"
                         + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; unknown {', '.join(unknown)}" if unknown else ""),
                         ",".join(record), line)
                return None
            continue
        if len(record) != len(header):
            sink.add(file, "", f"has {len(record)} cells, the header has {len(header)}",
                     line=line)
            continue
        rows.append(CsvRow(line, {h: c.strip() for h, c in zip(header, record, strict=True)}))
    if header is None:
        sink.add(file, "", f"is empty: it needs a header line ({','.join(columns)})")
        return None
    return rows


def parse_decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def to_milli(value: Decimal) -> int | None:
    """A weight or length in thousandths, or None if it has more than 3 decimals."""
    scaled = value.scaleb(3)
    return int(scaled) if scaled == scaled.to_integral_value() else None
