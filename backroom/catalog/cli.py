"""``backroom products …`` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Products (SKUs): add, list, show, import and export CSV.",
                  no_args_is_help=True)
