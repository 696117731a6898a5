"""``backroom bench packing``: instance reading, the py3dbp adapter, and the report (quick).

Tests keep their own small instance (written to tmp_path in the benchmark's JSON format); the
benchmark itself reads the real ones from ../shared/bench-data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backroom.bench import packing as bench
from backroom.fulfillment.packing import Box, Item, verify, verify_placements

SMALL_INSTANCE = {
    "Name": "tiny", "Objects": [{"Length": 20, "Height": 10, "Depth": 10, "Cost": 1}],
    "Items": [{"Length": 10, "Height": 10, "Depth": 5, "Demand": 2},
              {"Length": 10, "Height": 5, "Depth": 5, "Demand": 4}]}  # tiles the bin exactly


def _write_instance(folder: Path) -> Path:
    mpv = folder / "packing" / "mpv"
    mpv.mkdir(parents=True)
    path = mpv / "mpv_c1_n050_1.json"
    path.write_text(json.dumps(SMALL_INSTANCE))
    return path


def test_load_instance_copies_items_by_demand_when_reading_or_datasets_json(tmp_path: Path
                                                                            ) -> None:
    box, items = bench.load_instance(_write_instance(tmp_path))
    assert box.inner == (20, 10, 10)  # Length → x, Depth → y, Height → z
    assert [i.dims for i in items] == [(10, 5, 10)] * 2 + [(10, 5, 5)] * 4


def test_py3dbp_keeps_items_upright_when_they_are_this_side_up() -> None:
    lib = pytest.importorskip("py3dbp")
    jar = Item("JAR", 50, 40, 120, 300, can_rotate=False)
    low, tall = Box("LOW", 130, 60, 60, 5_000, 50), Box("TALL", 60, 60, 130, 5_000, 50)
    assert bench.py3dbp_fill(lib, [jar], low, 1, rotate=True) == [[]]
    (placed,) = bench.py3dbp_fill(lib, [jar], tall, 1, rotate=True)
    assert verify_placements([tall], placed, [jar]) == []
    assert placed[0].height_mm == 120
    free = Item("JAR", 50, 40, 120, 300)
    (lying,) = bench.py3dbp_fill(lib, [free], low, 1, rotate=True)
    assert verify_placements([low], lying, [free]) == []


def test_py3dbp_order_packing_verifies_when_order_needs_two_boxes() -> None:
    lib = pytest.importorskip("py3dbp")
    brick = Item("BRICK", 100, 100, 100, 4_000)
    box = Box("BOX", 200, 200, 100, 10_000, 50)
    packing = bench.py3dbp_order(lib, [brick] * 4, [box])
    assert verify(packing, [brick] * 4) == []
    assert len(packing.boxes) == 2


@pytest.mark.slow
def test_bench_reports_figures_and_targets_when_run_quick(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    _write_instance(tmp_path)
    monkeypatch.setenv("BACKROOM_BENCH_DATA", str(tmp_path))
    monkeypatch.setattr(bench, "QUICK_ORDERS", 12)
    monkeypatch.setattr(bench, "QUICK_TIMED", 2)
    data = bench.run(as_json=True, quick=True)
    assert json.loads(capsys.readouterr().out) == data
    assert set(data["targets"]) == {"mpv_bins_ratio_vs_py3dbp", "all_verified",
                                    "order_ms_p95_20_items"}
    (row,) = data["mpv"]["instances"]
    assert row["ours"] == 1 and row["verified"]
    assert data["all_verified"] is True
    assert data["orders"]["orders"] == 12 and data["order_ms_p50_20_items"] > 0
    totals = data["orders"]["methods"]
    assert totals["ours"]["total"] <= totals["volume_only"]["total"]
