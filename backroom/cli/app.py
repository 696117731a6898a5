"""The ``backroom`` command: assembly of the area command groups plus init/serve/audit/bench."""

from __future__ import annotations

import typer

from backroom.cli import admin
from backroom.cli.common import JsonOption, examples

app = typer.Typer(name="backroom", no_args_is_help=True, add_completion=False,
                  help="Backroom: everything behind 'Buy'. Database: ./backroom.db unless "
                       "BACKROOM_DATABASE_URL names another (sqlite:///FILE or "
                       "postgresql+psycopg://USER@HOST/DB).")


def _register() -> None:
    from backroom.accounting.cli import app as books_app
    from backroom.accounting.cli_reports import export_app, report_app
    from backroom.catalog.cli import app as products_app
    from backroom.fulfillment import backorders
    from backroom.fulfillment.cli import fulfill_app, pick_app, waves_app
    from backroom.fulfillment.cli_pack import boxes_app, pack_app
    from backroom.inventory.cli import app as stock_app
    from backroom.inventory.cli_locations import app as locations_app
    from backroom.orders.cli import app as orders_app
    from backroom.orders.cli_availability import app as channels_app
    from backroom.orders.cli_import import app as import_app
    from backroom.shipping.cli_rating import app as ship_app
    from backroom.shipping.cli_routes import app as routes_app
    from backroom.shipping.cli_shipments import app as shipments_app
    from backroom.worker.cli import worker

    backorders.install()  # receipts and returns from the CLI fill backorders too
    app.command("init")(admin.init)
    app.command("serve")(admin.serve)
    app.command("audit")(admin.audit)
    app.command("bench")(admin.bench)
    app.command("worker", epilog=examples(
        "backroom worker", "backroom worker --once --json",
        "backroom worker --without allocation --interval 5"))(worker)
    app.add_typer(admin.token_app, name="token")
    app.add_typer(products_app, name="products")
    app.add_typer(locations_app, name="locations")
    app.add_typer(stock_app, name="stock")
    app.add_typer(ship_app, name="ship")
    app.add_typer(routes_app, name="routes")
    app.add_typer(shipments_app, name="shipments")
    app.add_typer(books_app, name="books")
    app.add_typer(report_app, name="report")
    app.add_typer(export_app, name="export")
    app.add_typer(orders_app, name="orders")
    app.add_typer(channels_app, name="channels")
    app.add_typer(import_app, name="import")
    app.add_typer(fulfill_app, name="fulfill")
    app.add_typer(waves_app, name="waves")
    app.add_typer(pick_app, name="pick")
    app.add_typer(boxes_app, name="boxes")
    app.add_typer(pack_app, name="pack")


_register()


def main() -> None:
    from backroom.core.runtime import tune_gc

    tune_gc()
    app()


__all__ = ["JsonOption", "app", "main"]
