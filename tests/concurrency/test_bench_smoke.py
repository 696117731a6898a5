"""The benchmark command runs end to end (figures are checked for presence, never for speed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backroom.bench.pgcluster import find_bindir
from backroom.cli.app import app

SQLITE_KEYS = [
    "sqlite_reserve_per_s", "sqlite_raw_reserve_per_s", "sqlite_reserve_ratio",
    "sqlite_orm_reserve_per_s", "sqlite_orm_reserve_ratio",
    "sqlite_4proc_reserve_per_s", "sqlite_4proc_raw_reserve_per_s", "sqlite_4proc_reserve_ratio",
    "receive_100k_seconds", "receive_100k_raw_seconds", "receive_100k_ratio",
    "level_read_p50_ms", "level_read_p99_ms", "level_read_raw_p99_ms", "level_read_p99_ratio",
]
POSTGRES_KEYS = ["postgres_reserve_per_s", "postgres_raw_reserve_per_s", "postgres_reserve_ratio"]


@pytest.mark.slow
def test_bench_reports_every_figure_when_run_quick_as_json(tmp_path: Path) -> None:
    command = [str(Path(sys.executable).with_name("backroom")), "bench", "inventory", "--quick",
               "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "BACKROOM_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(done.stdout)
    keys = SQLITE_KEYS + (POSTGRES_KEYS if find_bindir() else [])
    missing = [k for k in keys if k not in data]
    assert missing == []
    assert all(isinstance(data[k], float | int) and data[k] > 0 for k in keys), {
        k: data[k] for k in keys}
    assert data["audit_ok"] is True
    assert set(data["targets"]) >= {"sqlite_reserve_ratio", "sqlite_4proc_reserve_ratio",
                                    "receive_100k_seconds", "level_read_p99_ms"}
    assert data["meta"]["quick"] is True
    if find_bindir():
        assert data["meta"]["postgres"]["fsync"] == "on"
        assert data["meta"]["postgres"]["synchronous_commit"] == "on"


def test_bench_lists_the_suites_when_the_suite_is_unknown() -> None:
    result = CliRunner().invoke(app, ["bench", "nosuch"])
    assert result.exit_code == 2
    assert "inventory" in result.output
    assert "nosuch" in result.output
