"""``backroom bench routing``: per-instance JSON, summaries, checks done by the bench itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer

from backroom.bench import routing
from backroom.core.errors import ValidationFailed
from tests.shipping.routing_helpers import SHARED
from tests.shipping.test_routing_instances import SMALL_SOLOMON, SMALL_VRP

KEYS = {"instance", "cost", "reference", "gap_pct", "vehicles", "seconds", "feasible"}


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "T-n4-k2.vrp").write_text(SMALL_VRP)
    (tmp_path / "T-n4-k2.sol").write_text("Route #1: 1 3\nRoute #2: 2 4\nCost 32\n")
    (tmp_path / "T101.txt").write_text(SMALL_SOLOMON)
    return tmp_path


def test_prints_a_json_list_per_instance_when_run_with_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = routing.run(as_json=True, instances=str(_folder(tmp_path)), time_limit=0.3)
    printed = json.loads(capsys.readouterr().out)
    assert printed == results and len(printed) == 2
    for row in printed:
        assert set(row) >= KEYS
        assert row["feasible"] is True
    cvrp = next(r for r in printed if r["instance"] == "T-n4-k2")
    assert (cvrp["cost"], cvrp["reference"], cvrp["gap_pct"], cvrp["vehicles"]) == (32, 32, 0, 2)
    solomon = next(r for r in printed if r["instance"] == "T101")
    assert solomon["reference"] is None and solomon["gap_pct"] is None


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/bench-data not present")
def test_measures_shared_instances_against_their_optima_when_given_the_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("cvrp/P-n16-k8.vrp", "cvrp/P-n16-k8.sol", "solomon/C101.txt",
                 "solomon/C101.sol"):
        shutil.copy(SHARED / name, tmp_path)
    results = routing.run(instances=str(tmp_path), time_limit=1.0)
    assert {r["instance"] for r in results} == {"P-n16-k8", "C101"}
    for row in results:
        assert row["feasible"] and row["gap_pct"] is not None and row["gap_pct"] >= 0
    table = capsys.readouterr().out
    assert "P-n16-k8" in table and "Per target group" in table


def test_summarises_target_groups_when_results_are_given() -> None:
    rows = [{"kind": "cvrp", "customers": 31, "gap_pct": 0.5, "seconds": 3.0, "feasible": True},
            {"kind": "cvrp", "customers": 79, "gap_pct": 1.0, "seconds": 11.0, "feasible": True},
            {"kind": "vrptw", "customers": 100, "gap_pct": 1.5, "seconds": 9.0, "feasible": True},
            {"kind": "cvrp", "customers": 100, "gap_pct": 9.0, "seconds": 9.0, "feasible": True}]
    groups = {g["group"]: g for g in routing.summarise(rows)}
    cvrp = groups["CVRP, 30–80 customers"]
    assert (cvrp["instances"], cvrp["avg_gap_pct"], cvrp["max_seconds"]) == (2, 0.75, 11.0)
    assert cvrp["met"] is False  # 11 s is over the 10 s target
    assert groups["Solomon VRPTW, 100 customers"]["met"] is True
    assert groups["all instances"]["instances"] == 4


def test_exits_1_after_printing_when_an_instance_cannot_be_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.vrp").write_text(SMALL_VRP.replace("EUC_2D", "EXPLICIT"))
    with pytest.raises(typer.Exit) as caught:
        routing.run(as_json=True, instances=str(tmp_path), time_limit=0.2)
    assert caught.value.exit_code == 1
    (row,) = json.loads(capsys.readouterr().out)
    assert row["feasible"] is False and "EXPLICIT is not supported" in row["violations"][0]


def test_rejects_the_folder_when_it_is_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="not a directory"):
        routing.run(instances=str(tmp_path / "nowhere"))
    with pytest.raises(ValidationFailed, match=r"holds no \.vrp or \.txt files"):
        routing.run(instances=str(tmp_path))
