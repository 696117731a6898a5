"""``backroom boxes …`` (the box catalog) and ``backroom pack …`` (propose cartons, open,
scan, unpack, seal, reopen, show, and ship a packed fulfillment order)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

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
from backroom.core.money import from_minor
from backroom.core.settings import get_settings
from backroom.fulfillment import boxes, packing_service
from backroom.fulfillment.box_csv import import_boxes
from backroom.fulfillment.shipping_service import ship_fulfillment_order

boxes_app = typer.Typer(
    help="The box catalog cartonization chooses from.", no_args_is_help=True,
    epilog=examples("backroom boxes seed", "backroom boxes import boxes.csv",
                    "backroom boxes create BOX-M --length 300 --width 200 --height 150 "
                    "--max-weight 10000 --cost 0.85", "backroom boxes list --all"))
pack_app = typer.Typer(
    help="Pack a picked fulfillment order into cartons, then ship it.", no_args_is_help=True,
    epilog=examples("backroom pack propose 7", "backroom pack scan 7 1 00614141000012 --qty 2",
                    "backroom pack seal 7 1", "backroom pack unpack 7 1 PLAIN --qty 2",
                    "backroom pack reopen 7 1", "backroom pack accept --all-picked --wave 3",
                    "backroom pack ship 7",
                    "backroom pack ship 7 --carton 1 --carrier PWY --service GROUND",
                    "backroom pack ship --all-packed --warehouse EWR"))
_BOX_COLUMNS = ["code", "name", "inner mm", "max g", "tare g", "cost", "active"]


def _box_rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    return [[b["code"], b["name"], f"{b['inner_length_mm']}×{b['inner_width_mm']}×"
             f"{b['inner_height_mm']}", b["max_weight_g"], b["tare_g"],
             f"{b['cost']} {b['currency']}", "yes" if b["active"] else "no"] for b in items]


@boxes_app.command("list")
def list_boxes(all_boxes: bool = typer.Option(False, "--all", help="Include deactivated boxes."),
               as_json: bool = JsonOption) -> None:
    with handle_errors(as_json):
        items = boxes.list_boxes(get_uow(), include_inactive=all_boxes)
    emit(items, as_json, title="Boxes", columns=_BOX_COLUMNS, rows=_box_rows(items))


@boxes_app.command("create")
def create(code: str, length: int = typer.Option(..., "--length", help="Inner length, mm."),
           width: int = typer.Option(..., "--width", help="Inner width, mm."),
           height: int = typer.Option(..., "--height", help="Inner height, mm."),
           max_weight: int = typer.Option(..., "--max-weight", help="Most the contents may "
                                          "weigh, g."),
           cost: str = typer.Option("0", "--cost", help="One box, in the base currency."),
           tare: int = typer.Option(0, "--tare", help="What the empty box weighs, g."),
           name: str = typer.Option("", "--name"), as_json: bool = JsonOption) -> None:
    """Add a box to the catalog."""
    with handle_errors(as_json):
        box = boxes.create_box(get_uow(), boxes.BoxSpec(code, length, width, height, max_weight,
                                                        cost, tare, name))
    emit(box, as_json, title="Box created", columns=_BOX_COLUMNS, rows=_box_rows([box]))


@boxes_app.command("update")
def update(code: str, length: int | None = typer.Option(None, "--length"),
           width: int | None = typer.Option(None, "--width"),
           height: int | None = typer.Option(None, "--height"),
           max_weight: int | None = typer.Option(None, "--max-weight"),
           cost: str | None = typer.Option(None, "--cost"),
           tare: int | None = typer.Option(None, "--tare"),
           name: str | None = typer.Option(None, "--name"), as_json: bool = JsonOption) -> None:
    """Change some fields of a box."""
    given = {"inner_length_mm": length, "inner_width_mm": width, "inner_height_mm": height,
             "max_weight_g": max_weight, "cost": cost, "tare_g": tare, "name": name}
    with handle_errors(as_json):
        box = boxes.update_box(get_uow(), code, {k: v for k, v in given.items()
                                                 if v is not None})
    emit(box, as_json, title="Box updated", columns=_BOX_COLUMNS, rows=_box_rows([box]))


@boxes_app.command("deactivate")
def deactivate(code: str, as_json: bool = JsonOption) -> None:
    """Stop proposing and opening a box."""
    with handle_errors(as_json):
        box = boxes.deactivate_box(get_uow(), code)
    emit(box, as_json, title="Box deactivated", columns=_BOX_COLUMNS, rows=_box_rows([box]))


@boxes_app.command("import")
def import_file(file: Path = typer.Argument(..., help="CSV: code,name,inner_length_mm,"
                                            "inner_width_mm,inner_height_mm,max_weight_g,"
                                            "tare_g,cost"),
                as_json: bool = JsonOption) -> None:
    """Create or update boxes from a CSV file: every row good, or nothing written."""
    with handle_errors(as_json):
        if not file.is_file():
            raise ValidationFailed.single("file", str(file), "no such file")
        result = import_boxes(get_uow(), file.read_bytes())
    emit(result, as_json, title="Box import", columns=["created", "updated", "unchanged"],
         rows=[[result["created"], result["updated"], result["unchanged"]]])


@boxes_app.command("seed")
def seed(as_json: bool = JsonOption) -> None:
    """Add the default mailers and cartons that are not in the catalog yet."""
    with handle_errors(as_json):
        result = boxes.seed_default_boxes(get_uow())
    emit(result, as_json, title="Default boxes", columns=["created", "already there"],
         rows=[[", ".join(result["created"]) or "-", ", ".join(result["existing"]) or "-"]])


def _cartons(view: dict[str, Any], title: str) -> None:
    emit(view, False, title=title, columns=["carton", "box", "state", "weight g", "items"],
         rows=[[c["carton_no"], c["box"], c.get("state", "proposed"),
                c["weight_g"], ", ".join(f"{i['sku']}×{i['qty']}" for i in c["items"])]
               for c in view["cartons"]])


@pack_app.command("propose")
def propose(fo_id: int = typer.Argument(..., metavar="FO"), as_json: bool = JsonOption) -> None:
    """Propose the cartons for a picked fulfillment order."""
    with handle_errors(as_json):
        proposal = packing_service.propose_cartons(get_uow(), fo_id)
    if as_json:
        emit(proposal, True)
        return
    _cartons(proposal, f"Cartons for fulfillment order {fo_id}")
    console.print(f"boxes {proposal['box_cost_minor']} + shipping "
                  f"{proposal['shipping_cost_minor']} = {proposal['total_minor']} "
                  f"{proposal['currency']} minor units ({proposal['ship_cost_model']})")


@pack_app.command("open")
def open_carton(fo_id: int = typer.Argument(..., metavar="FO"),
                box: str = typer.Argument(..., help="Box code."),
                as_json: bool = JsonOption) -> None:
    """Open another carton."""
    with handle_errors(as_json):
        result = packing_service.open_carton(get_uow(), fo_id, box)
    if as_json:
        emit(result, True)
        return
    console.print(
        f"carton {result['carton']['carton_no']} ({box}) opened")


@pack_app.command("scan")
def scan(fo_id: int = typer.Argument(..., metavar="FO"),
         carton: int = typer.Argument(..., metavar="CARTON"),
         barcode: str = typer.Argument(..., help="GTIN or SKU."),
         qty: int = typer.Option(1, "--qty", help="Number of scans."),
         lot: str | None = typer.Option(None, "--lot", help="Lot or serial number."),
         as_json: bool = JsonOption) -> None:
    """Scan units into a carton."""
    with handle_errors(as_json):
        result = packing_service.pack_scan(get_uow(), fo_id, carton, barcode, qty, lot)
    if as_json:
        emit(result, True)
        return
    console.print(
        f"{result['units']} × {result['sku']} into carton {carton}; {result['to_pack']} "
        "unit(s) left to pack", highlight=False)


@pack_app.command("seal")
def seal(fo_id: int = typer.Argument(..., metavar="FO"),
         carton: int = typer.Argument(..., metavar="CARTON"), as_json: bool = JsonOption) -> None:
    """Seal a carton (weighs it); the last one makes the order packed."""
    with handle_errors(as_json):
        result = packing_service.seal_carton(get_uow(), fo_id, carton)
    if as_json:
        emit(result, True)
        return
    console.print(
        f"carton {carton} sealed, {result['carton']['weight_g']} g; fulfillment order "
        f"{fo_id} is {result['state']}", highlight=False)


@pack_app.command("unpack")
def unpack(fo_id: int = typer.Argument(..., metavar="FO"),
           carton: int = typer.Argument(..., metavar="CARTON"),
           item: str = typer.Argument(..., metavar="ITEM", help="GTIN or SKU."),
           qty: int = typer.Option(1, "--qty", help="Number of scans to take out."),
           lot: str | None = typer.Option(None, "--lot", help="Lot or serial number."),
           as_json: bool = JsonOption) -> None:
    """Take units back out of an open carton (they are picked, not packed, again)."""
    with handle_errors(as_json):
        result = packing_service.unpack(get_uow(), fo_id, carton, item, qty, lot)
    if as_json:
        emit(result, True)
        return
    console.print(
        f"{result['units']} × {result['sku']} taken out of carton {carton}; "
        f"{result['to_pack']} unit(s) left to pack", highlight=False)


@pack_app.command("reopen")
def reopen(fo_id: int = typer.Argument(..., metavar="FO"),
           carton: int = typer.Argument(..., metavar="CARTON"),
           as_json: bool = JsonOption) -> None:
    """Reopen a sealed carton that has not shipped (a packed order is picked again)."""
    with handle_errors(as_json):
        result = packing_service.reopen_carton(get_uow(), fo_id, carton)
    if as_json:
        emit(result, True)
        return
    console.print(f"carton {carton} reopened; fulfillment order {fo_id} is {result['state']}",
                  highlight=False)


@pack_app.command("accept")
def accept(fo_ids: list[int] = typer.Argument(None, metavar="[FO]...",
                                              help="Fulfillment orders to pack."),
           all_picked: bool = typer.Option(False, "--all-picked",
                                           help="Every picked fulfillment order not on hold."),
           warehouse: str | None = typer.Option(None, "--warehouse",
                                                help="With --all-picked: only this warehouse's."),
           wave: int | None = typer.Option(None, "--wave",
                                           help="With --all-picked: only this wave's."),
           as_json: bool = JsonOption) -> None:
    """Pack fulfillment orders into the cartons cartonization proposes and seal them, without
    scanning (a chunk of orders per transaction; one that cannot be packed is listed with its
    reason and the rest go on; exit 1 if any was not packed)."""
    from backroom.fulfillment.pack_batch import pack_many_as_proposed, packable_ids

    with handle_errors(as_json):
        if bool(fo_ids) == all_picked or ((warehouse or wave) and not all_picked):
            raise ValidationFailed.single("fo", fo_ids or None, "give fulfillment order ids, "
                                          "or --all-picked (with --warehouse / --wave)")
        uow = get_uow()
        ids = fo_ids or packable_ids(uow, warehouse=warehouse, wave=wave)
        with Progress(TextColumn("packing"), BarColumn(), MofNCompleteColumn(),
                      console=err_console, transient=True, disable=as_json) as bar:
            task = bar.add_task("fulfillment orders", total=len(ids))
            result = pack_many_as_proposed(uow, ids, progress=lambda n: bar.advance(task, n))
    summary = result.summary()
    if as_json:
        emit(summary, True)
    else:
        cartons = sum(len(p["cartons"]) for p in summary["packed"])
        console.print(f"{summary['packed_count']} fulfillment order(s) packed in {cartons} "
                      f"carton(s); {summary['failed_count']} not packed", highlight=False)
        for f in summary["failed"][:50]:
            console.print(f"  fulfillment order {f['fulfillment_order_id']}: {f['message']}",
                          highlight=False)
        if summary["failed_count"] > 50:
            console.print(f"  … and {summary['failed_count'] - 50} more (--json lists all)")
    if summary["failed"]:
        raise typer.Exit(1)


@pack_app.command("show")
def show(fo_id: int = typer.Argument(..., metavar="FO"), as_json: bool = JsonOption) -> None:
    """Lines (picked, packed, shipped) and cartons of a fulfillment order."""
    with handle_errors(as_json):
        view = packing_service.packing_status(get_uow(), fo_id)
    if as_json:
        emit(view, True)
        return
    console.print(f"fulfillment order {fo_id}: {view['state']}, {view['to_pack']} to pack")
    _cartons(view, "Cartons")


@pack_app.command("ship")
def ship(fo_id: int | None = typer.Argument(None, metavar="FO"),
         carrier: str | None = typer.Option(None, "--carrier"),
         service: str | None = typer.Option(None, "--service"),
         carton: list[int] = typer.Option([], "--carton", help="Ship only this sealed carton "
                                          "now; repeatable."),
         all_packed: bool = typer.Option(False, "--all-packed",
                                         help="Every packed fulfillment order not on hold."),
         warehouse: str | None = typer.Option(None, "--warehouse",
                                              help="With --all-packed: only this warehouse's."),
         wave: int | None = typer.Option(None, "--wave",
                                         help="With --all-packed: only this wave's."),
         as_json: bool = JsonOption) -> None:
    """Buy the label and ship the sealed cartons (rate-shops unless --carrier/--service).
    With --all-packed: every packed order, a chunk per transaction; one that cannot ship is
    listed with its reason and the rest go on (exit 1 if any failed)."""
    if all_packed or warehouse or wave:
        _ship_all(fo_id, all_packed, warehouse, wave, carrier, service, bool(carton), as_json)
        return
    with handle_errors(as_json):
        if fo_id is None:
            raise ValidationFailed.single("fo", None, "give a fulfillment order id, or "
                                          "--all-packed (with --warehouse / --wave)")
        result = ship_fulfillment_order(get_uow(), fo_id, carrier=carrier, service=service,
                                        cartons=carton or None)
    if as_json:
        emit(result, True)
        return
    s = result["shipment"]
    console.print(f"fulfillment order {fo_id} shipped: shipment {s['id']}, {s['carrier']} "
                  f"{s['service']}, {len(s['packages'])} package(s), tracking "
                  f"{s['tracking_number']}; cost of goods "
                  f"{from_minor(result['cogs_minor'], result['base_currency'])} "
                  f"{result['base_currency']}", highlight=False)
    if result["remainder_fulfillment_order_id"]:
        console.print(f"the rest is in fulfillment order "
                      f"{result['remainder_fulfillment_order_id']}")


def _ship_all(fo_id: int | None, all_packed: bool, warehouse: str | None, wave: int | None,
              carrier: str | None, service: str | None, cartons: bool, as_json: bool) -> None:
    from backroom.fulfillment.ship_batch import ship_many, shippable_ids

    with handle_errors(as_json):
        if fo_id is not None or cartons or not all_packed:
            raise ValidationFailed.single("all_packed", None, "--all-packed ships every packed "
                                          "order (with --warehouse / --wave); not with an FO "
                                          "or --carton")
        uow = get_uow()
        ids = shippable_ids(uow, warehouse=warehouse, wave=wave)
        with Progress(TextColumn("shipping"), BarColumn(), MofNCompleteColumn(),
                      console=err_console, transient=True, disable=as_json) as bar:
            task = bar.add_task("fulfillment orders", total=len(ids))
            result = ship_many(uow, ids, carrier=carrier, service=service,
                               progress=lambda n: bar.advance(task, n))
    summary = result.summary()
    if as_json:
        emit(summary, True)
    else:
        cogs = sum(s["cogs_minor"] for s in summary["shipped"])
        base = get_settings().base_currency
        console.print(f"{summary['shipped_count']} fulfillment order(s) shipped (cost of goods "
                      f"{from_minor(cogs, base)} {base}); {summary['failed_count']} not "
                      "shipped", highlight=False)
        for f in summary["failed"][:50]:
            console.print(f"  fulfillment order {f['fulfillment_order_id']}: {f['message']}",
                          highlight=False)
        if len(summary["failed"]) > 50:
            console.print(f"  … and {len(summary['failed']) - 50} more")
    if summary["failed"]:
        raise typer.Exit(1)
