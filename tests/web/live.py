"""What the browser tests share: the headless Chromium fixture, a watcher of page errors, and
a real uvicorn server for an engine (started on a socket bound first: no free-port race)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from backroom.api.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TABLET = {"width": 800, "height": 1280}  # portrait: the navigation collapses into a menu
DESKTOP = {"width": 1366, "height": 900}


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
    """One headless Chromium per module; skipped when not installed unless CI requires it."""
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


@contextmanager
def serving(engine: Engine) -> Iterator[str]:
    """Backroom's app for ``engine`` on a real uvicorn server; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(engine), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
