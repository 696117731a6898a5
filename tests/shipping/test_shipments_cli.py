"""``backroom shipments …`` through the real Typer app, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from typer.testing import CliRunner, Result

from backroom.cli.app import app
from backroom.db.uow import UnitOfWork
from tests.api.helpers import cli_database
from tests.shipping.test_labels import parse_zpl
from tests.shipping.test_shipments_support import count, fixed_clock, make_warehouse, scans

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(db_url: str, uow: UnitOfWork) -> Iterator[None]:
    with cli_database(db_url), fixed_clock():
        make_warehouse(uow)
        yield


def cli(*args: str) -> Result:
    return runner.invoke(app, ["shipments", *args])


def shipment_json(reference: str = "ORDER-1001", **changes: Any) -> dict[str, Any]:
    return {"reference": reference, "warehouse": "WH1", "carrier": "PWY", "service": "GROUND",
            "ship_to": {"name": "Jane Doe", "line1": "5 Main St", "city": "Chicago",
                        "region": "IL", "postal_code": "60601", "country": "US"},
            "packages": [{"length_mm": 300, "width_mm": 200, "height_mm": 100,
                          "weight_g": 1200}],
            "contents": [{"sku": "MUG-1", "name": "Mug", "qty": 2}], **changes}


def write_json(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "shipments.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def created_ids(tmp_path: Path, n: int) -> list[int]:
    data = [shipment_json(f"ORDER-{i}") for i in range(n)]
    result = cli("create", write_json(tmp_path, data), "--json")
    assert result.exit_code == 0, result.output
    return [s["id"] for s in json.loads(result.stdout)]


def test_create_buy_and_print_zpl_when_file_is_valid(tmp_path: Path) -> None:
    (sid,) = created_ids(tmp_path, 1)
    bought = cli("buy", str(sid), "--json")
    assert bought.exit_code == 0, bought.output
    number = json.loads(bought.stdout)["tracking_number"]
    out = tmp_path / "label.zpl"
    assert cli("label", str(sid), "--format", "zpl", "--out", str(out)).exit_code == 0
    assert [f["text"] for f in parse_zpl(out.read_text())[0] if f["barcode"]] == [number]
    pdf = tmp_path / "slip.pdf"
    assert cli("slip", str(sid), "--out", str(pdf), "--page", "a4").exit_code == 0
    assert "MUG-1" in pypdf.PdfReader(pdf).pages[0].extract_text()
    shown = json.loads(cli("show", str(sid), "--json").stdout)
    assert shown["state"] == "purchased" and shown["contents"][0]["qty"] == 2


def test_create_exits_2_and_writes_nothing_when_one_shipment_is_bad(uow: UnitOfWork,
                                                                    tmp_path: Path) -> None:
    odd = shipment_json("ORDER-2", colour="red")
    bad = shipment_json("ORDER-3", packages=[{"length_mm": 1, "width_mm": 1, "height_mm": 1,
                                              "weight_g": "heavy"}])
    result = cli("create", write_json(tmp_path, [shipment_json(), odd, bad]))
    assert result.exit_code == 2
    assert "[1].colour: is not a shipment field" in result.stderr
    assert "[2].packages[1].weight_g: must be a whole number" in result.stderr
    assert count(uow) == 0


def test_batch_buy_all_pending_buys_every_draft_with_progress(tmp_path: Path) -> None:
    created_ids(tmp_path, 3)
    result = cli("batch-buy", "--all-pending", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bought"] == 3
    listed = json.loads(cli("list", "--state", "purchased", "--json").stdout)
    assert len(listed) == 3
    assert cli("batch-buy").exit_code == 2  # neither ids nor --all-pending


def test_batch_buy_exits_1_and_lists_failures_when_some_fail(tmp_path: Path) -> None:
    ids = created_ids(tmp_path, 2)
    cli("void", str(ids[0]))
    result = cli("batch-buy", str(ids[0]), str(ids[1]))
    assert result.exit_code == 1
    assert "bought 1 labels, 1 failed" in result.stdout
    assert f"shipment {ids[0]}: shipment {ids[0]} is voided" in result.stderr


def test_manifest_writes_pdf_and_csv_when_labels_were_bought(tmp_path: Path) -> None:
    ids = created_ids(tmp_path, 2)
    cli("batch-buy", *map(str, ids))
    result = cli("manifest", "--carrier", "pwy", "--date", "2026-11-23", "--warehouse", "wh1",
                 "--out-dir", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["carrier"], summary["warehouse"]) == ("PWY", "WH1")
    rows = list(csv.DictReader(io.StringIO(Path(summary["files"][1]).read_text())))
    assert [int(r["shipment_id"]) for r in rows] == ids
    assert "Manifest" in pypdf.PdfReader(summary["files"][0]).pages[0].extract_text()
    again = cli("manifest", "--carrier", "PWY", "--date", "2026-11-23", "--warehouse", "WH1",
                "--out-dir", str(tmp_path / "out"))
    assert again.exit_code == 2 and "not on a manifest yet" in again.stderr


def test_track_import_names_bad_lines_and_writes_nothing_unless_skip_invalid(
        uow: UnitOfWork, tmp_path: Path) -> None:
    (sid,) = created_ids(tmp_path, 1)
    number = json.loads(cli("buy", str(sid), "--json").stdout)["tracking_number"]
    path = tmp_path / "scans.csv"
    path.write_text("carrier,tracking_number,status,occurred_at,location,description\n"
                    f"PWY,{number},in_transit,2026-11-23T18:00:00Z,Newark,Departed\n"
                    f"PWY,{number},warp,2026-11-23T19:00:00Z,,\n", encoding="utf-8")
    refused = cli("track-import", str(path))
    assert refused.exit_code == 2 and "line 3: status" in refused.stderr
    assert scans(uow) == 0
    taken = cli("track-import", str(path), "--skip-invalid", "--json")
    assert taken.exit_code == 0 and json.loads(taken.stdout)["recorded"] == 1
    assert json.loads(cli("show", str(sid), "--json").stdout)["state"] == "in_transit"


def test_check_delays_flags_silent_shipment_once_when_run_twice(tmp_path: Path) -> None:
    (sid,) = created_ids(tmp_path, 1)
    cli("buy", str(sid))
    with fixed_clock() as clock_:
        clock_.advance(timedelta(days=7))
        first = json.loads(cli("check-delays", "--json").stdout)
        second = json.loads(cli("check-delays", "--json").stdout)
    assert (first, second) == ({"delayed": [sid]}, {"delayed": []})
