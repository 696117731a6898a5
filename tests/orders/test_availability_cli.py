"""``backroom channels …`` through the real Typer app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from backroom.cli.app import app
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.orders.availability_tables import SKU_BUFFERS
from tests.orders.test_availability import build, count, levels, receive

runner = CliRunner()


@pytest.fixture
def shop(uow: UnitOfWork, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    monkeypatch.setenv("BACKROOM_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield build(uow)
    get_settings.cache_clear()


def cli(*args: str) -> Result:
    return runner.invoke(app, ["channels", *args])


def test_commands_set_buffers_and_mappings_and_sync_exports_when_run_in_order(
        shop: UnitOfWork) -> None:
    receive(shop, 9)
    receive(shop, 4, warehouse="WH2")
    for args in (("buffer", "WEB", "2"), ("buffer", "WEB", "--sku", "PLAIN", "1"),
                 ("warehouses", "WEB", "WH1"), ("map-location", "SHOP", "WH1", "111"),
                 ("map-item", "SHOP", "PLAIN", "gid://shopify/InventoryItem/900")):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    report = json.loads(cli("sync", "--json").stdout)
    assert (report["full"], report["exported"]) == (False, 3)  # WEB, API, SHOP
    assert levels(shop, "SHOP") == [{"location_id": 111, "inventory_item_id": 900,
                                     "available": 9, "channel": "SHOP", "sku": "PLAIN"}]
    shown = json.loads(cli("availability", "--channel", "web", "--json").stdout)
    item = shown["items"][0]
    assert (item["sku"], item["buffer"], item["available"]) == ("PLAIN", 1, 8)
    assert item["levels"] == [{"level": "all", "warehouses": ["WH1"], "available": 8,
                               "exported": 8}]
    table = cli("availability", "--channel", "SHOP").stdout
    assert "loc 111" in table and "PLAIN" in table and "│ 9 " in table
    assert json.loads(cli("sync", "--all", "--json").stdout)["exported"] == 0
    assert "0 exported" in cli("sync").stdout


def test_settings_show_buffers_warehouses_and_locations_when_asked(shop: UnitOfWork) -> None:
    cli("buffer", "SHOP", "3")
    cli("buffer", "SHOP", "--sku", "OTHER", "0")
    cli("map-location", "SHOP", "WH2", "222")
    view = json.loads(cli("settings", "SHOP", "--json").stdout)
    assert view["default_buffer"] == 3 and view["sku_buffers"] == [{"sku": "OTHER",
                                                                     "buffer": 0}]
    assert view["locations"] == [{"warehouse": "WH2", "location_id": 222}]
    assert view["warehouses"] == ["WH1", "WH2"] and view["all_active_warehouses"]
    assert cli("buffer", "SHOP", "--sku", "OTHER", "--clear").exit_code == 0
    assert count(shop, SKU_BUFFERS) == 0


@pytest.mark.parametrize(("args", "field", "value"), [
    (("buffer", "WEB", "-1"), "buffer", "-1"),
    (("buffer", "WEB", "two"), "buffer", "two"),
    (("map-location", "SHOP", "WH1", "12x"), "location_id", "12x"),
    (("map-item", "SHOP", "NOPE", "5"), "sku", "NOPE"),
])
def test_bad_input_exits_2_naming_field_and_value_when_refused(
        shop: UnitOfWork, args: tuple[str, ...], field: str, value: str) -> None:
    result = cli(*args, "--json")
    assert result.exit_code == 2, result.output
    problem = json.loads(result.stderr)
    assert [(e["field"], str(e["value"])) for e in problem["errors"]] == [(field, value)]
    human = cli(*args)
    assert human.exit_code == 2 and f"{field}:" in human.stderr and value in human.stderr
    assert json.loads(cli("settings", "SHOP", "--json").stdout)["default_buffer"] == 0


def test_unmap_commands_zero_the_levels_and_deactivate_stops_the_channel_when_run(
        shop: UnitOfWork) -> None:
    receive(shop, 6)
    for args in (("map-location", "SHOP", "WH1", "111"), ("map-item", "SHOP", "PLAIN", "900"),
                 ("sync",)):
        assert cli(*args).exit_code == 0
    shown = cli("unmap-item", "SHOP", "PLAIN")
    assert shown.exit_code == 0, shown.output
    assert "no longer mapped to inventory item 900 (1 level set to 0)" in shown.stdout
    assert [p["available"] for p in levels(shop, "SHOP")] == [6, 0]
    report = json.loads(cli("unmap-location", "SHOP", "WH1", "--json").stdout)
    assert report == {"channel": "SHOP", "warehouse": "WH1", "location_id": 111,
                      "exported": 0}
    stopped = json.loads(cli("deactivate", "WEB", "--json").stdout)
    assert (stopped["active"], stopped["levels_zeroed"]) == (False, 1)
    assert levels(shop, "WEB")[-1] == {"channel": "WEB", "sku": "PLAIN", "warehouse": "all",
                                       "available": 0}
    assert "already was" in cli("deactivate", "WEB").stdout
    assert "run `backroom channels sync`" in cli("activate", "WEB").stdout
    cli("sync")
    assert levels(shop, "WEB")[-1]["available"] == 6


@pytest.mark.parametrize(("args", "field", "value"), [
    (("unmap-location", "SHOP", "WH2"), "warehouse", "WH2"),
    (("unmap-location", "SHOP", "WH9"), "warehouse", "WH9"),
    (("unmap-item", "SHOP", "OTHER"), "sku", "OTHER"),
    (("unmap-item", "WEB", "PLAIN"), "channel", "WEB"),
])
def test_unmapping_what_is_not_mapped_exits_2_naming_it_when_refused(
        shop: UnitOfWork, args: tuple[str, ...], field: str, value: str) -> None:
    cli("map-location", "SHOP", "WH1", "111")
    cli("map-item", "SHOP", "PLAIN", "900")
    result = cli(*args, "--json")
    assert result.exit_code == 2, result.output
    problem = json.loads(result.stderr)
    assert [(e["field"], str(e["value"])) for e in problem["errors"]] == [(field, value)]
    human = cli(*args)
    assert human.exit_code == 2 and f"{field}:" in human.stderr and value in human.stderr
    view = json.loads(cli("settings", "SHOP", "--json").stdout)
    assert (view["locations"], view["inventory_items_mapped"]) == (
        [{"warehouse": "WH1", "location_id": 111}], 1)


def test_deactivating_an_unknown_channel_exits_2_when_asked(shop: UnitOfWork) -> None:
    result = cli("deactivate", "NOPE")
    assert result.exit_code == 2 and "NOPE" in result.stderr
