"""``backroom bench sourcing --quick --json`` runs end to end and reports every figure (their
values are checked for shape, never for speed)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from backroom.bench.runner import suites
from backroom.cli.app import app

FIGURES = ["cost_total_minor", "priority_total_minor", "closest_total_minor",
           "cost_split_rate", "priority_split_rate", "closest_split_rate",
           "cheaper_than_priority_pct", "cheaper_than_closest_pct", "exact_gap_pct",
           "exact_gap_avg_pct", "exact_gap_max_pct", "ms_per_order_mean", "ms_per_order_p99"]


def test_sourcing_is_a_suite_when_the_runner_lists_them() -> None:
    assert "sourcing" in suites()


@pytest.mark.slow
def test_bench_reports_figures_and_targets_when_run_quick_as_json() -> None:
    result = CliRunner().invoke(app, ["bench", "sourcing", "--quick", "--json"])
    assert result.exit_code == 0, result.output[-3000:]
    data = json.loads(result.output)
    assert [k for k in FIGURES if not isinstance(data.get(k), int | float)] == []
    assert set(data["targets"]) == {"cheaper_than_priority_pct", "exact_gap_pct",
                                    "ms_per_order_mean", "all_verified"}
    assert data["all_verified"] is True
    assert data["exact"]["orders"] == 100 and data["exact"]["worse_service"] == 0
    assert data["cost_total_minor"] <= data["priority_total_minor"]
    assert data["cost_total_minor"] <= data["closest_total_minor"]
    assert data["exact_gap_pct"] >= 0
    assert data["meta"]["quick"] is True and data["orders"] == 1000
