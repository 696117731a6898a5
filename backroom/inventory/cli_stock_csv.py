"""Receipt files for ``backroom stock receive WH --file lines.csv``.

Columns: ``sku,qty`` required, ``unit_cost,lot,expiry`` optional. Every bad row is reported
with its file line, field and value, all at once, before anything is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, select

from backroom.catalog.tables import PRODUCTS
from backroom.core.errors import BackroomError, Problem, ProblemCollector, ValidationFailed
from backroom.inventory.services import ReceiptLine

COLUMNS = ("sku", "qty", "unit_cost", "lot", "expiry")
REQUIRED = ("sku", "qty")
PROGRESS_FROM_ROWS = 1000


@dataclass
class ReceiptFile:
    """The parsed lines, the file line each came from, and everything wrong with them."""

    lines: list[ReceiptLine] = field(default_factory=list)
    file_lines: list[int] = field(default_factory=list)
    problems: ProblemCollector = field(default_factory=ProblemCollector)


def read_receipt(path: Path, console: Console | None = None) -> ReceiptFile:
    """Parse ``path``; ``console`` shows a progress bar for big files when it is a terminal."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed.single("file", str(path), "is not UTF-8 text") from None
    except OSError as exc:
        raise ValidationFailed.single("file", str(path), f"cannot be read: {exc.strerror}"
                                      ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    out = ReceiptFile()
    _check_header(reader.fieldnames, out.problems)
    if out.problems:
        return out
    total = text.count("\n")
    with _progress(console, total) as advance:
        for row in reader:
            advance()
            if None in row:
                out.problems.add("row", "has more cells than the header", len(row) - 1,
                                 reader.line_num)
                continue
            if any((v or "").strip() for v in row.values()):
                _parse_row(row, reader.line_num, out)
    if not out.lines and not out.problems:
        out.problems.add("file", "has no receipt lines", str(path))
    return out


def _check_header(names: Sequence[str] | None, problems: ProblemCollector) -> None:
    if not names:
        problems.add("file", "is empty: the first line must name the columns "
                     + ",".join(COLUMNS), line=1)
        return
    clean = [n.strip() for n in names]
    for name in clean:
        if name not in COLUMNS:
            problems.add("header", "unknown column (expected " + ", ".join(COLUMNS) + ")",
                         name, 1)
    for name in REQUIRED:
        if name not in clean:
            problems.add("header", "missing required column", name, 1)


def _parse_row(row: dict[str, str | None], line: int, out: ReceiptFile) -> None:
    cells = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
    before = len(out.problems.problems)
    sku, lot = cells.get("sku", ""), cells.get("lot") or None
    if not sku:
        out.problems.add("sku", "is required", "", line)
    qty = _qty(cells.get("qty", ""), line, out.problems)
    cost = _cost(cells.get("unit_cost", ""), line, out.problems)
    expiry = _expiry(cells.get("expiry", ""), line, out.problems)
    if lot is not None and len(lot) > 64:
        out.problems.add("lot", "is longer than 64 characters", lot, line)
    if expiry is not None and lot is None:
        out.problems.add("expiry", "needs a lot: expiry belongs to a lot", cells["expiry"], line)
    if len(out.problems.problems) == before and qty is not None:
        out.lines.append(ReceiptLine(sku, qty, cost, lot, expiry))
        out.file_lines.append(line)


def _qty(raw: str, line: int, problems: ProblemCollector) -> int | None:
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    problems.add("qty", "must be a positive whole number", raw, line)
    return None


def _cost(raw: str, line: int, problems: ProblemCollector) -> Decimal | None:
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        problems.add("unit_cost", "must be a non-negative decimal number, e.g. 4.25", raw, line)
        return None
    return value


def _expiry(raw: str, line: int, problems: ProblemCollector) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.add("expiry", "must be a date YYYY-MM-DD", raw, line)
        return None


def check_catalog(conn: Connection, receipt: ReceiptFile) -> None:
    """Add a problem for every line whose SKU is unknown or whose lot does not fit its tracking."""
    p = PRODUCTS.c
    codes = sorted({ln.sku for ln in receipt.lines})
    tracking: dict[str, str] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        tracking.update({r.sku: r.tracking for r in conn.execute(
            select(p.sku, p.tracking).where(p.sku.in_(chunk)))})
    for ln, line in zip(receipt.lines, receipt.file_lines, strict=True):
        mode = tracking.get(ln.sku)
        if mode is None:
            receipt.problems.add("sku", "unknown SKU", ln.sku, line)
        elif mode in ("lot", "serial") and not ln.lot:
            receipt.problems.add("lot", f"{ln.sku} is {mode}-tracked: a lot/serial is required",
                                 "", line)
        elif mode == "none" and ln.lot:
            receipt.problems.add("lot", f"{ln.sku} is not lot-tracked: no lot may be given",
                                 ln.lot, line)
        elif mode == "serial" and ln.qty != 1:
            receipt.problems.add("qty", "serial-tracked units are received one per line",
                                 ln.qty, line)


def raise_problems(receipt: ReceiptFile, path: Path) -> None:
    """Every problem of the file at once, in line order; nothing has been written."""
    found = sorted(receipt.problems.problems, key=lambda p: p.line or 0)
    if found:
        raise ValidationFailed.of(found, f"{len(found)} problem(s) in {path}; nothing was "
                                  "received")


def with_file_lines(exc: BackroomError, file_lines: list[int]) -> BackroomError:
    """``exc`` with problem line numbers (1-based receipt lines) turned into file lines."""
    if not isinstance(exc, ValidationFailed) or not any(p.line for p in exc.problems):
        return exc

    def moved(p: Problem) -> Problem:
        if p.line is None or not 1 <= p.line <= len(file_lines):
            return p
        return Problem(p.field, p.message, p.value, file_lines[p.line - 1])

    return ValidationFailed.of([moved(p) for p in exc.problems])


@contextmanager
def _progress(console: Console | None, total: int) -> Iterator[Callable[[], None]]:
    if console is None or not console.is_terminal or total < PROGRESS_FROM_ROWS:
        yield _noop
        return
    columns = (TextColumn("reading rows"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("rows", total=total)
        yield lambda: bar.advance(task)


def posting(console: Console | None, count: int) -> AbstractContextManager[object]:
    """A spinner while a big receipt is posted (one transaction)."""
    if console is None or not console.is_terminal or count < PROGRESS_FROM_ROWS:
        return nullcontext()
    return console.status(f"posting {count} receipt lines…")


def _noop() -> None:
    return None

