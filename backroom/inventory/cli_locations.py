"""``backroom locations …`` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Warehouses and locations: create warehouses, lay out bins, list.",
                  no_args_is_help=True)
