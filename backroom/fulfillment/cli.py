"""``backroom fulfill …`` (allocation and fulfillment orders), ``backroom waves …`` and
``backroom pick …`` (batches, scans, pick-list PDF)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from backroom.cli.common import (
    JsonOption,
    console,
    emit,
    err_console,
    examples,
    get_uow,
    handle_errors,
)
from backroom.core.errors import ValidationFailed
from backroom.fulfillment import allocation, fulfillment_orders, pick_service
from backroom.fulfillment.waves import WaveRule, create_wave

fulfill_app = typer.Typer(
    help="Allocate orders to warehouses; fulfillment orders.", no_args_is_help=True,
    epilog=examples("backroom fulfill allocate", "backroom fulfill allocate --order 42 "
                    "--strategy priority", "backroom fulfill show 7",
                    "backroom fulfill hold 7 --reason 'address check'",
                    "backroom fulfill move 7 RNO", "backroom fulfill split 7 --line 12:1",
                    "backroom fulfill merge 7 9"))
waves_app = typer.Typer(
    help="Release fulfillment orders to the floor in waves.", no_args_is_help=True,
    epilog=examples("backroom waves create EWR --totes 8 --max-lines 300",
                    "backroom waves create EWR --cutoff 2026-11-27 --carrier PWY"))
pick_app = typer.Typer(
    help="Pick batches: show, start, scan, short, confirm, pick list.", no_args_is_help=True,
    epilog=examples("backroom pick list 3 --out pick-3.pdf", "backroom pick start 3 --picker ana",
                    "backroom pick scan 3 EWR-A-02-1 00614141000012",
                    "backroom pick short 3 41 1", "backroom pick confirm 3",
                    "backroom pick confirm-batches 3 4 5", "backroom pick confirm-batches "
                    "--wave 2"))


def _fo(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(view, True)
        return
    hold = f", held: {view['hold_reason']}" if view.get("hold_reason") else ""
    console.print(f"[bold]fulfillment order {view['id']}[/] (order {view['order_id']}, "
                  f"{view['warehouse']}): {view['state']}{hold}", highlight=False)
    emit(view["lines"], False, title="Lines",
         columns=["line", "order line", "sku id", "qty", "picked", "packed", "shipped"],
         rows=[[ln["id"], ln["order_line_id"], ln["sku_id"], ln["qty"], ln["picked"],
                ln["packed"], ln["shipped"]] for ln in view["lines"]])


@fulfill_app.command("allocate")
def allocate(order: list[int] = typer.Option([], "--order", help="Order id; repeatable. "
                                             "Default: every order ready for fulfillment."),
             strategy: str | None = typer.Option(None, "--strategy",
                                                 help="cost (default), priority or closest"),
             limit: int = typer.Option(10_000, "--limit", min=1),
             as_json: bool = JsonOption) -> None:
    """Source orders, reserve their stock and open fulfillment orders (a chunk of orders per
    transaction, oldest first; an order that cannot be allocated is listed, the rest go on)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with handle_errors(as_json), Progress(
            TextColumn("allocating"), BarColumn(), MofNCompleteColumn(), console=err_console,
            transient=True, disable=as_json) as bar:
        task = bar.add_task("orders", total=None)
        run = allocation.allocate_ready(
            get_uow(), limit=limit, strategy=strategy, order_ids=order or None,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    emit(run.as_dict(), as_json, title="Allocation", columns=["orders", "fulfillment orders",
         "reserved units", "backordered units", "failed"],
         rows=[[run.orders, run.fulfillment_orders, run.reserved_units, run.backordered_units,
                len(run.failed)]])
    for f in run.failed if not as_json else []:
        console.print(f"order {f['order_id']}: {f['error']}", highlight=False)


@fulfill_app.command("show")
def show(fo_id: int, as_json: bool = JsonOption) -> None:
    with handle_errors(as_json), get_uow().read() as conn:
        view = fulfillment_orders.get(conn, fo_id)
    _fo(view, as_json)


@fulfill_app.command("hold")
def hold(fo_id: int, reason: str = typer.Option(..., "--reason"),
         as_json: bool = JsonOption) -> None:
    with handle_errors(as_json):
        _fo(fulfillment_orders.hold(get_uow(), fo_id, reason), as_json)


@fulfill_app.command("release")
def release(fo_id: int, as_json: bool = JsonOption) -> None:
    with handle_errors(as_json):
        _fo(fulfillment_orders.release(get_uow(), fo_id), as_json)


@fulfill_app.command("cancel")
def cancel(fo_id: int, reason: str = typer.Option("", "--reason"),
           as_json: bool = JsonOption) -> None:
    """Cancel an unstarted fulfillment order; its units go back to sourcing."""
    with handle_errors(as_json):
        _fo(fulfillment_orders.cancel(get_uow(), fo_id, reason), as_json)


@fulfill_app.command("move")
def move(fo_id: int, warehouse: str, as_json: bool = JsonOption) -> None:
    """Ship a waiting fulfillment order from another warehouse."""
    with handle_errors(as_json):
        _fo(fulfillment_orders.move(get_uow(), fo_id, warehouse), as_json)


@fulfill_app.command("split")
def split(fo_id: int, line: list[str] = typer.Option(..., "--line", help="LINE_ID:QTY; "
                                                     "repeatable"),
          as_json: bool = JsonOption) -> None:
    """Split units off into a new fulfillment order of the same warehouse."""
    with handle_errors(as_json):
        take = {}
        for spec in line:
            left, _, right = spec.partition(":")
            if not (left.strip().isdigit() and right.strip().isdigit()):
                raise ValidationFailed.single("--line", spec, "must be LINE_ID:QTY")
            take[int(left)] = int(right)
        _fo(fulfillment_orders.split(get_uow(), fo_id, take), as_json)


@fulfill_app.command("merge")
def merge(fo_ids: list[int], as_json: bool = JsonOption) -> None:
    with handle_errors(as_json):
        _fo(fulfillment_orders.merge(get_uow(), fo_ids), as_json)


@waves_app.command("create")
def wave(warehouse: str,
         cutoff: str | None = typer.Option(None, "--cutoff", help="YYYY-MM-DD: orders "
                                           "promised by then"),
         carrier: list[str] = typer.Option([], "--carrier"),
         min_priority: int | None = typer.Option(None, "--min-priority"),
         zone: str | None = typer.Option(None, "--zone"),
         max_lines: int = typer.Option(500, "--max-lines"),
         max_orders: int | None = typer.Option(None, "--max-orders"),
         totes: int = typer.Option(8, "--totes", help="totes per cart"),
         as_json: bool = JsonOption) -> None:
    """Release a wave: reserve bins and build routed pick batches."""
    with handle_errors(as_json):
        from backroom.cli.common import parse_date

        day: date | None = parse_date("--cutoff", cutoff)
        result = create_wave(get_uow(), WaveRule(warehouse, day, tuple(carrier), min_priority,
                                                 zone, max_lines, max_orders, totes))
    emit(result.as_dict(), as_json, title="Wave", columns=["wave", "orders", "lines",
         "batches", "skipped"], rows=[[result.wave_id, result.orders, result.lines,
                                      ", ".join(map(str, result.batches)),
                                      len(result.skipped)]])


def _batch(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(view, True)
        return
    console.print(f"[bold]pick batch {view['id']}[/]: {view['state']}, {len(view['tasks'])} "
                  f"picks, walk {view['route_length_m']:.0f} m", highlight=False)
    emit(view["tasks"], False, title="Picks", columns=["#", "bin", "sku", "lot", "qty",
         "picked", "tote", "state"],
         rows=[[t["seq"], t["bin"], t["sku"], t["lot"] or "", t["qty"], t["picked"],
                t["tote"], t["state"]] for t in view["tasks"]])


@pick_app.command("show")
def pick_show(batch_id: int, as_json: bool = JsonOption) -> None:
    with handle_errors(as_json), get_uow().read() as conn:
        view = pick_service.batch_view(conn, batch_id)
    _batch(view, as_json)


@pick_app.command("start")
def pick_start(batch_id: int, picker: str = typer.Option("", "--picker"),
               as_json: bool = JsonOption) -> None:
    with handle_errors(as_json):
        _batch(pick_service.start(get_uow(), batch_id, picker), as_json)


@pick_app.command("scan")
def pick_scan(batch_id: int, bin_code: str, barcode: str,
              qty: int | None = typer.Option(None, "--qty"),
              lot: str | None = typer.Option(None, "--lot"), as_json: bool = JsonOption) -> None:
    """Confirm a pick: the bin, then the item's barcode (or SKU)."""
    with handle_errors(as_json):
        _batch(pick_service.pick_scan(get_uow(), batch_id, bin_code=bin_code, barcode=barcode,
                                      qty=qty, lot=lot), as_json)


@pick_app.command("short")
def pick_short(batch_id: int, task_id: int, found: int, as_json: bool = JsonOption) -> None:
    """The bin held fewer units than the pick: count it and re-source the rest."""
    with handle_errors(as_json):
        view = pick_service.short_pick(get_uow(), batch_id, task_id, found)
    if not as_json:
        console.print(view["short"]["outcome"], highlight=False)
    _batch(view, as_json)


@pick_app.command("confirm")
def pick_confirm(batch_id: int, as_json: bool = JsonOption) -> None:
    """Confirm every open pick of the batch as picked in full."""
    with handle_errors(as_json):
        _batch(pick_service.confirm_all(get_uow(), batch_id), as_json)


@pick_app.command("confirm-batches")
def pick_confirm_batches(batch_ids: list[int] = typer.Argument(None, help="Batch ids"),
                         wave: int | None = typer.Option(None, "--wave", help="Every open "
                                                         "batch of this wave"),
                         as_json: bool = JsonOption) -> None:
    """Confirm many carts at once (every open pick picked in full); each cart that cannot be
    confirmed is listed with why, the rest are confirmed."""
    with handle_errors(as_json):
        uow = get_uow()
        ids = list(batch_ids or [])
        if wave is not None:
            ids += pick_service.open_batches(uow, wave)
        if not ids:
            raise ValidationFailed.single("batch_ids", None, "name batch ids or --wave")
        run = pick_service.confirm_batches(uow, ids)
    emit(run.as_dict(), as_json, title="Confirmed carts", columns=["batch", "state", "picks",
         "units"], rows=[[c["batch_id"], c["state"], c["picks"], c["units"]]
                         for c in run.confirmed])
    for f in run.failed if not as_json else []:
        console.print(f"batch {f['batch_id']}: {f['error']}", highlight=False)


@pick_app.command("list")
def pick_list(batch_id: int, out: Path = typer.Option(..., "--out", help="PDF file to write"),
              as_json: bool = JsonOption) -> None:
    """Write the printable pick list (stops in walking order and a route map)."""
    with handle_errors(as_json), get_uow().read() as conn:
        pick_service.batch_view(conn, batch_id)
        from backroom.fulfillment.picklist import pick_list_pdf  # ReportLab: loaded when used

        out.write_bytes(pick_list_pdf(conn, batch_id))
    emit({"file": str(out), "bytes": out.stat().st_size}, as_json)
