"""``backroom import orders --format shopify|woocommerce|csv FILE``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from backroom.cli.common import JsonOption, console, emit, err_console, get_uow, handle_errors
from backroom.core.errors import ValidationFailed
from backroom.orders import batch

app = typer.Typer(help="Import files people already have (channel order exports).",
                  no_args_is_help=True)
_PROGRESS_FROM = 200


@app.command("orders")
def orders(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                       help="Shopify or WooCommerce order JSON, or order CSV."),
           fmt: str = typer.Option(..., "--format", help="shopify, woocommerce or csv"),
           channel: str | None = typer.Option(None, "--channel",
                                              help="Channel code (default: the only channel "
                                                   "of that kind)."),
           all_or_nothing: bool = typer.Option(False, "--all-or-nothing",
                                               help="Import nothing if any order is bad."),
           as_json: bool = JsonOption) -> None:
    """Import orders; each bad order is reported with its position (and CSV line) and the good
    ones are imported. Re-importing is harmless: unchanged orders are counted, not duplicated.
    Exits 2 if any order was refused."""
    with handle_errors(as_json):
        if fmt not in batch.FORMATS:
            raise ValidationFailed.single("--format", fmt, "must be shopify, woocommerce or csv")
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed.single("file", str(file), "is not UTF-8 text") from None
        entries = batch.parse_file(fmt, text)
        if entries and entries[0].index == 0:
            raise ValidationFailed.of(list(entries[0].problems), "the CSV header is not usable")
        uow = get_uow()
        code = channel or batch.default_channel(uow, fmt)
        result = _run(uow, code, fmt, entries, all_or_nothing, show=not as_json
                      and len(entries) >= _PROGRESS_FROM)
    _report(result, as_json)
    if result.failed:
        raise typer.Exit(2)


def _run(uow: Any, code: str, fmt: str, entries: list[batch.Entry], all_or_nothing: bool,
         show: bool) -> batch.BatchResult:
    actor = f"import:{fmt}"
    if not show:
        return batch.import_entries(uow, code, fmt, entries, actor=actor,
                                    all_or_nothing=all_or_nothing)
    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
                  console=err_console) as bar:
        task = bar.add_task("orders", total=len(entries))
        return batch.import_entries(uow, code, fmt, entries, actor=actor,
                                    all_or_nothing=all_or_nothing,
                                    progress=lambda n: bar.advance(task, n))


def _report(result: batch.BatchResult, as_json: bool) -> None:
    if as_json:
        emit(result.as_dict(), True)
        return
    counts = result.counts
    console.print(f"channel {result.channel}: {counts['new']} new, {counts['updated']} "
                  f"updated, {counts['unchanged']} unchanged, {counts['stale']} stale, "
                  f"{counts['error']} refused", highlight=False)
    held = [i for i in result.items if i.get("holds")]
    for item in held[:50]:
        console.print(f"  on hold: order {item['index']} {item['external_id']!r} "
                      f"({', '.join(item['holds'])})", highlight=False)
    for item in result.items:
        for note in item.get("ignored") or []:
            console.print(f"  not applied to {item['external_id']!r}: {note}", highlight=False)
    for item in result.failed:
        at = f" (line {item['line']})" if item.get("line") else ""
        head = f"error: order {item['index']} {item['external_id']!r}{at}"
        if not item["problems"]:
            print(f"{head}: {item['error']}", file=sys.stderr)
            continue
        print(f"{head}:", file=sys.stderr)
        for p in item["problems"]:
            line = f"line {p['line']}: " if p.get("line") else ""
            got = f" (got {p['value']!r})" if "value" in p else ""
            print(f"  - {line}{p['field']}: {p['message']}{got}", file=sys.stderr)
