"""The accounting page in a real headless Chromium against a real uvicorn server (SQLite file):
the trial balance and the SVG chart on the screen are the books' figures."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from backroom.accounting import pages, reports
from backroom.core.events import DomainEvent, record
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.accounting.helpers import post_all
from tests.inventory.store import build_store
from tests.web.live import DESKTOP, Watch, serving
from tests.web.seed import make_token

pytestmark = pytest.mark.browser


@dataclass
class BooksServer:
    url: str
    token: str
    uow: UnitOfWork


def _trade(uow: UnitOfWork) -> None:
    """Buy 10 @ 5.00, ship 4 (COGS 20.00), an order paid 60.00; the worker posts it all."""
    build_store(uow)
    inv.receive(uow, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))])
    inv.ship(uow, "PLAIN", 4, "WH1-INPUT", reference="SO-1")
    with uow.transaction() as conn:
        record(conn, [DomainEvent("order.paid", {"order_id": 1, "currency": "USD",
                                                 "rate": "1", "total": "60.00",
                                                 "subtotal": "60.00"})])
    post_all(uow)


@pytest.fixture(scope="module")
def books_server(tmp_path_factory: pytest.TempPathFactory,
                 sqlite_template: Path) -> Iterator[BooksServer]:
    path = tmp_path_factory.mktemp("books-browser") / "backroom.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    uow = UnitOfWork(engine)
    _trade(uow)
    token = make_token(uow, "accounting", "Bookkeeper")
    try:
        with serving(engine) as url:
            yield BooksServer(url, token, uow)
    finally:
        engine.dispose()


def _open_books(page: Any, server: BooksServer) -> None:
    page.goto(server.url + "/accounting")
    assert page.url.startswith(server.url + "/login")
    page.fill("#token", server.token)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/accounting")


def _cells(page: Any, selector: str) -> list[list[str]]:
    return [[c.strip() for c in row.split("\t")]
            for row in page.locator(selector).all_inner_texts()]


def test_bookkeeper_sees_trial_balance_and_chart_of_the_books_when_using_a_browser(
        books_server: BooksServer, chromium: Any) -> None:
    browser = chromium
    with books_server.uow.read() as conn:
        trial = reports.trial_balance(conn)
        months = reports.margin(conn, by="month")["rows"]
    watch = Watch()
    context = browser.new_context(viewport=DESKTOP)
    page = watch.attach(context.new_page())
    _open_books(page, books_server)
    assert _cells(page, "#trial-balance tbody tr") == [
        [a["code"], a["name"], a["debit"], a["credit"]] for a in trial["accounts"]]
    assert ["1200", "Inventory", "30.00", "0.00"] in _cells(page, "#trial-balance tbody tr")
    assert _cells(page, "#trial-balance tfoot tr") == [
        ["", "Total", trial["total_debit"], trial["total_credit"]]]
    assert trial["total_debit"] == "110.00"
    assert page.locator("#pnl tr", has_text="Gross profit").inner_text().endswith("40.00")
    chart = page.locator("svg.chart")
    assert chart.is_visible()
    bars = chart.locator("rect")
    month = months[-1]["month"]
    assert bars.count() == 2
    assert [bars.nth(i).locator("title").text_content() for i in range(2)] == [
        f"{month} revenue: {months[-1]['revenue']}", f"{month} cogs: {months[-1]['cogs']}"]
    assert [float(bars.nth(i).get_attribute("height") or 0) for i in range(2)] == [
        pages.CHART_H - 20, round((pages.CHART_H - 20) * 20 / 60, 1)]
    revenue, cogs = (bars.nth(i).bounding_box() for i in range(2))
    assert revenue and cogs and revenue["height"] == pytest.approx(3 * cogs["height"], rel=0.01)
    assert chart.locator("text").all_text_contents() == [month]
    context.close()
    assert watch.errors == []
