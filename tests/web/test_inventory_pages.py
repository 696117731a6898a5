"""Overview figures, the locations page and the stock page (levels and positions)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from backroom.inventory import pages as inventory_pages
from tests.web.html import column, table_rows
from tests.web.seed import Store


def _get(client: TestClient, path: str, **params: str) -> str:
    response = client.get(path, params=params)
    assert response.status_code == 200
    return response.text


def _tiles(html: str) -> dict[str, str]:
    found = re.findall(r'tile-value">([^<]*)</div>\s*<div class="text-body-secondary">([^<]*)<', html)
    return {label: value for value, label in found}


def test_overview_counts_the_store_when_seeded(warehouse_client: TestClient, store: Store) -> None:
    assert _tiles(_get(warehouse_client, "/")) == {
        "Active products": "3", "Warehouses": "2", "Bins": "4", "Units on hand": "77",
        "Open reservations": "1"}


def test_overview_shows_zeros_when_database_is_empty(warehouse_client: TestClient) -> None:
    assert set(_tiles(_get(warehouse_client, "/")).values()) == {"0"}


def test_locations_lists_warehouses_with_bin_counts_when_seeded(warehouse_client: TestClient,
                                                               store: Store) -> None:
    html = _get(warehouse_client, "/locations")
    assert table_rows(html, "warehouses") == [
        ["BACK", "Back store", "Potsdam", "DE", "1", "active"],
        ["MAIN", "Main warehouse", "Berlin", "DE", "3", "active"]]
    codes = column(html, "locations")
    assert codes[:5] == ["BACK-A-01-1", "CUSTOMER", "LOSS", "MAIN-A-01-1", "MAIN-A-01-2"]
    assert len(codes) == 10  # five places of ours and the five virtual locations
    row = table_rows(html, "locations")[3]
    assert row == ["MAIN-A-01-1", "storage", "MAIN", "", "A / A / 1 / 1", "active"]


LOCATION_CASES: list[tuple[dict[str, str], list[str]]] = [
    ({"warehouse": "MAIN"}, ["MAIN-A-01-1", "MAIN-A-01-2", "MAIN-B-01-1", "MAIN-INPUT"]),
    ({"warehouse": "MAIN", "kind": "input"}, ["MAIN-INPUT"]),
    ({"kind": "transit"}, ["TRANSIT"]),
    ({"q": "a-01"}, ["BACK-A-01-1", "MAIN-A-01-1", "MAIN-A-01-2"]),
    ({"q": "receiv"}, ["MAIN-INPUT"]),
    ({"kind": "no-such-kind", "q": "SUPP"}, ["SUPPLIER"]),
    ({"warehouse": "NOWHERE"}, []),
]


def test_locations_filter_when_asked(warehouse_client: TestClient, store: Store,
                                     subtests: pytest.Subtests) -> None:
    for params, expected in LOCATION_CASES:
        with subtests.test(**params):
            assert column(_get(warehouse_client, "/locations", **params), "locations") == expected


def test_locations_page_by_keyset_when_more_than_a_page(warehouse_client: TestClient,
                                                        store: Store,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory_pages, "LOCATION_PAGE", 3)
    first = _get(warehouse_client, "/locations", warehouse="MAIN")
    assert column(first, "locations") == ["MAIN-A-01-1", "MAIN-A-01-2", "MAIN-B-01-1"]
    assert 'href="/locations?warehouse=MAIN&amp;after=MAIN-B-01-1"' in first
    second = _get(warehouse_client, "/locations", warehouse="MAIN", after="MAIN-B-01-1")
    assert column(second, "locations") == ["MAIN-INPUT"]
    assert "Next page" not in second


def test_stock_shows_levels_and_positions_when_seeded(warehouse_client: TestClient,
                                                      store: Store) -> None:
    html = _get(warehouse_client, "/stock")
    assert table_rows(html, "levels") == [
        ["BACK-A-01-1", "BACK", "MUG-RED", "Red mug", "—", "3", "0"],
        ["MAIN-A-01-1", "MAIN", "MUG-RED", "Red mug", "—", "30", "4"],
        ["MAIN-A-01-2", "MAIN", "MUG-RED", "Red mug", "—", "12", "0"],
        ["MAIN-B-01-1", "MAIN", "MUG-BLUE", "Blue mug", "—", "7", "0"],
        ["MAIN-B-01-1", "MAIN", "TEA-GREEN", "Green tea 100 g", "L-2025-11 exp. 2026-11-30", "20",
         "0"],
        ["MAIN-INPUT", "MAIN", "TEA-GREEN", "Green tea 100 g", "L-2026-01 exp. 2027-01-31", "5",
         "0"]]
    # warehouse, sku, name, on hand, reserved, safety, available, quarantined, incoming
    assert table_rows(html, "positions") == [
        ["MAIN", "MUG-BLUE", "Blue mug", "7", "0", "0", "7", "2", "0"],
        ["BACK", "MUG-RED", "Red mug", "3", "0", "0", "3", "0", "0"],
        ["MAIN", "MUG-RED", "Red mug", "42", "4", "5", "33", "0", "10"],
        ["MAIN", "TEA-GREEN", "Green tea 100 g", "25", "0", "0", "25", "0", "0"]]


ALL_POSITIONS = [("MAIN", "MUG-BLUE"), ("BACK", "MUG-RED"), ("MAIN", "MUG-RED"),
                 ("MAIN", "TEA-GREEN")]
STOCK_CASES: list[tuple[dict[str, str], list[str], list[tuple[str, str]]]] = [
    ({"q": "tea"}, ["MAIN-B-01-1", "MAIN-INPUT"], [("MAIN", "TEA-GREEN")]),
    ({"q": "4006381333931"}, ["BACK-A-01-1", "MAIN-A-01-1", "MAIN-A-01-2"],
     [("BACK", "MUG-RED"), ("MAIN", "MUG-RED")]),
    ({"warehouse": "BACK"}, ["BACK-A-01-1"], [("BACK", "MUG-RED")]),
    ({"location": "MAIN-B-01-1"}, ["MAIN-B-01-1", "MAIN-B-01-1"], ALL_POSITIONS),
    ({"lot": "L-2026-01"}, ["MAIN-INPUT"], ALL_POSITIONS),  # lots narrow locations only
    ({"q": "mug", "warehouse": "MAIN"}, ["MAIN-A-01-1", "MAIN-A-01-2", "MAIN-B-01-1"],
     [("MAIN", "MUG-BLUE"), ("MAIN", "MUG-RED")]),
    ({"q": "%"}, [], []),
]


def test_stock_search_narrows_levels_when_filtered(warehouse_client: TestClient, store: Store,
                                                   subtests: pytest.Subtests) -> None:
    for params, locations, positions in STOCK_CASES:
        with subtests.test(**params):
            html = _get(warehouse_client, "/stock", **params)
            assert column(html, "levels") == locations
            found = {(row[0], row[1]) for row in table_rows(html, "positions")}
            assert found == set(positions)


def test_stock_shows_virtual_location_when_named(warehouse_client: TestClient,
                                                 store: Store) -> None:
    assert "SUPPLIER" not in column(_get(warehouse_client, "/stock"), "levels")
    rows = table_rows(_get(warehouse_client, "/stock", location="SUPPLIER"), "levels")
    assert rows == [["SUPPLIER", "—", "MUG-RED", "Red mug", "—", "-45", "0"]]


def test_stock_page_says_when_rows_are_cut_off(warehouse_client: TestClient, store: Store,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory_pages, "STOCK_LIMIT", 2)
    html = _get(warehouse_client, "/stock")
    assert len(table_rows(html, "levels")) == 2
    assert 'id="more-levels"' in html
    assert 'id="more-levels"' not in _get(warehouse_client, "/stock", warehouse="BACK")


ODD_INPUT = [{"warehouse": "x" * 5000}, {"lot": "'; DROP TABLE lots;--"},
             {"location": "\u00e9\u00e8"}, {"q": "\\"}, {"after": "\x00"}, {"kind": "<b>"}]


def test_pages_never_fail_when_input_is_odd(warehouse_client: TestClient, store: Store,
                                            subtests: pytest.Subtests) -> None:
    for params in ODD_INPUT:
        for path in ("/stock", "/locations", "/products"):
            with subtests.test(path=path, **params):
                assert warehouse_client.get(path, params=params).status_code == 200
