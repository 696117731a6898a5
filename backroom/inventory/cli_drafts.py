"""``backroom stock plan|confirm|cancel``: planned (draft) moves."""

from __future__ import annotations

import typer

from backroom.cli.common import JsonOption, console, emit, handle_errors
from backroom.inventory import drafts
from backroom.inventory.cli_stock_read import open_uow


def register(app: typer.Typer, show_moves: object) -> None:
    """Add the draft commands to the ``stock`` group."""

    @app.command("plan")
    def plan(sku: str = typer.Argument(...), qty: int = typer.Argument(...),
             source: str = typer.Argument(..., metavar="FROM"),
             dest: str = typer.Argument(..., metavar="TO"),
             lot: str | None = typer.Option(None, "--lot"),
             reason: str = typer.Option("putaway", "--reason"),
             reference: str = typer.Option("", "--reference"),
             as_json: bool = JsonOption) -> None:
        """Record a move to do later; no stock changes until `stock confirm`."""
        with handle_errors(as_json), open_uow() as uow:
            data = drafts.plan_move(uow, sku, qty, source, dest, lot=lot, reason=reason,
                                    reference=reference)
        if as_json:
            emit(data, True)
        else:
            console.print(f"planned move {data['id']}: {qty} x {sku} {source} → {dest}",
                          highlight=False)

    @app.command("confirm")
    def confirm(move_id: int = typer.Argument(..., metavar="MOVE_ID", min=1),
                as_json: bool = JsonOption) -> None:
        """Post a planned move to stock now."""
        with handle_errors(as_json), open_uow() as uow:
            result = drafts.confirm_move(uow, move_id).as_dict()
        show_moves(result, as_json, f"move {move_id} done")  # type: ignore[operator]

    @app.command("cancel")
    def cancel(move_id: int = typer.Argument(..., metavar="MOVE_ID", min=1),
               as_json: bool = JsonOption) -> None:
        """Drop a planned move."""
        with handle_errors(as_json), open_uow() as uow:
            data = drafts.cancel_move(uow, move_id)
        emit(data, as_json) if as_json else console.print(f"move {move_id} cancelled")
