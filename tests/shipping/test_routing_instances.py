"""Readers of CVRPLIB and Solomon files: conventions that reproduce the published optima."""

from __future__ import annotations

from pathlib import Path

import pytest

from backroom.core.errors import ValidationFailed
from backroom.shipping.routing.check import check
from backroom.shipping.routing.instances import (
    find_instances,
    read_cvrplib,
    read_instance,
    read_solomon,
)
from backroom.shipping.routing.problem import Solution
from tests.shipping.routing_helpers import SHARED

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/bench-data not present")

SMALL_VRP = """NAME : T-n4-k2
COMMENT : (test, No of trucks: 2, Optimal value: 32)
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
 1 0 0
 2 3 4
 3 3 -4
 4 -3 4
 5 -3 -4
DEMAND_SECTION
1 0
2 5
3 5
4 5
5 5
DEPOT_SECTION
 1
 -1
EOF
"""

SMALL_SOLOMON = """T101

VEHICLE
NUMBER     CAPACITY
  3         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      1          1         10          0         50          5
    2      2          2         10         10         60          5
"""


def _write(tmp_path: Path, name: str, text: str, sol: str | None = None) -> Path:
    path = tmp_path / name
    path.write_text(text)
    if sol is not None:
        path.with_suffix(".sol").write_text(sol)
    return path


def test_reads_cvrplib_with_rounded_euclid_and_fleet_when_file_is_generated(tmp_path: Path) -> None:
    path = _write(tmp_path, "T-n4-k2.vrp", SMALL_VRP, "Route #1: 1 3\nRoute #2: 2 4\nCost 32\n")
    inst = read_cvrplib(path)
    assert (inst.name, inst.kind, inst.customers, inst.reference) == ("T-n4-k2", "cvrp", 4, 32.0)
    assert inst.problem.costs[0][1] == 5 and inst.problem.costs[1][2] == 8
    assert len(inst.problem.vehicles) == 2 and inst.problem.vehicles[0].capacity == (10,)
    result = check(inst.problem, Solution.of(list(enumerate(inst.reference_routes))))
    assert result.feasible and result.cost == 32


def test_bounds_an_unlimited_fleet_when_the_file_names_no_truck_count(tmp_path: Path) -> None:
    path = _write(tmp_path, "X.vrp", SMALL_VRP.replace("No of trucks: 2, ", ""))
    inst = read_cvrplib(path)
    assert len(inst.problem.vehicles) == min(4, 2 * 20 // 10 + 1)  # 2·demand/Q + 1, at most n
    assert inst.reference is None


def test_rejects_cvrplib_when_edge_weights_are_not_euclidean(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.vrp", SMALL_VRP.replace("EUC_2D", "GEO"))
    with pytest.raises(ValidationFailed, match="GEO is not supported"):
        read_cvrplib(path)


def test_reads_solomon_scaled_by_ten_with_truncated_distances_when_file_is_generated(
        tmp_path: Path) -> None:
    inst = read_solomon(_write(tmp_path, "T101.txt", SMALL_SOLOMON))
    assert (inst.name, inst.kind, inst.scale, inst.customers) == ("T101", "vrptw", 10, 2)
    assert inst.problem.costs[0][1] == 14  # floor(10·√2)
    assert inst.problem.windows[1] == (0, 500) and inst.problem.service[1] == 50
    assert inst.problem.vehicles[0].end == 1000 and len(inst.problem.vehicles) == 3


def test_rejects_solomon_when_rows_are_missing(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="customer rows"):
        read_solomon(_write(tmp_path, "E.txt", "E\n\nVEHICLE\n 3 20\n"))


def test_finds_instance_files_recursively_when_folder_has_other_files(tmp_path: Path) -> None:
    _write(tmp_path, "a.vrp", SMALL_VRP)
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", "b.txt", SMALL_SOLOMON)
    _write(tmp_path, "README.txt", "notes")
    _write(tmp_path, "a.sol", "Cost 1")
    assert [p.name for p in find_instances(tmp_path)] == ["a.vrp", "b.txt"]


@needs_shared
@pytest.mark.parametrize("name", ["cvrp/A-n32-k5.vrp", "cvrp/P-n16-k8.vrp", "cvrp/X-n101-k25.vrp",
                                  "solomon/C101.txt", "solomon/R201.txt"])
def test_reproduces_the_reference_cost_when_reading_shared_instances(name: str) -> None:
    inst = read_instance(SHARED / name)
    assert inst.reference is not None and inst.reference_routes
    result = check(inst.problem, Solution.of(list(enumerate(inst.reference_routes))))
    assert result.feasible, result.violations
    assert result.cost / inst.scale == pytest.approx(inst.reference)
