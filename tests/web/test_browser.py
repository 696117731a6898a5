"""The dashboard in a real headless Chromium against a real uvicorn server on a SQLite file.

Few tests on purpose: one browser for the module, a fresh context (cookies) per test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from tests.web.live import DESKTOP, TABLET, Watch, serving
from tests.web.seed import make_token, seed_store

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/backroom-products.png")  # for looking at by hand; never committed


@dataclass
class LiveServer:
    url: str
    token: str


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                sqlite_template: Path) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("browser") / "backroom.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    uow = UnitOfWork(engine)
    seed_store(uow)
    token = make_token(uow, "warehouse", "Dock tablet")
    try:
        with serving(engine) as url:
            yield LiveServer(url, token)
    finally:
        engine.dispose()


def _sign_in(page: Any, server: LiveServer, path: str) -> None:
    page.goto(server.url + path)
    assert page.url.startswith(server.url + "/login")
    page.fill("#token", server.token)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + path)


def test_user_signs_in_and_searches_products_when_using_a_browser(chromium: Any,
                                                                  live_server: LiveServer) -> None:
    watch = Watch()
    context = chromium.new_context(viewport=DESKTOP)
    page = watch.attach(context.new_page())
    _sign_in(page, live_server, "/")
    assert page.locator(".tile-value").count() == 5
    page.click("nav >> text=Products")
    page.wait_for_url(f"{live_server.url}/products")
    assert page.locator("#products tbody tr").count() == 3
    page.fill("#q", "blue")
    page.press("#q", "Enter")
    page.wait_for_url("**/products?q=blue*")
    assert page.locator("#products tbody tr").all_inner_texts() == [
        "MUG-BLUE\tBlue mug\tnone\t350\t\tactive"]
    page.fill("#q", "")
    page.select_option("#active", "all")
    page.click("form[role=search] button")
    page.wait_for_url("**/products?q=&active=all")
    assert page.locator("#products tbody tr").count() == 4
    navbar = page.evaluate("getComputedStyle(document.querySelector('.navbar')).backgroundColor")
    assert navbar not in ("", "rgba(0, 0, 0, 0)"), "Bootstrap CSS did not load"
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    context.close()
    assert watch.errors == []


def test_tablet_user_checks_stock_and_signs_out_when_using_a_browser(
        chromium: Any, live_server: LiveServer) -> None:
    watch = Watch()
    context = chromium.new_context(viewport=TABLET, has_touch=True)
    page = watch.attach(context.new_page())
    _sign_in(page, live_server, "/")
    menu = page.locator("#main-nav")
    assert not menu.is_visible()
    page.tap(".navbar-toggler")  # Bootstrap's JS opens the collapsed menu
    page.locator("#main-nav >> text=Stock").tap()
    page.wait_for_url(f"{live_server.url}/stock")
    assert page.locator("#levels tbody tr").count() == 6
    assert "33" in page.locator("#positions tbody tr", has_text="MAIN").filter(
        has_text="MUG-RED").inner_text()
    page.select_option("#warehouse", "BACK")
    page.click("form[role=search] button")
    page.wait_for_url("**/stock?*warehouse=BACK*")
    assert page.locator("#levels tbody tr").all_inner_texts()[0].startswith("BACK-A-01-1")
    assert page.locator("#levels tbody tr").count() == 1
    page.tap(".navbar-toggler")
    page.locator("#main-nav >> text=Sign out").tap()
    page.wait_for_url(f"{live_server.url}/login")
    page.goto(f"{live_server.url}/stock")
    assert page.url == f"{live_server.url}/login?next=%2Fstock"
    assert all(c["name"] != "backroom_token" for c in context.cookies())
    context.close()
    assert watch.errors == []
