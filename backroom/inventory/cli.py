"""``backroom stock …`` commands that change stock; reports live in ``cli_stock_read``.

Each command parses its arguments, calls one use case and prints what it did (``--json`` for
machines). Bad input exits with code 2 and a message naming the field; nothing is written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer

from backroom.cli.common import (
    JsonOption,
    console,
    emit,
    err_console,
    handle_errors,
    parse_date,
)
from backroom.core.errors import BackroomError, ValidationFailed
from backroom.inventory import cli_drafts, cli_stock_csv, services, transfers
from backroom.inventory.cli_stock_read import money, open_uow, register, show_reservations
from backroom.inventory.schemas import MAX_ID, MAX_QTY
from backroom.inventory.services import ReceiptLine, TransferLineSpec

app = typer.Typer(help="Stock: receive, move, adjust, transfer, reserve, ship; levels and moves.",
                  no_args_is_help=True)

_MOVE_COLUMNS = ["move", "sku", "qty", "from", "to", "reason", "reference", "value"]


def show_moves(data: dict[str, Any], as_json: bool, title: str) -> None:
    """Print a use case's result: its moves as a table, or everything as JSON."""
    emit(data, as_json, title=title, columns=_MOVE_COLUMNS,
         rows=[(m["id"], m["sku"], m["qty"], m["from"], m["to"], m["reason"], m["reference"],
                money(m["value_minor"])) for m in data["moves"]])


def _decimal(name: str, raw: str | None) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed.single(name, raw, "is not a decimal number, e.g. 4.25") from None
    if not value.is_finite() or value < 0:
        raise ValidationFailed.single(name, raw, "must be a non-negative number")
    return value


@app.command("receive")
def receive(warehouse: str = typer.Argument(..., help="Warehouse code, e.g. WH1."),
            sku: str | None = typer.Argument(None, help="SKU (omit with --file)."),
            qty: int | None = typer.Argument(None, max=MAX_QTY, help="Units received."),
            unit_cost: str | None = typer.Option(None, "--unit-cost", help="e.g. 4.25"),
            lot: str | None = typer.Option(None, "--lot"),
            expiry: str | None = typer.Option(None, "--expiry", help="YYYY-MM-DD"),
            location: str | None = typer.Option(None, "--location",
                                                help="Default: the warehouse's INPUT."),
            reference: str = typer.Option("", "--reference", help="e.g. PO-1001"),
            file: Path | None = typer.Option(None, "--file", dir_okay=False,
                                             help="CSV: sku,qty[,unit_cost,lot,expiry]"),
            as_json: bool = JsonOption) -> None:
    """Receive goods from a supplier: one SKU, or every line of a CSV file (all or nothing)."""
    with handle_errors(as_json):
        single = sku is not None or qty is not None
        if (file is not None) == single or (single and (sku is None or qty is None)):
            raise ValidationFailed.single("lines", None, "give SKU and QTY, or --file "
                                          "(not both)")
        if file is not None:
            result = _receive_file(warehouse, file, location, reference, as_json)
        else:
            line = ReceiptLine(sku or "", qty or 0, _decimal("unit_cost", unit_cost), lot,
                               parse_date("expiry", expiry))
            with open_uow() as uow:
                result = services.receive(uow, warehouse, [line], reference=reference,
                                          location=location).as_dict()
    show_moves(result, as_json, f"received into {warehouse}")


def _receive_file(warehouse: str, file: Path, location: str | None, reference: str,
                  as_json: bool) -> dict[str, Any]:
    shown = None if as_json else err_console
    receipt = cli_stock_csv.read_receipt(file, shown)
    with open_uow() as uow:
        if receipt.lines:
            with uow.read() as conn:
                cli_stock_csv.check_catalog(conn, receipt)
        cli_stock_csv.raise_problems(receipt, file)
        try:
            with cli_stock_csv.posting(shown, len(receipt.lines)):
                return services.receive(uow, warehouse, receipt.lines, reference=reference,
                                        location=location).as_dict()
        except BackroomError as exc:
            raise cli_stock_csv.with_file_lines(exc, receipt.file_lines) from None


@app.command("move")
def move(sku: str = typer.Argument(...), qty: int = typer.Argument(..., max=MAX_QTY),
         source: str = typer.Argument(..., metavar="FROM", help="Location code."),
         dest: str = typer.Argument(..., metavar="TO", help="Location code."),
         lot: str | None = typer.Option(None, "--lot"),
         reason: str = typer.Option("internal", "--reason",
                                    help="internal, putaway, quarantine or other"),
         reference: str = typer.Option("", "--reference"),
         note: str = typer.Option("", "--note"),
         as_json: bool = JsonOption) -> None:
    """Move stock between two locations of one warehouse."""
    with handle_errors(as_json):
        if reason not in ("internal", "putaway", "quarantine", "other"):
            raise ValidationFailed.single("reason", reason, "must be one of internal, putaway, "
                                          "quarantine, other")
        with open_uow() as uow:
            result = services.move(uow, sku, qty, source, dest, lot=lot, reason=reason,
                                   reference=reference, note=note).as_dict()
    show_moves(result, as_json, "moved")


@app.command("adjust", context_settings={"ignore_unknown_options": True})
def adjust(location: str = typer.Argument(...), sku: str = typer.Argument(...),
           delta: int | None = typer.Argument(None, min=-MAX_QTY, max=MAX_QTY,
                                              help="Units to add (5) or remove (-2)."),
           delta_option: int | None = typer.Option(None, "--delta", min=-MAX_QTY, max=MAX_QTY,
                                                   help="Same as DELTA: --delta -2"),
           reason: str = typer.Option(..., "--reason",
                                      help="count, damage, found, shrinkage or other"),
           lot: str | None = typer.Option(None, "--lot"),
           expiry: str | None = typer.Option(None, "--expiry", help="for a new lot found"),
           reference: str = typer.Option("", "--reference"),
           note: str = typer.Option("", "--note"),
           as_json: bool = JsonOption) -> None:
    """Correct stock through LOSS: `stock adjust WH1-A-01-1 TEE -2 --reason damage`."""
    with handle_errors(as_json):
        if (delta is None) == (delta_option is None):
            raise ValidationFailed.single("delta", None, "give DELTA or --delta (one of them)")
        change = delta if delta is not None else delta_option
        with open_uow() as uow:
            result = services.adjust(uow, location, sku, change or 0, reason=reason, lot=lot,
                                     reference=reference, note=note,
                                     expiry=parse_date("expiry", expiry)).as_dict()
    show_moves(result, as_json, "adjusted")


@app.command("ship")
def ship(sku: str = typer.Argument(...), qty: int = typer.Argument(..., max=MAX_QTY),
         source: str = typer.Argument(..., metavar="FROM", help="Location code."),
         reference: str = typer.Option(..., "--reference", help="Order reference."),
         lot: str | None = typer.Option(None, "--lot"),
         as_json: bool = JsonOption) -> None:
    """Ship to the customer; reservations under --reference are used first."""
    with handle_errors(as_json), open_uow() as uow:
        result = services.ship(uow, sku, qty, source, reference=reference,
                               lot=lot).as_dict()
    show_moves(result, as_json, "shipped")


@app.command("reserve")
def reserve(warehouse: str = typer.Argument(...), sku: str = typer.Argument(...),
            qty: int = typer.Argument(..., max=MAX_QTY),
            reference: str = typer.Option(..., "--reference", help="e.g. SO-1001:1"),
            lot: str | None = typer.Option(None, "--lot"),
            as_json: bool = JsonOption) -> None:
    """Reserve stock of a warehouse for a demand (lot-tracked SKUs pick lots FEFO)."""
    from backroom.inventory import queries

    with handle_errors(as_json), open_uow() as uow:
        made = services.reserve(uow, warehouse, sku, qty, reference, lot=lot)
        with uow.read() as conn:
            rows = queries.reservations_by_id(conn, [r.id for r in made])
    show_reservations(rows, as_json, "reserved")


@app.command("release")
def release(reservation_id: int | None = typer.Option(None, "--id", min=1, max=MAX_ID,
                                                     help="Reservation id."),
            reference: str | None = typer.Option(None, "--reference"),
            qty: int | None = typer.Option(None, "--qty", max=MAX_QTY,
                                           help="Default: all open units."),
            as_json: bool = JsonOption) -> None:
    """Release a reservation (--id) or every active one under --reference."""
    with handle_errors(as_json), open_uow() as uow:
        released = services.release(uow, reservation_id=reservation_id,
                                    reference=reference, qty=qty)
    emit({"released": released}, as_json, title="released", columns=["reservation", "qty"],
         rows=[(r["reservation_id"], r["qty"]) for r in released])


@app.command("transfer")
def transfer(source: str = typer.Argument(..., metavar="FROM", help="Location code."),
             to_warehouse: str = typer.Argument(..., metavar="TO_WH"),
             sku: str = typer.Argument(...), qty: int = typer.Argument(..., max=MAX_QTY),
             lot: str | None = typer.Option(None, "--lot"),
             reference: str = typer.Option("", "--reference"),
             as_json: bool = JsonOption) -> None:
    """Send stock to another warehouse through TRANSIT."""
    with handle_errors(as_json), open_uow() as uow:
        result = transfers.dispatch(uow, source, to_warehouse,
                                    [TransferLineSpec(sku, qty, lot)],
                                    reference=reference).as_dict()
    show_moves(result, as_json, f"transfer {result['transfer_id']} dispatched")


@app.command("transfer-receive")
def transfer_receive(transfer_id: int = typer.Argument(..., metavar="ID", min=1, max=MAX_ID),
                     location: str | None = typer.Option(None, "--location",
                                                         help="Default: destination INPUT."),
                     as_json: bool = JsonOption) -> None:
    """Book the arrival of a transfer."""
    with handle_errors(as_json), open_uow() as uow:
        result = transfers.receive(uow, transfer_id, location=location).as_dict()
    show_moves(result, as_json, f"transfer {transfer_id} received")


@app.command("safety")
def safety(warehouse: str = typer.Argument(...), sku: str = typer.Argument(...),
           qty: int = typer.Argument(..., max=MAX_QTY, help="Units held back from sale."),
           as_json: bool = JsonOption) -> None:
    """Set the safety stock of a SKU in a warehouse (not sold; `available` excludes it)."""
    with handle_errors(as_json), open_uow() as uow:
        data = services.set_safety_stock(uow, warehouse, sku, qty)
    if as_json:
        emit(data, True)
    else:
        console.print(f"safety stock of {data['sku']} in {data['warehouse']}: "
                      f"{data['safety_stock']}", highlight=False)


@app.command("reverse")
def reverse(move_id: int = typer.Argument(..., metavar="MOVE_ID", min=1, max=MAX_ID),
            note: str = typer.Option("", "--note"),
            as_json: bool = JsonOption) -> None:
    """Undo a done move with its mirror image (the original stays in the ledger)."""
    with handle_errors(as_json), open_uow() as uow:
        result = services.reverse(uow, move_id, note=note).as_dict()
    show_moves(result, as_json, f"move {move_id} reversed")


register(app)
cli_drafts.register(app, show_moves)
