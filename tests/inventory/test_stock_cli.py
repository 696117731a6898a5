"""``backroom stock …`` on both databases: writes, bad input (exit 2), CSV receipts."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from rich.console import Console
from sqlalchemy import func, select
from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.inventory.cli_stock_csv import PROGRESS_FROM_ROWS, read_receipt
from backroom.inventory.tables import MOVES
from tests.inventory.store import build_store

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def store(uow: UnitOfWork, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    build_store(uow)
    monkeypatch.setenv("BACKROOM_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


def stock(*args: str) -> Result:
    return runner.invoke(app, ["stock", *args])


def ok_json(*args: str) -> Any:
    res = stock(*args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def bad(*args: str) -> str:
    """Run a command that must refuse its input; returns what it said on stderr."""
    res = stock(*args)
    assert res.exit_code == 2, res.output
    return res.stderr


def move_count(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(MOVES)).scalar_one())


def on_hand(sku: str) -> dict[str, int]:
    return {r["location"]: r["on_hand"] for r in ok_json("levels", "--sku", sku)}


def test_levels_show_a_receipt_when_received_on_the_command_line(store: UnitOfWork) -> None:
    out = ok_json("receive", "WH1", "PLAIN", "10", "--unit-cost", "2.50", "--reference", "PO-1")
    assert out["moves"][0]["value_minor"] == 2500
    assert on_hand("PLAIN") == {"WH1-INPUT": 10}
    table = stock("levels")
    assert table.exit_code == 0
    assert "WH1-INPUT" in table.stdout and "PLAIN" in table.stdout
    human = stock("receive", "WH1", "OTHER", "3", "--location", "WH1-A-01-1")
    assert human.exit_code == 0 and "WH1-A-01-1" in human.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("receive", "WH1", "NOPE", "1"), "unknown SKU"),
    (("receive", "WH9", "PLAIN", "1"), "unknown warehouse"),
    (("receive", "WH1", "PLAIN", "0"), "positive"),
    (("receive", "WH1", "PLAIN", "5", "--unit-cost", "cheap"), "unit_cost"),
    (("receive", "WH1", "PLAIN", "5", "--expiry", "soon"), "expiry"),
    (("receive", "WH1", "LOTTED", "5"), "lot"),
    (("receive", "WH1"), "give SKU and QTY, or --file"),
    (("receive", "WH1", "PLAIN", "five"), "Invalid value for 'qty'"),
    (("move", "PLAIN", "1", "WH1-INPUT", "WH1-PACK", "--reason", "receipt"), "reason"),
    (("ship", "PLAIN", "1", "WH1-INPUT"), "--reference"),
    (("adjust", "WH1-INPUT", "PLAIN", "1", "--reason", "magic"), "reason"),
    (("reverse", "4242"), "no stock move 4242"),
    (("release", "--id", "4242"), "no active reservation"),
    (("moves", "--since", "last tuesday"), "ISO-8601"),
])
def test_command_exits_2_with_a_message_when_input_is_bad(
        store: UnitOfWork, args: tuple[str, ...], message: str) -> None:
    assert message in bad(*args)
    assert move_count(store) == 0


def test_errors_are_json_on_stderr_when_json_is_asked(store: UnitOfWork) -> None:
    res = stock("ship", "PLAIN", "3", "WH1-INPUT", "--reference", "SO-1", "--json")
    assert res.exit_code == 2
    error = json.loads(res.stderr)
    assert error["code"] == "insufficient_stock"
    assert error["shortfalls"][0]["requested"] == 3


def test_negative_adjustment_is_accepted_when_written_naturally(store: UnitOfWork) -> None:
    ok_json("receive", "WH1", "PLAIN", "10")
    out = ok_json("adjust", "WH1-INPUT", "PLAIN", "-2", "--reason", "damage")
    assert (out["moves"][0]["to"], out["moves"][0]["qty"]) == ("LOSS", 2)
    ok_json("adjust", "WH1-INPUT", "PLAIN", "--delta", "-1", "--reason", "shrinkage")
    after_dashes = stock("adjust", "WH1-INPUT", "PLAIN", "--reason", "found", "--", "+4")
    assert after_dashes.exit_code == 0, after_dashes.output
    assert on_hand("PLAIN") == {"WH1-INPUT": 11}
    assert "DELTA or --delta" in bad("adjust", "WH1-INPUT", "PLAIN", "--reason", "count")
    assert "DELTA or --delta" in bad("adjust", "WH1-INPUT", "PLAIN", "1", "--delta", "1",
                                     "--reason", "count")
    assert "non-zero" in bad("adjust", "WH1-INPUT", "PLAIN", "0", "--reason", "count")


def test_stock_flows_through_every_command_when_used_in_order(store: UnitOfWork) -> None:
    ok_json("receive", "WH1", "PLAIN", "10", "--unit-cost", "1")
    moved = ok_json("move", "PLAIN", "6", "WH1-INPUT", "WH1-A-01-1", "--reason", "putaway")
    made = ok_json("reserve", "WH1", "PLAIN", "4", "--reference", "SO-1")
    assert [(r["qty"], r["state"]) for r in made] == [(4, "active")]
    assert "not enough stock" in bad("reserve", "WH1", "PLAIN", "7", "--reference", "SO-2")
    shipped = ok_json("ship", "PLAIN", "3", "WH1-A-01-1", "--reference", "SO-1")
    assert shipped["reservation_consumed"] == 3
    released = ok_json("release", "--reference", "SO-1")
    assert released == {"released": [{"reservation_id": made[0]["id"], "qty": 1}]}
    sent = ok_json("transfer", "WH1-A-01-1", "WH2", "PLAIN", "2", "--reference", "T-1")
    assert ok_json("transfers", "--state", "in_transit")[0]["id"] == sent["transfer_id"]
    ok_json("transfer-receive", str(sent["transfer_id"]), "--location", "WH2-A-02-1")
    assert ok_json("safety", "WH1", "PLAIN", "1") == {"warehouse": "WH1", "sku": "PLAIN",
                                                      "safety_stock": 1}
    assert "not enough stock" in bad("reverse", str(moved["moves"][0]["id"]))  # 1 unit left
    back = ok_json("reverse", str(shipped["moves"][0]["id"]), "--note", "customer refused")
    assert (back["moves"][0]["from"], back["moves"][0]["to"]) == ("CUSTOMER", "WH1-A-01-1")
    assert "already reversed" in bad("reverse", str(shipped["moves"][0]["id"]))
    assert on_hand("PLAIN") == {"WH1-INPUT": 4, "WH1-A-01-1": 4, "WH2-A-02-1": 2}
    [wh1, wh2] = ok_json("positions", "--sku", "PLAIN")
    assert (wh1["on_hand"], wh1["safety_stock"], wh1["available"]) == (8, 1, 7)
    assert (wh2["warehouse"], wh2["on_hand"]) == ("WH2", 2)


def test_reports_filter_and_stop_at_the_limit_when_asked(store: UnitOfWork) -> None:
    for sku in ("PLAIN", "OTHER"):
        ok_json("receive", "WH1", sku, "5", "--reference", f"PO-{sku}")
    ok_json("receive", "WH1", "LOTTED", "2", "--lot", "L1", "--expiry", "2027-05-01")
    ok_json("reserve", "WH1", "OTHER", "1", "--reference", "SO-9")
    moves = ok_json("moves", "--since", "2000-01-01", "--until", "2999-01-01T00:00+02:00")
    assert [m["sku"] for m in moves] == ["LOTTED", "OTHER", "PLAIN"]
    assert [m["reference"] for m in ok_json("moves", "--reference", "PO-OTHER")] == ["PO-OTHER"]
    assert ok_json("moves", "--until", "2000-01-01") == []
    limited = stock("moves", "--limit", "2", "--json")
    assert len(json.loads(limited.stdout)) == 2
    assert "first 2 rows" in limited.stderr
    per_lot = ok_json("positions", "--by-lot", "--sku", "LOTTED")
    assert [(r["lot"], r["expiry"], r["on_hand"]) for r in per_lot] == [("L1", "2027-05-01", 2)]
    assert [r["reference"] for r in ok_json("reservations", "--state", "active")] == ["SO-9"]
    assert ok_json("reservations", "--state", "released") == []
    assert {r["location"] for r in ok_json("levels", "--include-virtual", "--sku", "PLAIN")} == {
        "SUPPLIER", "WH1-INPUT"}
    table = stock("moves")
    assert table.exit_code == 0 and "PO-OTHER" in table.stdout


def write_csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "lines.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_csv_receipt_posts_every_line_when_the_file_is_good(store: UnitOfWork,
                                                            tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,qty,unit_cost,lot,expiry\n"
                               "PLAIN,10,2.50,,\n"
                               "\n"
                               "LOTTED,4,1,L9,2027-03-01\n"
                               "OTHER,1,,,\n")
    out = ok_json("receive", "WH1", "--file", path, "--reference", "PO-CSV")
    assert [(m["sku"], m["qty"], m["value_minor"]) for m in out["moves"]] == [
        ("PLAIN", 10, 2500), ("LOTTED", 4, 400), ("OTHER", 1, 100)]
    assert ok_json("levels", "--lot", "L9")[0]["expiry"] == "2027-03-01"


def test_csv_receipt_reports_every_bad_row_and_writes_nothing_when_rows_are_bad(
        store: UnitOfWork, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,qty,unit_cost,lot,expiry\n"
                               "PLAIN,10,2.50,,\n"          # 2: fine
                               "PLAIN,ten,,,\n"             # 3: qty
                               "NOPE,1,,,\n"                # 4: unknown SKU
                               "PLAIN,1,,L1,\n"             # 5: lot on an untracked SKU
                               "LOTTED,1,,,\n"              # 6: lot missing
                               "LOTTED,1,,L2,31/12/2027\n"  # 7: expiry format
                               "OTHER,1,-3,,\n"             # 8: negative cost
                               "OTHER,1,,,2027-01-01\n"     # 9: expiry without lot
                               ",2,,,\n")                   # 10: sku missing
    err = bad("receive", "WH1", "--file", path)
    for line, field, value in ((3, "qty", "ten"), (4, "sku", "NOPE"), (5, "lot", "L1"),
                               (6, "lot", ""), (7, "expiry", "31/12/2027"),
                               (8, "unit_cost", "-3"), (9, "expiry", "2027-01-01"),
                               (10, "sku", "")):
        assert f"line {line}: {field}:" in err, (line, err)
        assert repr(value) in err.split(f"line {line}: {field}:")[1].splitlines()[0]
    assert "line 2:" not in err
    assert "nothing was received" in err
    assert move_count(store) == 0


def test_csv_receipt_is_refused_when_the_header_is_wrong(store: UnitOfWork,
                                                         tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,quantity\nPLAIN,1\n")
    err = bad("receive", "WH1", "--file", path)
    assert "unknown column" in err and "'quantity'" in err and "missing required column" in err
    assert "--file" in bad("receive", "WH1", "PLAIN", "1", "--file", path)
    assert "no receipt lines" in bad("receive", "WH1", "--file",
                                     write_csv(tmp_path, "sku,qty\n"))
    assert move_count(store) == 0


def test_csv_errors_from_the_ledger_name_the_file_line_when_raised_late(
        store: UnitOfWork, tmp_path: Path) -> None:
    ok_json("receive", "WH1", "LOTTED", "1", "--lot", "L1", "--expiry", "2027-01-01")
    path = write_csv(tmp_path, "sku,qty,lot,expiry\nPLAIN,1,,\nLOTTED,1,L1,2028-01-01\n")
    err = bad("receive", "WH1", "--file", path)
    assert "already has expiry 2027-01-01" in err
    assert move_count(store) == 1


def test_csv_reading_shows_progress_when_the_file_is_big_and_on_a_terminal(
        tmp_path: Path) -> None:
    rows = "".join(f"S{n},1\n" for n in range(PROGRESS_FROM_ROWS + 5))
    path = Path(write_csv(tmp_path, "sku,qty\n" + rows))
    screen = io.StringIO()
    receipt = read_receipt(path, Console(file=screen, force_terminal=True))
    assert len(receipt.lines) == PROGRESS_FROM_ROWS + 5
    assert "reading rows" in screen.getvalue()
    quiet = io.StringIO()
    read_receipt(path, Console(file=quiet, force_terminal=False))
    assert quiet.getvalue() == ""


def test_huge_numbers_exit_2_when_out_of_range(store: UnitOfWork) -> None:
    assert "Invalid value" in bad("receive", "WH1", "PLAIN", str(10**12))
    assert "Invalid value" in bad("reverse", str(2**64))
    assert move_count(store) == 0
