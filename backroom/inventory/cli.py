"""``backroom stock …`` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Stock: receive, move, adjust, transfer, reserve, ship; levels and moves.",
                  no_args_is_help=True)
