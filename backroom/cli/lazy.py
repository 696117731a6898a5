"""Command groups imported when they are used, so a command starts without loading them all.

Each area's command group pulls in its services (and they their libraries); importing all of
them took about a second of every ``backroom`` call. The root group knows the groups by name
and imports one only when the command line names it (``backroom --help`` lists them all, so
it imports all). ``typer.main.get_group`` turns the area's Typer app into the same click group
``add_typer`` would.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup

# group name → "module:attribute" of its Typer app, in the order ``--help`` lists them
LAZY_GROUPS: dict[str, str] = {}


class LazyGroup(TyperGroup):
    """The root group: its own commands, then the lazily imported groups."""

    def list_commands(self, ctx: Any) -> list[str]:
        own = super().list_commands(ctx)
        return [*own, *(name for name in LAZY_GROUPS if name not in own)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in LAZY_GROUPS:
            module, attribute = LAZY_GROUPS[cmd_name].split(":")
            found = typer.main.get_group(getattr(import_module(module), attribute))
            found.name = cmd_name
            self.add_command(found, cmd_name)
        return found
