"""The dashboard in a real headless Chromium against a real uvicorn server on a SQLite file.

Few tests on purpose: one browser for the module, a fresh context (cookies) per test.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from backroom.api.app import create_app
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from tests.web.seed import make_token, seed_store

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOT = Path("/tmp/backroom-products.png")  # for looking at by hand; never committed
TABLET = {"width": 800, "height": 1280}  # portrait: the navigation collapses into a menu
DESKTOP = {"width": 1366, "height": 900}


@dataclass
class LiveServer:
    url: str
    token: str


@dataclass
class Watch:
    """Failed requests, console errors and uncaught exceptions of a page (CSP violations are
    console errors)."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> Any:
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("BACKROOM_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} not found but BACKROOM_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} not installed (scripts/system-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                sqlite_template: Path) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("browser") / "backroom.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    uow = UnitOfWork(engine)
    seed_store(uow)
    token = make_token(uow, "warehouse", "Dock tablet")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound before the server starts: no free-port race
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", token)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
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
