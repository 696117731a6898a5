"""``backroom import orders`` and ``backroom orders …`` through the real Typer app, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from backroom.cli.app import app
from backroom.db.uow import UnitOfWork
from tests.orders.conftest import PAYLOADS, SHOP_SECRET, events, order_count

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("cli_database")


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args))


def import_file(fmt: str, name: str, *extra: str) -> Result:
    return cli("import", "orders", "--format", fmt, str(PAYLOADS / name), *extra)


def test_import_csv_imports_good_orders_and_reports_bad_ones_when_file_mixes(
        store: UnitOfWork) -> None:
    result = import_file("csv", "orders.csv", "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["counts"] == {"new": 2, "updated": 0, "unchanged": 0, "stale": 0, "error": 1}
    bad = report["orders"][2]
    assert (bad["external_id"], bad["line"]) == ("M-5003", 7)
    assert [(p["line"], p["field"]) for p in bad["problems"]] == [(7, "qty"), (8, "qty")]
    assert report["orders"][1]["holds"] == ["unknown_sku"]
    again = json.loads(import_file("csv", "orders.csv", "--json").stdout)
    assert again["counts"]["unchanged"] == 2 and order_count(store) == 2


def test_import_names_the_order_and_line_when_printing_for_people(store: UnitOfWork) -> None:
    result = import_file("csv", "orders.csv", "--channel", "csv")
    assert "2 new, 0 updated, 0 unchanged, 0 stale, 1 refused" in result.stdout
    assert "on hold: order 2 'M-5002' (unknown_sku)" in result.stdout
    assert "error: order 3 'M-5003' (line 7):\n  - line 7: qty: must not be negative (got '-1')" \
        in result.stderr
    assert "  - line 8: qty: must be a whole number (no fractions) (got '1.5')" in result.stderr


def test_import_writes_nothing_when_all_or_nothing_and_one_order_is_bad(
        store: UnitOfWork) -> None:
    result = import_file("csv", "orders.csv", "--all-or-nothing")
    assert result.exit_code == 2
    assert "1 of 3 orders are invalid; nothing was imported" in result.stderr
    assert order_count(store) == 0 and events(store) == []


def test_import_shopify_and_woocommerce_files_when_channel_is_named(store: UnitOfWork) -> None:
    shop = json.loads(import_file("shopify", "shopify_orders_create.json", "--channel", "SHOP",
                                  "--json").stdout)
    woo = json.loads(import_file("woocommerce", "woocommerce_order.json", "--json").stdout)
    assert (shop["counts"]["new"], woo["counts"]["new"]) == (1, 1)
    updated = json.loads(import_file("shopify", "shopify_orders_updated.json", "--json").stdout)
    assert updated["counts"]["updated"] == 1


def test_import_refuses_file_when_currency_differs_from_channel(store: UnitOfWork,
                                                                 tmp_path: Path) -> None:
    data = json.loads((PAYLOADS / "woocommerce_order.json").read_text())
    data["currency"] = "GBP"
    path = tmp_path / "woo.json"
    path.write_text(json.dumps([data]))
    result = cli("import", "orders", "--format", "woocommerce", str(path), "--json")
    assert result.exit_code == 2
    (item,) = json.loads(result.stdout)["orders"]
    assert "channel WOO sells in EUR" in item["error"] and order_count(store) == 0


def test_import_exits_2_when_format_or_json_is_bad(store: UnitOfWork, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"id": 1,')
    result = cli("import", "orders", "--format", "shopify", str(path))
    assert result.exit_code == 2 and "is not valid JSON" in result.stderr
    assert cli("import", "orders", "--format", "xml", str(path)).exit_code == 2


def test_orders_commands_hold_release_cancel_and_show_when_used_in_turn(
        store: UnitOfWork) -> None:
    import_file("csv", "orders.csv")
    listed = json.loads(cli("orders", "list", "--json").stdout)
    assert [o["number"] for o in listed] == ["M-5002", "M-5001"]
    held = cli("orders", "hold", "CSV:M-5001", "--kind", "fraud_review", "--reason",
               "address on a blocklist", "--json")
    assert json.loads(held.stdout)["state"] == "on_hold"
    released = json.loads(cli("orders", "release", "CSV:M-5001", "--json").stdout)
    assert released["state"] == "open"
    line = str(released["lines"][0]["id"])
    cancelled = json.loads(cli("orders", "cancel", "CSV:M-5001", "--line", f"{line}:1",
                               "--reason", "damaged in stock", "--json").stdout)
    assert cancelled["lines"][0]["cancelled"] == 1
    shown = cli("orders", "show", str(released["id"]))
    assert "M-5001" in shown.stdout and "ship to: Lena Park" in shown.stdout
    assert cli("orders", "cancel", "CSV:NOPE", "--reason", "x").exit_code == 2


def test_map_sku_releases_waiting_order_when_run_from_cli(store: UnitOfWork) -> None:
    import_file("csv", "orders.csv")
    result = cli("orders", "map-sku", "CSV", "POSTER-A2", "TEA-SAMPLER")
    assert result.exit_code == 0, result.output
    assert "1 orders updated, 1 released" in result.stdout
    assert json.loads(cli("orders", "show", "CSV:M-5002", "--json").stdout)["state"] == "open"


def test_channel_commands_never_print_the_secret_when_listing(store: UnitOfWork) -> None:
    created = cli("orders", "channel-create", "woo-2", "--kind", "woocommerce", "--currency",
                  "eur")
    assert "BACKROOM_CHANNEL_WOO_2_SECRET" in created.stdout
    listed = cli("orders", "channels")
    assert "WOO-2" in listed.stdout and SHOP_SECRET not in listed.stdout
    channels = json.loads(cli("orders", "channels", "--json").stdout)
    assert SHOP_SECRET not in json.dumps(channels)
    assert cli("orders", "channel-create", "bad code", "--kind", "csv").exit_code == 2
