"""``backroom routes …``: plan last-mile delivery routes from a JSON request file.

Exit codes: 0 every delivery placed; 1 a plan was made but some deliveries are not placed (each
listed with its reason; the files are still written, the plan says what is missing); 2 bad input,
including ``--strict`` with a delivery no vehicle can serve (nothing is written).
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import typer

from backroom.cli.common import console, emit, err_console, handle_errors, print_table
from backroom.core.errors import ProblemCollector, ValidationFailed

app = typer.Typer(help="Last-mile delivery routes for your own vans: plan, route sheets, map.",
                  no_args_is_help=True)

SAMPLE = "berlin.json"


@app.command("plan")
def plan(
    file: Path = typer.Argument(..., help="Request JSON: depot, vehicles, deliveries (see "
                                "`backroom routes sample`); - reads standard input"),
    solver: str | None = typer.Option(None, "--solver", help="vroom (default) or ortools"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="Seconds of search "
                                            "(default: from the file, else by size)"),
    strict: bool = typer.Option(False, "--strict", help="Refuse the request (exit 2) if any "
                                "delivery cannot be served by any vehicle"),
    matrix: Path | None = typer.Option(None, "--matrix", help="Road distances: JSON "
                                       "{ids, distances_m, durations_s} or CSV from,to,"
                                       "distance_m[,duration_s]"),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write route sheets (PDF) here"),
    svg: Path | None = typer.Option(None, "--svg", help="Write the route map (SVG) here"),
    seed: int | None = typer.Option(None, "--seed", help="Random seed of the search"),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Plan routes; print the route sheets; optionally write the PDF and the SVG map."""
    from backroom.shipping.routing.output import write_atomically
    from backroom.shipping.routing.parse import parse_request
    from backroom.shipping.routing.pdf import render_pdf
    from backroom.shipping.routing.planner import plan_routes
    from backroom.shipping.routing.svg import render_svg

    with handle_errors(as_json):
        data = _read_json(file)
        overrides = {"solver": solver, "time_limit_s": time_limit, "seed": seed,
                     "strict": True if strict else None}
        _apply(data, {k: v for k, v in overrides.items() if v is not None}, matrix)
        result = plan_routes(parse_request(data))
        files = {}  # rendered first, so a failure leaves no file behind
        if pdf is not None:
            files[pdf] = render_pdf(result, title=f"Routes from {file.name}")
        if svg is not None:
            files[svg] = render_svg(result, title=f"Routes from {file.name}").encode()
        for path, content in files.items():
            try:
                write_atomically(path, content)
            except OSError as exc:
                raise ValidationFailed.single("output", str(path),
                                              f"cannot be written: {exc.strerror}") from None
    if as_json:
        emit(result.as_dict(), True)
    else:
        _print(result, pdf, svg)
    if result.unassigned or not result.feasible:
        raise typer.Exit(1)


@app.command("sample")
def sample() -> None:
    """Print a sample request (Berlin, 3 vehicles, 30 deliveries) to start from."""
    print(resources.files("backroom.shipping.routing.samples").joinpath(SAMPLE)
          .read_text(encoding="utf-8"), end="")


def _read_json(path: Path) -> Any:
    if str(path) != "-" and (not path.exists() or path.is_dir()):
        raise ValidationFailed.single("file", str(path), "does not exist or is not a file")
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValidationFailed.single("file", str(path), "is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        problems = ProblemCollector()
        problems.add("file", f"is not valid JSON: {exc.msg} (column {exc.colno})", str(path),
                     line=exc.lineno)
        problems.raise_if_any()
        raise  # unreachable: raise_if_any raised


def _apply(data: Any, options: dict[str, Any], matrix: Path | None) -> None:
    if not isinstance(data, dict):
        return  # the parser reports it
    current = data.get("options", {})
    if options and isinstance(current, dict):  # else the parser reports the bad "options"
        data["options"] = {**current, **options}
    if matrix is not None:
        from backroom.shipping.routing.distance import load_matrix_text

        if not matrix.is_file():
            raise ValidationFailed.single("matrix", str(matrix), "does not exist or is not a file")
        problems = ProblemCollector()
        loaded = load_matrix_text(matrix.read_text(encoding="utf-8"), matrix.name, problems)
        problems.raise_if_any()
        if loaded is not None:
            data["matrix"] = {"ids": list(loaded.ids),
                              "distances_m": [list(r) for r in loaded.distances_m],
                              "durations_s": None if loaded.durations_s is None
                              else [list(r) for r in loaded.durations_s]}


def _print(result: Any, pdf: Path | None, svg: Path | None) -> None:
    from rich.table import Table

    from backroom.shipping.routing import sheets

    print_table("Routes", sheets.SUMMARY_COLUMNS, sheets.summary_rows(result))
    for route in result.routes:
        table = Table(title=f"{sheets.vehicle_label(route.vehicle)} · leave "
                            f"{sheets.hhmm(route.departure, route.vehicle.shift_start)} · back "
                            f"{sheets.hhmm(route.return_at, route.vehicle.shift_start)}")
        for i in sheets.SCREEN_COLUMNS:
            name = sheets.STOP_COLUMNS[i]
            table.add_column(name, overflow="fold", no_wrap=name != "address",
                             ratio=1 if name == "address" else None)
        for row in sheets.stop_rows(route):
            table.add_row(*(row[i] for i in sheets.SCREEN_COLUMNS))
        console.print(table)
    if result.unassigned:
        print_table("Not placed", ("delivery", "address", "reason"),
                    [(u.delivery.id, u.delivery.address, u.reason) for u in result.unassigned])
    console.print(sheets.totals(result), highlight=False)
    for label, path in (("route sheets", pdf), ("map", svg)):
        if path is not None:
            console.print(f"{label}: {path}", highlight=False)
    if not result.feasible:
        err_console.print("[bold red]the plan failed its own check:[/] "
                          + "; ".join(result.violations[:5]), highlight=False)
