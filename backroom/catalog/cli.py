"""``backroom products …`` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backroom.catalog import csvio, queries
from backroom.catalog.model import ProductSpec
from backroom.catalog.services import (
    ImportResult,
    activate_product,
    create_product,
    deactivate_product,
    import_products,
)
from backroom.cli.common import JsonOption, console, emit, err_console, get_uow, handle_errors
from backroom.core.errors import NotFound, Problem, ValidationFailed
from backroom.core.settings import get_settings

app = typer.Typer(help="Products (SKUs): add, list, show, import and export CSV.",
                  no_args_is_help=True)

_LIST_COLUMNS = ["sku", "name", "barcodes", "tracking", "weight g", "packs", "cost", "active"]
_PROGRESS_FROM_LINES = 2000


def _currency() -> str:
    return get_settings().base_currency.upper()


def _row(p: dict[str, Any]) -> list[Any]:
    packs = ", ".join(f"{u['name']} {u['qty']}" for u in p["packagings"] if u["name"] != "each")
    return [p["sku"], p["name"], " ".join(b["code"] for b in p["barcodes"]), p["tracking"],
            p["weight_g"], packs, p["standard_cost"], "yes" if p["active"] else "no"]


@app.command("add")
def add(sku: str = typer.Argument(..., help="The SKU code."),
        name: str = typer.Option(..., "--name"),
        description: str = typer.Option("", "--description"),
        barcode: list[str] = typer.Option([], "--barcode",
                                          help="GTIN, or GTIN:case / GTIN:inner; repeatable."),
        length_mm: int | None = typer.Option(None, "--length-mm"),
        width_mm: int | None = typer.Option(None, "--width-mm"),
        height_mm: int | None = typer.Option(None, "--height-mm"),
        weight_g: int | None = typer.Option(None, "--weight-g"),
        tracking: str = typer.Option("none", "--tracking", help="none, lot or serial"),
        shelf_life_days: int | None = typer.Option(None, "--shelf-life-days"),
        inner_qty: int | None = typer.Option(None, "--inner-qty"),
        case_qty: int | None = typer.Option(None, "--case-qty"),
        standard_cost: str = typer.Option("", "--standard-cost", help="e.g. 12.50"),
        inactive: bool = typer.Option(False, "--inactive"),
        as_json: bool = JsonOption) -> None:
    """Create a product."""
    numbers = {"length_mm": length_mm, "width_mm": width_mm, "height_mm": height_mm,
               "weight_g": weight_g, "shelf_life_days": shelf_life_days,
               "inner_qty": inner_qty, "case_qty": case_qty}
    cells = {"sku": sku, "name": name, "description": description, "barcode": "|".join(barcode),
             "tracking": tracking, "standard_cost": standard_cost,
             "active": "false" if inactive else "true",
             **{k: "" if v is None else str(v) for k, v in numbers.items()}}
    with handle_errors(as_json):
        row = csvio.parse_cells(cells, _currency())
        if row.problems:
            raise ValidationFailed.of(list(row.problems))
        product = create_product(get_uow(), ProductSpec(sku=row.sku).with_changes(row.values))
        _show(product, as_json, verb="created")


@app.command("list")
def list_(search: str = typer.Option("", "--search", help="Part of SKU or name, or a barcode."),
          active: bool | None = typer.Option(None, "--active/--inactive",
                                             help="Only active or only inactive products."),
          limit: int = typer.Option(100, "--limit", min=1, max=10_000),
          after: str = typer.Option("", "--after", help="Start after this SKU."),
          as_json: bool = JsonOption) -> None:
    """List products in SKU order."""
    with handle_errors(as_json), get_uow().read() as conn:
        items = queries.list_products(conn, _currency(), search=search or None, active=active,
                                      limit=limit, after_sku=after or None)
    emit(items, as_json, title="Products", columns=_LIST_COLUMNS, rows=[_row(p) for p in items])


@app.command("show")
def show(sku: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Show one product with its barcodes and packaging units."""
    with handle_errors(as_json):
        with get_uow().read() as conn:
            product = queries.get_product(conn, sku, _currency())
        if product is None:
            raise NotFound(f"no product {sku!r}")
        _show(product, as_json)


@app.command("activate")
def activate(sku: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Make a product sellable again."""
    with handle_errors(as_json):
        _show(activate_product(get_uow(), sku), as_json, verb="activated")


@app.command("deactivate")
def deactivate(sku: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Retire a product (it stays in the books and in history)."""
    with handle_errors(as_json):
        _show(deactivate_product(get_uow(), sku), as_json, verb="deactivated")


def _show(product: dict[str, Any], as_json: bool, verb: str = "") -> None:
    if as_json:
        emit(product, True)
        return
    if verb:
        console.print(f"{verb} [bold]{product['sku']}[/]")
    table = Table(show_header=False, title=product["sku"])
    for key, value in product.items():
        if key == "barcodes":
            value = ", ".join(b["code"] + ("" if b["packaging"] == "each" else f" ({b['packaging']})")
                              for b in value)
        elif key == "packagings":
            value = ", ".join(f"{u['name']} = {u['qty']}" for u in value)
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@app.command("import")
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                        help="CSV with a header line; see docs/catalog.md."),
            skip_invalid: bool = typer.Option(False, "--skip-invalid",
                                              help="Write the good rows; report the bad ones."),
            as_json: bool = JsonOption) -> None:
    """Create or update products from a CSV file (matched by SKU).

    Every bad row is listed with its line, field and value. Without --skip-invalid nothing is
    written if any row is bad (exit 2).
    """
    with handle_errors(as_json):
        try:
            result = _import_file(file, skip_invalid, show_progress=not as_json)
        except ValidationFailed as exc:
            _report_failure(exc, as_json)
            raise typer.Exit(2) from None
    if as_json:
        emit(result.as_dict(), True)
    else:
        console.print(f"created {result.created}, updated {result.updated}, unchanged "
                      f"{result.unchanged}, skipped {result.invalid_rows} bad rows")
        if result.errors:
            _problem_table(result.errors, "Skipped rows")
    raise typer.Exit(2 if result.errors and not result.valid_rows else 0)


def _import_file(path: Path, skip_invalid: bool, *, show_progress: bool) -> ImportResult:
    data = path.read_bytes()
    lines = data.count(b"\n")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True,
                  disable=not show_progress or lines < _PROGRESS_FROM_LINES) as bar:
        reading = bar.add_task("reading rows", total=lines)
        rows = csvio.read_csv(data, _currency(),
                              progress=lambda n: bar.update(reading, completed=n))
        bar.update(reading, completed=lines)
        writing = bar.add_task("checking and writing", total=len(rows))
        return import_products(get_uow(), rows, skip_invalid=skip_invalid,
                               progress=lambda done, total: bar.update(writing, completed=done,
                                                                       total=total))


def _report_failure(exc: ValidationFailed, as_json: bool) -> None:
    if as_json:
        print(json.dumps(exc.as_dict()), file=sys.stderr)
        return
    _problem_table(exc.problems, "Problems")
    if "invalid_rows" in exc.data:
        summary = (f"{exc.data['invalid_rows']} of {exc.data['rows']} rows are invalid; nothing "
                   "was imported (fix them, or use --skip-invalid to import the others)")
    else:
        summary = "the file cannot be read as a products CSV; nothing was imported"
    err_console.print(f"[bold red]error[/]: {summary}", highlight=False)


def _problem_table(problems: list[Problem], title: str) -> None:
    table = Table(title=title)
    for column in ("line", "field", "value", "message"):
        table.add_column(column, overflow="fold")
    for p in problems[:500]:
        table.add_row("" if p.line is None else str(p.line), p.field,
                      "" if p.value is None else str(p.value), p.message)
    err_console.print(table)
    if len(problems) > 500:
        err_console.print(f"… and {len(problems) - 500} more")


@app.command("export")
def export(file: str = typer.Argument(..., help="Output CSV path, or - for standard output."),
           as_json: bool = JsonOption) -> None:
    """Write every product to a CSV that `products import` reads back unchanged."""
    with handle_errors(as_json), get_uow().read() as conn:
        products = queries.iter_products(conn, _currency())
        if file == "-":
            count = csvio.write_csv(sys.stdout, products)
            return
        try:
            with open(file, "w", newline="", encoding="utf-8") as out:
                count = csvio.write_csv(out, products)
        except OSError as exc:
            raise ValidationFailed.single("file", file, f"cannot be written: {exc.strerror}") from None
    emit({"file": file, "products": count} if as_json else f"exported {count} products to {file}",
         as_json)
