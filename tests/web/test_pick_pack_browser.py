"""The tablet pick and pack screens in a real headless Chromium (800 × 1280, portrait, touch)
against a real uvicorn server on a SQLite file, driven the way a hardware scanner drives them:
it types into the focused field and presses Enter.

Uses the browser of ``test_browser`` (one per module) and its error watch; the server here is
seeded with a released pick batch (``tests.web.flowseed``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from tests.web.flowseed import GTINS, Released, flow_store, order_with_fo, released
from tests.web.live import TABLET, Watch, serving
from tests.web.seed import make_token

pytestmark = pytest.mark.browser

PICK_SHOT = Path("/tmp/backroom-pick.png")  # for looking at by hand; never committed
PACK_SHOT = Path("/tmp/backroom-pack.png")
WRONG_BIN = "WH1-A-05-1"


@dataclass
class FlowServer:
    url: str
    token: str
    batch: Released


@pytest.fixture(scope="module")
def flow_server(tmp_path_factory: pytest.TempPathFactory,
                sqlite_template: Path) -> Iterator[FlowServer]:
    path = tmp_path_factory.mktemp("pickpack") / "backroom.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    uow = UnitOfWork(engine)
    flow_store(uow)
    batch = released(uow)
    order_with_fo(uow, "W-2", (1, 1))  # waits for the next wave: the overview lists it
    token = make_token(uow, "warehouse", "Pick tablet")
    try:
        with serving(engine) as url:
            yield FlowServer(url, token, batch)
    finally:
        engine.dispose()


def _tablet(browser: Any, server: FlowServer, path: str, watch: Watch) -> tuple[Any, Any]:
    context = browser.new_context(viewport=TABLET, has_touch=True)
    page = watch.attach(context.new_page())
    page.goto(server.url + path)
    page.fill("#token", server.token)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + path)
    return context, page


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], f"{page.url} scrolls sideways ({width} px)"


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def _scan(page: Any, code: str) -> None:
    """What a hardware scanner does: type into the focused field, then Enter."""
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _pick_all(page: Any) -> None:
    for bin_code, sku, units in (("WH1-A-02-1", "PLAIN", 3), ("WH1-A-04-1", "OTHER", 2)):
        assert page.inner_text("#current-bin") == bin_code
        assert _focused(page) == "bin"
        _scan(page, bin_code)
        assert "now scan the item" in page.inner_text("#notice")
        for _ in range(units):
            assert _focused(page) == "barcode", "the bin stays filled in: scan the item"
            _scan(page, GTINS[sku])
        assert f"{units} of {units}" in page.inner_text("#notice")
        _fits(page)


def _pack_and_ship(page: Any, server: FlowServer) -> None:
    page.locator(".pack-link").first.tap()
    page.wait_for_url(f"{server.url}/fulfillment/pack/{server.batch.fo_id}")
    _fits(page)
    with page.expect_navigation():
        page.locator("#propose-form button").tap()
    assert page.inner_text("#carton-1 .planned") == "3 × PLAIN, 2 × OTHER"
    for sku, units in (("PLAIN", 3), ("OTHER", 2)):
        for _ in range(units):
            assert _focused(page) == "barcode"
            _scan(page, GTINS[sku])
    assert page.inner_text("#carton-1 .contents") == "3 × PLAIN, 2 × OTHER"
    with page.expect_navigation():
        page.locator("#carton-1 .seal-form button").tap()
    assert page.inner_text("#fo-state") == "packed"
    _fits(page)
    page.screenshot(path=str(PACK_SHOT), full_page=True)
    with page.expect_navigation():
        page.locator("#ship-form button").tap()
    assert page.inner_text("#fo-state") == "shipped"
    assert re.fullmatch(r"[A-Z0-9]{2}\d{17}", page.inner_text("#tracking"))
    label = page.context.request.get(server.url + str(page.get_attribute("#label-link", "href")))
    assert label.status == 200 and label.headers["content-type"] == "application/pdf"


def test_picker_scans_the_batch_then_packs_and_ships_when_on_a_tablet(
        chromium: Any, flow_server: FlowServer) -> None:
    watch = Watch()
    path = f"/fulfillment/pick/{flow_server.batch.batch_id}"
    context, page = _tablet(chromium, flow_server, path, watch)
    _fits(page)
    route = page.locator("#route-map svg").bounding_box()
    assert route is not None and 0 < route["width"] <= TABLET["width"]
    assert page.inner_text("#progress-text") == "0 of 2 picks done"
    # A wrong bin is refused on the screen, in red, and nothing is picked.
    page.keyboard.type(WRONG_BIN)
    page.fill("#barcode", GTINS["PLAIN"])
    with page.expect_navigation():
        page.press("#barcode", "Enter")
    refusal = page.locator("#refusal")
    assert "Wrong bin" in refusal.inner_text() and "WH1-A-02-1" in refusal.inner_text()
    red = refusal.evaluate("e => getComputedStyle(e).backgroundColor")
    assert red == "rgb(248, 215, 218)", red  # Bootstrap's danger alert
    assert page.inner_text("#progress-text") == "0 of 2 picks done"
    assert _focused(page) == "bin"
    _fits(page)
    page.screenshot(path=str(PICK_SHOT), full_page=True)
    _pick_all(page)
    assert page.inner_text("#batch-picked h2") == "Batch picked"
    _pack_and_ship(page, flow_server)
    context.close()
    # The refused scan is the only error: its page comes with 422 (Chromium logs that too).
    assert watch.errors == [f"422 {flow_server.url}{path}/scan", "Failed to load resource: the "
                            "server responded with a status of 422 (Unprocessable Entity)"]


def test_orders_and_fulfillment_pages_fit_a_tablet_when_browsing(
        chromium: Any, flow_server: FlowServer) -> None:
    watch = Watch()
    context, page = _tablet(chromium, flow_server, "/fulfillment", watch)
    _fits(page)
    assert page.locator("#wave-form").is_visible()
    page.tap(".navbar-toggler")
    page.locator("#main-nav >> text=Orders").tap()
    page.wait_for_url(f"{flow_server.url}/orders")
    _fits(page)
    page.locator("#orders a", has_text="W-1").tap()
    page.wait_for_url(f"{flow_server.url}/orders/{flow_server.batch.order_id}")
    _fits(page)
    assert page.locator("#fulfillment-orders tbody tr").count() == 1
    context.close()
    assert watch.errors == []
