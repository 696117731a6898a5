"""Shared CLI plumbing: the unit of work, ``--json`` output and error translation.

Every command body runs inside ``handle_errors()``: a ``BackroomError`` prints its message (and
each problem with line, field and value) to stderr and exits with code 2, with nothing written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from backroom.core.errors import BackroomError, ValidationFailed
from backroom.db.uow import UnitOfWork

console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def get_uow() -> UnitOfWork:
    return UnitOfWork.from_url()


@contextmanager
def handle_errors(as_json: bool = False) -> Iterator[None]:
    try:
        yield
    except BackroomError as exc:
        if as_json:
            print(json.dumps(exc.as_dict()), file=sys.stderr)
        else:
            err_console.print(f"[bold red]error[/] [dim]({exc.code})[/]: {exc.message}",
                              highlight=False)
            for problem in exc.problems[:200]:
                err_console.print(f"  - {problem}", highlight=False)
            if len(exc.problems) > 200:
                err_console.print(f"  … and {len(exc.problems) - 200} more")
        raise typer.Exit(2) from None


def print_json(data: Any) -> None:
    from fastapi.encoders import jsonable_encoder  # FastAPI takes ~0.6 s to import: only for --json

    print(json.dumps(jsonable_encoder(data), indent=2))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


def emit(data: Any, as_json: bool, *, title: str = "", columns: Sequence[str] = (),
         rows: Sequence[Sequence[Any]] = ()) -> None:
    """Print ``data`` as JSON, or ``rows`` as a table for people."""
    if as_json:
        print_json(data)
    elif columns:
        print_table(title, columns, rows)
    else:
        console.print(data)


def parse_date(name: str, raw: str | None) -> date | None:
    """An ISO date from an option, or a clear error naming the option."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.single(name, raw, "must be a date YYYY-MM-DD") from None


def examples(*commands: str) -> str:
    """A command group's ``--help`` epilog: one example command per paragraph."""
    return "[bold]Examples[/]\n\n" + "\n\n".join(f"  {c}" for c in commands)
