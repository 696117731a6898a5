"""The ``backroom`` command imports an area's command group only when it is named, and still
installs the process-wide hooks (backorder refill; inline posting when configured)."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.cli.lazy import LAZY_GROUPS

PROBE = ("import sys, backroom.cli.app as a; from backroom.core import events; "
         "print(sorted(m for m in sys.modules if m.endswith(('.cli', '.cli_pack')))); "
         "print(sorted(h.__module__ for h in events._hooks))")


def _probe(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k != "BACKROOM_BOOKS_POST_INLINE"}
    done = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env},
                          capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_groups_are_imported_only_when_named_and_hooks_are_installed() -> None:
    modules, hooks = _probe()
    assert "backroom.fulfillment.cli" not in modules
    assert "backroom.fulfillment.cli_pack" not in modules
    assert hooks == "['backroom.fulfillment.backorders']"
    _, hooks = _probe(BACKROOM_BOOKS_POST_INLINE="true")
    assert hooks == "['backroom.accounting.inline', 'backroom.fulfillment.backorders']"


def test_every_lazy_group_loads_and_answers_help() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"])
    assert listed.exit_code == 0
    for name in LAZY_GROUPS:
        assert f" {name} " in listed.output, name
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage: backroom " + name in " ".join(
            result.output.split()), name
    unknown = runner.invoke(app, ["nope"])
    assert unknown.exit_code == 2 and "No such command" in unknown.output
