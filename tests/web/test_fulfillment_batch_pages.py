"""The overview's batch actions: confirm every open cart, pack every picked order as proposed
and ship every packed one (of a warehouse or all) from the dashboard, with a notice of what
happened and why each cart or order left alone was; refusals for bad input, roles without
``fulfillment:write`` and forms without the CSRF token. The last test presses the buttons in
a real headless Chromium on a tablet-sized window."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fulfillment_orders, packing_service, pick_service, scanning
from backroom.fulfillment.pages_batch import BATCH_ACTIONS, BatchOutcome, Failure
from backroom.fulfillment.tables import CARTONS, FULFILLMENT_ORDERS, PICK_BATCHES
from backroom.fulfillment.waves import WaveRule, create_wave
from backroom.orders import services
from tests.orders.lifecyclekit import api_order
from tests.web.flowseed import GTINS, flow_store, order_with_fo, picked
from tests.web.html import input_values
from tests.web.live import TABLET, Watch, serving
from tests.web.seed import make_token

FO = FULFILLMENT_ORDERS.c
SHOT = Path("/tmp/backroom-batch.png")  # for looking at by hand; never committed


def _post(client: TestClient, action: str, warehouse: str = "", **extra: str) -> Any:
    token = input_values(client.get("/fulfillment").text)["csrf_token"]
    return client.post(f"/fulfillment/batch/{action}",
                       data={"csrf_token": token, "warehouse": warehouse, **extra})


def _text(html: str, element_id: str) -> str:
    found = re.search(rf'<(\w+)[^>]*\sid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(2))) if found else ""
    return " ".join(text.split())


def _states(uow: UnitOfWork, *fo_ids: int) -> list[str]:
    with uow.read() as conn:
        return [str(conn.execute(select(FO.state).where(FO.id == i)).scalar_one())
                for i in fo_ids]


def _two_picked(uow: UnitOfWork) -> tuple[int, int]:
    """Two picked orders of WH1; packing of the second was started by hand (one unit
    scanned), so packing it as proposed is refused."""
    flow_store(uow)
    order_with_fo(uow, "W-1", (1, 1))
    order_with_fo(uow, "W-2", (1, 1))
    batch = create_wave(uow, WaveRule("WH1", totes=4)).batches[0]
    pick_service.confirm_all(uow, batch)
    with uow.read() as conn:
        first, second = conn.execute(select(FO.id).order_by(FO.id)).scalars()
    packing_service.open_carton(uow, second, "BOX-M")
    scanning.pack_scan(uow, second, 1, GTINS["PLAIN"])
    return int(first), int(second)


def _fo_count(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return len(conn.execute(select(FO.id)).all())


def test_allocate_ready_orders_sources_them_and_then_has_nothing_to_do_when_posted(
        warehouse_client: TestClient, uow: UnitOfWork) -> None:
    flow_store(uow)
    api_order(uow, "A-1", [1, 2])
    held = api_order(uow, "A-2", [1, 1])
    services.place_hold(uow, held.order_id, "fraud_review", "check", "test")
    response = _post(warehouse_client, "allocate")
    assert response.status_code == 200 and "alert-success" in response.text
    assert _text(response.text, "batch-summary") == (
        "Allocated 1 order to 1 fulfillment order (3 units reserved); 0 not allocated.")
    assert _fo_count(uow) == 1  # the held order was not taken
    again = _post(warehouse_client, "allocate")
    assert _text(again.text, "batch-summary").startswith("Nothing to allocate:")
    assert _fo_count(uow) == 1


def test_confirm_all_open_carts_picks_them_and_lists_the_held_cart_when_posted(
        warehouse_client: TestClient, uow: UnitOfWork) -> None:
    flow_store(uow)
    fos = [order_with_fo(uow, f"W-{n}", (1, 1))[1] for n in (1, 2)]
    batches = create_wave(uow, WaveRule("WH1", totes=1)).batches
    fulfillment_orders.hold(uow, fos[1], "address <check>")
    html = warehouse_client.get("/fulfillment").text
    assert 'id="batch-form"' in html and "WH1 · 2 carts · 0 picked · 0 packed" in html
    response = _post(warehouse_client, "confirm", "wh1")
    assert response.status_code == 200
    assert _text(response.text, "batch-summary") == (
        "Confirmed 1 pick batch (2 picks, 2 units); 1 not confirmed.")
    assert _text(response.text, "batch-failures") == (
        f"Batch {batches[1]}: fulfillment order {fos[1]} in this batch is on hold: address "
        "<check>; release it or take it off the cart first")
    assert "address &lt;check&gt;" in response.text and "<check>" not in response.text
    assert f'href="/fulfillment/pick/{batches[1]}"' in response.text
    assert _states(uow, *fos) == ["picked", "released"]
    with uow.read() as conn:
        assert conn.execute(select(PICK_BATCHES.c.state).where(
            PICK_BATCHES.c.id == batches[0])).scalar_one() == "picked"


def test_pack_all_picked_packs_and_says_why_one_was_not_when_posted(
        warehouse_client: TestClient, uow: UnitOfWork) -> None:
    first, second = _two_picked(uow)
    response = _post(warehouse_client, "pack")
    assert response.status_code == 200 and "alert-warning" in response.text
    assert _text(response.text, "batch-summary") == "Packed 1 order in 1 carton; 1 not packed."
    assert _text(response.text, "batch-failures") == (
        f"Fulfillment order {second}: packing of fulfillment order {second} has started "
        "(cartons 1); open further cartons by hand")
    assert f'href="/fulfillment/pack/{second}"' in response.text
    assert _states(uow, first, second) == ["packed", "picked"]
    with uow.read() as conn:
        sealed = conn.execute(select(CARTONS.c.state).where(
            CARTONS.c.fulfillment_order_id == first)).scalars().all()
    assert sealed == ["sealed"]
    again = _post(warehouse_client, "pack")
    assert _text(again.text, "batch-summary") == "Packed 0 orders in 0 cartons; 1 not packed."


def test_ship_all_packed_ships_and_says_why_one_was_not_when_posted(
        warehouse_client: TestClient, uow: UnitOfWork) -> None:
    flow_store(uow)
    fos = [picked(uow, "W-1", (1, 1)).fo_id, picked(uow, "W-2", (1, 1)).fo_id]
    assert "Packed 2 orders in 2 cartons; 0 not packed." in _post(warehouse_client, "pack").text
    with uow.transaction() as conn:  # a promise no carrier can keep any more
        conn.execute(update(FULFILLMENT_ORDERS).where(FO.id == fos[1]).values(
            promised_date=date(2001, 1, 1)))
    response = _post(warehouse_client, "ship", "WH1")
    assert response.status_code == 200
    assert _text(response.text, "batch-summary") == "Shipped 1 order in 1 parcel; 1 not shipped."
    failures = _text(response.text, "batch-failures")
    assert failures.startswith(f"Fulfillment order {fos[1]}: ") and "2001-01-01" in failures
    assert _states(uow, *fos) == ["shipped", "packed"]
    assert "WH1 · 0 carts · 0 picked · 1 packed" in response.text


@pytest.mark.parametrize("action", ["confirm", "pack", "ship"])
def test_batch_action_says_there_is_nothing_to_do_when_nothing_is_ready(
        warehouse_client: TestClient, uow: UnitOfWork, action: str) -> None:
    flow_store(uow)
    _, fo_id = order_with_fo(uow, "W-1")
    response = _post(warehouse_client, action, "WH2")
    assert response.status_code == 200 and "alert-warning" in response.text
    assert _text(response.text, "batch-summary").startswith(f"Nothing to {action}:")
    assert "in WH2." in _text(response.text, "batch-summary")
    assert _states(uow, fo_id) == ["waiting"]


@pytest.mark.parametrize("action", ["confirm", "pack", "ship"])
def test_batch_action_is_refused_when_the_warehouse_is_unknown(
        warehouse_client: TestClient, uow: UnitOfWork, action: str) -> None:
    first, second = _two_picked(uow)
    response = _post(warehouse_client, action, "<b>nope")
    assert response.status_code == 422
    assert _text(response.text, "refusal") == "No such warehouse (warehouse: <B>NOPE)"
    assert "&lt;B&gt;NOPE" in response.text and 'id="batch-result"' not in response.text
    assert _states(uow, first, second) == ["picked", "picked"]


def test_batch_actions_are_refused_when_role_cannot_write_or_csrf_is_missing(
        client: TestClient, uow: UnitOfWork, sign_in: Callable[[str], str]) -> None:
    first, second = _two_picked(uow)
    sign_in("warehouse")
    for action in ("allocate", "confirm", "pack", "ship"):
        response = client.post(f"/fulfillment/batch/{action}", data={"warehouse": "WH1"})
        assert response.status_code == 403 and "Form expired" in response.text, action
        forged = client.post(f"/fulfillment/batch/{action}",
                             data={"warehouse": "WH1", "csrf_token": "0" * 64})
        assert forged.status_code == 403, action
    sign_in("service")  # may read fulfillment, not write it
    html = client.get("/fulfillment").text
    assert 'id="batch-form"' not in html
    token = input_values(html)["csrf_token"]
    for action in ("allocate", "confirm", "pack", "ship"):
        response = client.post(f"/fulfillment/batch/{action}",
                               data={"warehouse": "WH1", "csrf_token": token})
        assert response.status_code == 403 and "fulfillment:write" in response.text, action
    assert _states(uow, first, second) == ["picked", "picked"]


def test_batch_notice_escapes_reasons_and_lists_at_most_fifty_when_many_failed(
        warehouse_client: TestClient, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    flow_store(uow)
    failures = [Failure(f"Fulfillment order {n}", f"/fulfillment/pack/{n}", "<script>x</script>")
                for n in range(60)]
    monkeypatch.setitem(BATCH_ACTIONS, "ship",
                        lambda uow, code: BatchOutcome("Shipped 0 orders.", failures, 5))
    html = _post(warehouse_client, "ship").text
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert html.count("/fulfillment/pack/") == 50 and "… and 10 more" in html
    assert _text(html, "batch-left") == "5 more wait: press the button again."


@pytest.mark.browser
def test_lead_packs_then_ships_everything_from_the_overview_when_on_a_tablet(
        chromium: Any, tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "backroom.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    uow = UnitOfWork(engine)
    flow_store(uow)
    fos = [picked(uow, "W-1", (1, 1)).fo_id, picked(uow, "W-2", (2, 1)).fo_id]
    token, watch = make_token(uow, "warehouse", "Lead tablet"), Watch()
    try:
        with serving(engine) as url:
            context = chromium.new_context(viewport=TABLET, has_touch=True)
            page = watch.attach(context.new_page())
            page.goto(url + "/fulfillment")
            page.fill("#token", token)
            page.click("button[type=submit]")
            page.wait_for_url(url + "/fulfillment")
            page.select_option("#batch-warehouse", "WH1")
            for button, summary in (("#batch-pack", "Packed 2 orders in 2 cartons; 0 not packed."),
                                    ("#batch-ship", "Shipped 2 orders in 2 parcels; 0 not shipped.")):
                with page.expect_navigation():
                    page.locator(button).tap()
                assert page.inner_text("#batch-summary") == summary
                assert page.locator("#batch-result").is_visible()
                assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
            assert page.input_value("#batch-warehouse") == "WH1"
            page.screenshot(path=str(SHOT), full_page=True)
            context.close()
        assert _states(uow, *fos) == ["shipped", "shipped"]
        assert watch.errors == []
    finally:
        engine.dispose()
