"""``backroom books|report|export`` on both databases: JSON output, bad input exits 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.inventory.store import build_store

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def shop(uow: UnitOfWork, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    build_store(uow)
    monkeypatch.setenv("BACKROOM_DATABASE_URL", db_url)
    get_settings.cache_clear()
    inv.receive(uow, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))])
    inv.receive(uow, "WH1", [ReceiptLine("PLAIN", 10, Decimal("6.00"))])
    inv.ship(uow, "PLAIN", 15, "WH1-INPUT", reference="SO-1")
    yield uow
    get_settings.cache_clear()


def ok_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_post_then_reports_show_fifo_figures_when_run_from_cli(shop: UnitOfWork) -> None:
    assert ok_json("books", "post")["entries"] == 3
    trial = ok_json("report", "trial-balance")
    assert trial["balanced"] and trial["total_debit"] == "110.00"
    sheet = ok_json("report", "balance-sheet")
    assert sheet["balanced"] and sheet["total_assets"] == "30.00"
    pnl = ok_json("report", "pnl", "--from", "2000-01-01", "--to", "2999-12-31")
    assert pnl["total_cost_of_sales"] == "80.00" and pnl["net_income"] == "-80.00"
    valuation = ok_json("report", "inventory-valuation")
    assert valuation["items"] == [{"sku": "PLAIN", "warehouse": "WH1", "qty": 5,
                                   "value": "30.00", "unit_cost": "6.0000"}]
    assert valuation["books_inventory"] == "30.00"
    margin = ok_json("report", "margin", "--by", "sku")
    assert margin["rows"][0]["sku"] == "PLAIN" and margin["rows"][0]["cogs"] == "80.00"
    gl = ok_json("report", "gl", "1200")
    assert [line["balance"] for line in gl["lines"]] == ["50.00", "110.00", "30.00"]


def test_audit_covers_the_books_when_run_from_cli(shop: UnitOfWork) -> None:
    ok_json("books", "post")
    report = ok_json("audit")
    names = [c["name"] for c in report["checks"]]
    assert report["ok"] and "inventory accounts equal the cost layers to the cent" in names


def test_manual_entry_and_reversal_when_given_on_command_line(shop: UnitOfWork) -> None:
    entry = ok_json("books", "entry", "--date", "2026-02-03", "-m", "rent",
                    "--debit", "5300=120.00", "--credit", "1000=120.00")
    back = ok_json("books", "reverse", str(entry["id"]))
    assert back["reversal_of"] == entry["id"]
    result = runner.invoke(app, ["books", "entry", "--date", "2026-02-03", "-m", "x",
                                 "--debit", "5300=1.00", "--credit", "1000=2.00"])
    assert result.exit_code == 2 and "does not balance" in result.output


@pytest.mark.parametrize("args", [["report", "trial-balance", "--as-of", "2026-02-30"],
                                  ["report", "pnl", "--from", "2026-03-01", "--to", "2026-02-01"],
                                  ["report", "trial-balance", "--as-of", "2026-01-01",
                                   "--from", "2025-01-01"],
                                  ["report", "margin", "--by", "colour"],
                                  ["report", "gl", "9999"],
                                  ["books", "close", "March"]])
def test_bad_input_exits_2_when_arguments_are_wrong(shop: UnitOfWork, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output


def test_close_and_reopen_are_logged_when_run_from_cli(shop: UnitOfWork) -> None:
    assert ok_json("books", "close", "2026-01")["state"] == "closed"
    assert ok_json("books", "reopen", "2026-01", "--note", "late bill")["state"] == "open"
    (period,) = ok_json("books", "periods")
    assert [e["action"] for e in period["log"]] == ["close", "reopen"]


def test_exports_write_files_when_asked(shop: UnitOfWork, tmp_path: Path) -> None:
    ok_json("books", "post")
    bean = ok_json("export", "beancount", str(tmp_path / "books.beancount"))
    assert bean["entries"] == 3 and bean["balances"]["1200"] == "30.00"
    assert ok_json("export", "csv", str(tmp_path / "gl.csv"))["lines"] == 6


def test_rules_round_trip_when_exported_changed_and_loaded(shop: UnitOfWork,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    assert runner.invoke(app, ["books", "rules", "export", str(path)]).exit_code == 0
    text = path.read_text().replace("debit: '5000'", "debit: '5300'", 1)
    path.write_text(text)
    assert ok_json("books", "rules", "load", str(path))["rules"] > 10
    ok_json("books", "post")
    trial = {r["code"]: r for r in ok_json("report", "trial-balance")["accounts"]}
    assert trial["5300"]["debit"] == "80.00" and "5000" not in trial
    path.write_text(text.replace("credit: '1200'", "credit: '1299'", 1))
    result = runner.invoke(app, ["books", "rules", "load", str(path)])
    assert result.exit_code == 2 and "1299" in result.output
