"""The ``backroom`` command: assembly of the area command groups plus init/serve/audit/bench."""

from __future__ import annotations

import typer

from backroom.cli import admin
from backroom.cli.common import JsonOption, examples
from backroom.cli.lazy import LAZY_GROUPS, LazyGroup

app = typer.Typer(name="backroom", cls=LazyGroup, no_args_is_help=True, add_completion=False,
                  help="Backroom: everything behind 'Buy'. Database: ./backroom.db unless "
                       "BACKROOM_DATABASE_URL names another (sqlite:///FILE or "
                       "postgresql+psycopg://USER@HOST/DB).")


def _register() -> None:
    from backroom.core.settings import get_settings
    from backroom.fulfillment import backorders
    from backroom.worker.cli import worker

    if get_settings().books_post_inline:  # CLI changes post their journal entries too
        from backroom.accounting import inline

        inline.enable()
    backorders.install()  # receipts and returns from the CLI fill backorders too
    app.command("init")(admin.init)
    app.command("serve")(admin.serve)
    app.command("audit")(admin.audit)
    app.command("bench")(admin.bench)
    app.command("worker", epilog=examples(
        "backroom worker", "backroom worker --once --json",
        "backroom worker --without allocation --interval 5"))(worker)
    app.add_typer(admin.token_app, name="token")
    LAZY_GROUPS.update({
        "products": "backroom.catalog.cli:app",
        "locations": "backroom.inventory.cli_locations:app",
        "stock": "backroom.inventory.cli:app",
        "ship": "backroom.shipping.cli_rating:app",
        "routes": "backroom.shipping.cli_routes:app",
        "shipments": "backroom.shipping.cli_shipments:app",
        "books": "backroom.accounting.cli:app",
        "report": "backroom.accounting.cli_reports:report_app",
        "export": "backroom.accounting.cli_reports:export_app",
        "orders": "backroom.orders.cli:app",
        "channels": "backroom.orders.cli_availability:app",
        "import": "backroom.orders.cli_import:app",
        "fulfill": "backroom.fulfillment.cli:fulfill_app",
        "waves": "backroom.fulfillment.cli:waves_app",
        "pick": "backroom.fulfillment.cli:pick_app",
        "boxes": "backroom.fulfillment.cli_pack:boxes_app",
        "pack": "backroom.fulfillment.cli_pack:pack_app"})


_register()


def main() -> None:
    from backroom.core.runtime import tune_gc

    tune_gc()
    app()


__all__ = ["JsonOption", "app", "main"]
