"""``backroom routes plan|sample``: exit codes, JSON, files written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from typer.testing import CliRunner

from backroom.cli.app import app
from tests.shipping.routing_helpers import request

runner = CliRunner()


def _file(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_prints_plan_json_and_exits_0_when_every_delivery_is_placed(tmp_path: Path) -> None:
    result = runner.invoke(app, ["routes", "plan", str(_file(tmp_path, request())), "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["summary"]["stops"] == 3 and plan["summary"]["feasible"] is True
    assert plan["unassigned"] == []
    stop = plan["routes"][0]["stops"][0]
    assert {"delivery_id", "arrival", "departure", "window_start", "weight_g"} <= set(stop)


def test_writes_pdf_and_svg_and_prints_sheets_when_asked(tmp_path: Path) -> None:
    pdf, svg = tmp_path / "out" / "routes.pdf", tmp_path / "out" / "map.svg"
    result = runner.invoke(app, ["routes", "plan", str(_file(tmp_path, request())),
                                 "--pdf", str(pdf), "--svg", str(svg), "--solver", "ortools",
                                 "--time-limit", "0.3"])
    assert result.exit_code == 0, result.output
    assert "Torstraße" in result.stdout and "0 not placed" in result.stdout
    assert "Route VAN-" in PdfReader(pdf).pages[0].extract_text()
    assert svg.read_text().startswith("<svg")
    assert sorted(p.name for p in pdf.parent.iterdir()) == ["map.svg", "routes.pdf"]


def test_exits_1_with_the_reason_when_a_delivery_cannot_be_placed(tmp_path: Path) -> None:
    data = request()
    data["deliveries"].append({"id": "PIANO", "lat": 52.51, "lon": 13.40, "weight_g": 900_000})
    svg = tmp_path / "map.svg"
    result = runner.invoke(app, ["routes", "plan", str(_file(tmp_path, data)), "--svg", str(svg)])
    assert result.exit_code == 1
    assert "PIANO" in result.stdout and "weighs 900 kg" in result.stdout
    assert 'data-delivery="PIANO"' in svg.read_text()  # the plan is complete: it says so


def test_exits_2_and_writes_nothing_when_strict_and_a_delivery_fits_no_vehicle(
        tmp_path: Path) -> None:
    data = request()
    data["deliveries"].append({"id": "PIANO", "lat": 52.51, "lon": 13.40, "weight_g": 900_000})
    pdf = tmp_path / "routes.pdf"
    result = runner.invoke(app, ["routes", "plan", str(_file(tmp_path, data)), "--strict",
                                 "--pdf", str(pdf)])
    assert result.exit_code == 2
    assert "deliveries[3]" in result.stderr and "weighs 900 kg" in result.stderr
    assert not pdf.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["request.json"]


def test_exits_2_with_the_line_when_the_file_is_not_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["routes", "plan", str(_file(tmp_path, '{\n  "depot": ,\n}'))])
    assert result.exit_code == 2
    assert "line 2" in result.stderr and "not valid JSON" in result.stderr


def test_exits_2_listing_every_problem_when_the_request_is_invalid(tmp_path: Path) -> None:
    data = request()
    data["deliveries"][0]["lat"] = 123
    data["vehicles"][0]["capacity_weight_g"] = -1
    result = runner.invoke(app, ["routes", "plan", str(_file(tmp_path, data)), "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stderr)
    assert error["code"] == "validation_failed"
    assert {e["field"] for e in error["errors"]} == {"deliveries[0].lat",
                                                     "vehicles[0].capacity_weight_g"}


def test_reads_a_csv_matrix_when_given_on_the_command_line(tmp_path: Path) -> None:
    ids = ["depot", "A", "B", "C"]
    rows = ["from,to,distance_m"] + [f"{a},{b},5000" for a in ids for b in ids if a != b]
    matrix = tmp_path / "m.csv"
    matrix.write_text("\n".join(rows) + "\n")
    result = runner.invoke(app, ["routes", "plan", str(_file(tmp_path, request())), "--matrix",
                                 str(matrix), "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["summary"]["distance_m"] == 5000 * (3 + plan["summary"]["routes"])


def test_prints_a_request_that_plans_when_sample_is_asked() -> None:
    result = runner.invoke(app, ["routes", "sample"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["deliveries"]) == 30 and len(data["vehicles"]) == 3
