"""Waves, picking and fulfillment orders over HTTP and from the CLI, with roles enforced."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.db.uow import UnitOfWork
from tests.api.helpers import assert_problem, client_for, headers
from tests.fulfillment.flowkit import api_order, bin_level, open_fo, stocked

runner = CliRunner()


def test_wave_scan_and_pick_list_over_http_when_warehouse_role(uow: UnitOfWork) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "api1", [2]))
    warehouse, viewer = headers(uow.engine, "warehouse"), headers(uow.engine, "read-only")
    with client_for(uow.engine) as client:
        assert_problem(client.post("/api/v1/waves", json={"warehouse": "WH1"}, headers=viewer),
                       403)
        wave = client.post("/api/v1/waves", json={"warehouse": "WH1", "totes": 4},
                           headers=warehouse)
        assert wave.status_code == 201, wave.text
        batch = wave.json()["batches"][0]
        view = client.get(f"/api/v1/pick-batches/{batch}", headers=viewer).json()
        assert [t["bin"] for t in view["tasks"]] == ["WH1-A-02-1"]
        wrong = client.post(f"/api/v1/pick-batches/{batch}/scan", headers=warehouse,
                            json={"bin": "WH1-A-02-1", "barcode": "OTHER"})
        assert "wrong item" in assert_problem(wrong, 422)["detail"]
        ok = client.post(f"/api/v1/pick-batches/{batch}/scan", headers=warehouse,
                         json={"bin": "WH1-A-02-1", "barcode": "PLAIN", "qty": 2})
        assert ok.status_code == 200 and ok.json()["state"] == "picked"
        pdf = client.get(f"/api/v1/pick-batches/{batch}/pick-list.pdf", headers=viewer)
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        got = client.get(f"/api/v1/fulfillment-orders/{fo}", headers=viewer).json()
        assert got["state"] == "picked" and got["lines"][0]["picked"] == 2
        listed = client.get("/api/v1/fulfillment-orders?state=picked", headers=viewer).json()
        assert [i["id"] for i in listed["items"]] == [fo]
        assert_problem(client.get("/api/v1/pick-batches/999", headers=viewer), 404)
    assert bin_level(uow, "WH1-PACK") == (2, 0)


def test_fulfillment_order_changes_over_http_when_refused_say_why(uow: UnitOfWork) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "api2", [1]))
    warehouse = headers(uow.engine, "warehouse")
    with client_for(uow.engine) as client:
        held = client.post(f"/api/v1/fulfillment-orders/{fo}/hold", headers=warehouse,
                           json={"reason": "address"})
        assert held.json()["hold_reason"] == "address"
        again = client.post(f"/api/v1/fulfillment-orders/{fo}/hold", headers=warehouse,
                            json={"reason": "x"})
        assert_problem(again, 409)
        client.post(f"/api/v1/fulfillment-orders/{fo}/release", headers=warehouse)
        moved = client.post(f"/api/v1/fulfillment-orders/{fo}/move", headers=warehouse,
                            json={"warehouse": "WH2"})
        assert_problem(moved, 409, "insufficient_stock")
        cancelled = client.post(f"/api/v1/fulfillment-orders/{fo}/cancel", headers=warehouse,
                                json={"reason": "test"})
        assert cancelled.json()["state"] == "cancelled"


def test_cli_waves_pick_and_pick_list_when_used_in_turn(uow: UnitOfWork, cli_database: str,
                                                        tmp_path: Path) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "cli1", [1, 1]))
    made = runner.invoke(app, ["waves", "create", "WH1", "--totes", "2", "--json"])
    assert made.exit_code == 0, made.output
    batch = json.loads(made.output)["batches"][0]
    bad = runner.invoke(app, ["pick", "scan", str(batch), "WH1-A-05-1", "PLAIN"])
    assert bad.exit_code == 2 and "wrong bin" in bad.output
    out = tmp_path / "list.pdf"
    listed = runner.invoke(app, ["pick", "list", str(batch), "--out", str(out)])
    assert listed.exit_code == 0 and out.read_bytes().startswith(b"%PDF")
    done = runner.invoke(app, ["pick", "confirm", str(batch), "--json"])
    assert json.loads(done.output)["state"] == "picked"
    shown = runner.invoke(app, ["fulfill", "show", str(fo), "--json"])
    assert json.loads(shown.output)["state"] == "picked"
    bad_split = runner.invoke(app, ["fulfill", "split", str(fo), "--line", "x"])
    assert bad_split.exit_code == 2 and "LINE_ID:QTY" in bad_split.output


def test_cli_wave_refuses_bad_options_and_releases_nothing(uow: UnitOfWork,
                                                          cli_database: str) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "cli2", [1]))
    for args, words in ((["WH1", "--cutoff", "2026-13-01"], "--cutoff"),
                        (["NOPE"], "NOPE"), (["WH1", "--totes", "0"], "totes")):
        result = runner.invoke(app, ["waves", "create", *args])
        assert result.exit_code == 2 and words in result.output, result.output
    shown = runner.invoke(app, ["fulfill", "show", str(fo), "--json"])
    assert json.loads(shown.output)["state"] == "waiting"
    missing = runner.invoke(app, ["pick", "show", "999"])
    assert missing.exit_code == 2 and "no pick batch 999" in missing.output
