"""Every command group added for fulfillment, channels and the worker shows examples in --help
that name real commands of the group."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from backroom.cli.app import app

runner = CliRunner()


@pytest.mark.parametrize(("group", "command"), [
    ("fulfill", "allocate"), ("waves", "create"), ("pick", "scan"), ("pack", "ship"),
    ("boxes", "import"), ("channels", "sync"), ("worker", "--once")])
def test_help_shows_examples_when_asked(group: str, command: str) -> None:
    result = runner.invoke(app, [group, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Examples" in result.output
    assert f"backroom {group} {command}" in result.output
