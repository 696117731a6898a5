"""Product pages: search, the active filter, keyset pages, details and escaping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from backroom.catalog import pages as catalog_pages
from backroom.catalog.tables import PRODUCTS
from backroom.db.uow import UnitOfWork
from tests.web.html import column, table_rows
from tests.web.seed import Store


def _skus(client: TestClient, **params: str) -> list[str]:
    response = client.get("/products", params=params)
    assert response.status_code == 200
    return column(response.text, "products")


def test_products_lists_active_products_when_no_filter(warehouse_client: TestClient,
                                                       store: Store) -> None:
    assert _skus(warehouse_client) == ["MUG-BLUE", "MUG-RED", "TEA-GREEN"]
    rows = table_rows(warehouse_client.get("/products").text, "products")
    assert rows[1] == ["MUG-RED", "Red mug", "none", "350", "120 × 90 × 100", "active"]


ACTIVE_CASES = [
    ("all", ["MUG-BLUE", "MUG-RED", "OLD-LAMP", "TEA-GREEN"]),
    ("inactive", ["OLD-LAMP"]),
    ("bogus", ["MUG-BLUE", "MUG-RED", "TEA-GREEN"]),
]
SEARCH_CASES = [
    ("mug", ["MUG-BLUE", "MUG-RED"]),
    ("Blue", ["MUG-BLUE"]),
    ("tea-g", ["TEA-GREEN"]),
    ("4006381333931", ["MUG-RED"]),  # a scanned barcode (each) ...
    ("14006381333938", ["MUG-RED"]),  # ... or of the case
    ("400638", []),  # barcodes match whole, not in part
    ("%", []),  # LIKE wildcards are literal
    ("_UG", []),
    ("nothing like it", []),
]


def test_products_follow_active_filter_when_chosen(warehouse_client: TestClient, store: Store,
                                                   subtests: pytest.Subtests) -> None:
    for active, expected in ACTIVE_CASES:
        with subtests.test(active=active):
            assert _skus(warehouse_client, active=active) == expected


def test_product_search_narrows_results_when_query_given(warehouse_client: TestClient,
                                                         store: Store,
                                                         subtests: pytest.Subtests) -> None:
    for q, expected in SEARCH_CASES:
        with subtests.test(q=q):
            assert _skus(warehouse_client, q=q) == expected


def test_products_page_by_keyset_when_more_than_a_page(warehouse_client: TestClient, store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_pages, "PAGE_SIZE", 2)
    first = warehouse_client.get("/products", params={"active": "all"}).text
    assert column(first, "products") == ["MUG-BLUE", "MUG-RED"]
    assert 'href="/products?active=all&amp;after=MUG-RED"' in first
    second = warehouse_client.get("/products", params={"active": "all", "after": "MUG-RED"}).text
    assert column(second, "products") == ["OLD-LAMP", "TEA-GREEN"]
    assert "Next page" not in second and 'href="/products?active=all">First page' in second


def test_product_page_shows_details_barcodes_packaging_and_stock_when_found(
        warehouse_client: TestClient, store: Store) -> None:
    response = warehouse_client.get("/products/MUG-RED")
    assert response.status_code == 200
    html = response.text
    assert "Stoneware, 330 ml" in html and "4.50 USD" in html and "120 × 90 × 100 mm" in html
    assert table_rows(html, "barcodes") == [["4006381333931", "each"], ["14006381333938", "case"]]
    assert table_rows(html, "packagings") == [["each", "1"], ["case", "12"]]
    assert table_rows(html, "positions") == [["BACK", "3", "0", "0", "3", "0", "0"],
                                             ["MAIN", "42", "4", "5", "33", "0", "10"]]
    assert table_rows(html, "levels") == [["BACK-A-01-1", "BACK", "—", "3", "0"],
                                          ["MAIN-A-01-1", "MAIN", "—", "30", "4"],
                                          ["MAIN-A-01-2", "MAIN", "—", "12", "0"]]


def test_product_page_says_not_found_when_sku_unknown(warehouse_client: TestClient,
                                                      store: Store) -> None:
    response = warehouse_client.get("/products/NOPE-1")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "There is no product with SKU &#39;NOPE-1&#39;" in response.text
    for odd in ("%00", "x" * 300, "%20MUG-RED"):
        assert warehouse_client.get(f"/products/{odd}").status_code == 404


def test_pages_escape_markup_when_data_contains_html(warehouse_client: TestClient,
                                                     uow: UnitOfWork) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with uow.transaction() as conn:
        conn.execute(insert(PRODUCTS).values(sku="X/<b>1", name="<script>alert(1)</script>",
                                             description="", tracking="none", active=True,
                                             created_at=now, updated_at=now))
    listing = warehouse_client.get("/products", params={"q": "<script>"}).text
    assert "<script>alert" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert 'href="/products/X/%3Cb%3E1"' in listing
    detail = warehouse_client.get("/products/X/%3Cb%3E1")
    assert detail.status_code == 200 and "<script>alert" not in detail.text
