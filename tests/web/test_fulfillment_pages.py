"""The fulfillment pages: the overview and releasing a wave, the pick screen (scans, refusals,
short picks), the pack screen (propose, scan, seal, ship), holding and cancelling a
fulfillment order from the order page, and what a read-only role may not do."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fulfillment_orders
from backroom.fulfillment.tables import (
    CARTON_ITEMS,
    CARTONS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
    PICK_BATCHES,
    PICK_TASKS,
)
from backroom.inventory.tables import LEVELS, MOVES, RESERVATIONS
from tests.fulfillment.flowkit import bin_level
from tests.web.flowseed import GTINS, Released, flow_store, order_with_fo, picked, released
from tests.web.html import column, input_values, table_rows

PLAIN, OTHER = GTINS["PLAIN"], GTINS["OTHER"]
VOID = {"input", "br", "img", "meta", "link", "hr"}


def _page(client: TestClient, path: str, **params: str) -> str:
    response = client.get(path, params=params) if params else client.get(path)
    assert response.status_code == 200, response.text[-400:]
    return response.text


def _post(client: TestClient, path: str, form_page: str, **data: str) -> Any:
    token = input_values(_page(client, form_page))["csrf_token"]
    return client.post(path, data={"csrf_token": token, **data})


class _Text(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or dict(attrs).get("id") == self.element_id:
            self.depth += tag not in VOID

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def _text(html: str, element_id: str) -> str:
    """The whitespace-normalised text inside the element with ``element_id`` ('' if none)."""
    parser = _Text(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def _field(html: str, name: str) -> str:
    """The ``<input>`` tag with id ``name``."""
    found = re.search(rf'<input[^>]*\sid="{name}"[^>]*>', html)
    return found.group(0) if found else ""


def _snapshot(uow: UnitOfWork) -> dict[str, list[tuple[str, ...]]]:
    """Every table picking and packing write, to prove a refused step changed nothing."""
    with uow.read() as conn:
        return {t.name: sorted(tuple(str(v) for v in r) for r in conn.execute(select(t)))
                for t in (PICK_BATCHES, PICK_TASKS, FULFILLMENT_ORDERS, FULFILLMENT_LINES,
                          CARTONS, CARTON_ITEMS, LEVELS, MOVES, RESERVATIONS)}


def _fo(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    with uow.read() as conn:
        return fulfillment_orders.get(conn, fo_id)


@pytest.fixture
def batch(uow: UnitOfWork) -> Released:
    flow_store(uow)
    return released(uow)


def test_overview_counts_states_and_lists_batches_when_a_wave_is_out(
        warehouse_client: TestClient, uow: UnitOfWork, batch: Released) -> None:
    order_with_fo(uow, "W-2", (1, 1))
    html = _page(warehouse_client, "/fulfillment")
    counts = {label: value for value, label in re.findall(
        r'tile-value">(\d+)</div><div class="text-body-secondary">([\w ]+)<', html)}
    assert counts == {"waiting": "1", "released": "1", "picking": "0", "picked": "0",
                      "packed": "0", "shipped": "0", "cancelled": "0", "on hold": "0"}
    assert table_rows(html, "batches") == [["Batch 1", "WH1", "open", "0 of 2", "—", "1"]]
    assert [r[1] + " " + r[3] for r in table_rows(html, "fulfillment-orders")] == [
        "W-1 released", "W-2 waiting"]
    assert 'id="wave-form"' in html and "WH1 · 1 waiting" in html
    waiting = _page(warehouse_client, "/fulfillment", state="waiting")
    assert column(waiting, "fulfillment-orders", 1) == ["W-2"]
    assert column(_page(warehouse_client, "/fulfillment", state="shipped"),
                  "fulfillment-orders") == []


def test_wave_form_releases_waiting_orders_when_posted(warehouse_client: TestClient,
                                                       uow: UnitOfWork) -> None:
    flow_store(uow)
    _, fo_id = order_with_fo(uow, "W-1")
    response = _post(warehouse_client, "/fulfillment/waves", "/fulfillment", warehouse="WH1",
                     totes="4", max_lines="500")
    assert response.status_code == 200
    assert _text(response.text, "wave-summary") == (
        "Wave 1 released: 1 order, 2 picks.")
    assert 'href="/fulfillment/pick/1"' in response.text
    assert _fo(uow, fo_id)["state"] == "released"
    again = _post(warehouse_client, "/fulfillment/waves", "/fulfillment", warehouse="WH1",
                  totes="4", max_lines="500")
    assert "Nothing was released" in again.text


@pytest.mark.parametrize(("form", "status", "words"), [
    ({"warehouse": "WH1", "totes": "many", "max_lines": "500"}, 422, "Totes must be a whole"),
    ({"warehouse": "WH1", "totes": "99", "max_lines": "500"}, 422, "Must be 1-64 (totes: 99)"),
    ({"warehouse": "NOPE", "totes": "8", "max_lines": "5"}, 422, "No such warehouse"),
])
def test_wave_form_says_why_when_refused(warehouse_client: TestClient, uow: UnitOfWork,
                                         form: dict[str, str], status: int, words: str) -> None:
    flow_store(uow)
    _, fo_id = order_with_fo(uow, "W-1")
    response = _post(warehouse_client, "/fulfillment/waves", "/fulfillment", **form)
    assert response.status_code == status and words in _text(response.text, "refusal")
    assert _fo(uow, fo_id)["state"] == "waiting"


def test_pick_screen_shows_current_pick_map_and_progress_when_opened(
        warehouse_client: TestClient, batch: Released) -> None:
    html = _page(warehouse_client, f"/fulfillment/pick/{batch.batch_id}")
    assert (_text(html, "current-bin"), _text(html, "current-sku"), _text(html, "current-qty"),
            _text(html, "current-tote")) == ("WH1-A-02-1", "PLAIN", "3", "1")
    assert _text(html, "progress-text") == "0 of 2 picks done" and "<progress" in html
    assert re.search(r'<svg [^>]*class="img-fluid"', html) and "Pick route of batch" in html
    assert table_rows(html, "picks") == [
        ["1", "WH1-A-02-1", "PLAIN Plain", "0 of 3", "1", "Short pick"],
        ["2", "WH1-A-04-1", "OTHER Other", "0 of 2", "1", "Short pick"]]
    assert "autofocus" in _field(html, "bin")
    pdf = f"/api/v1/pick-batches/{batch.batch_id}/pick-list.pdf"
    assert f'href="{pdf}"' in html
    assert warehouse_client.get(pdf).headers["content-type"] == "application/pdf"


@pytest.mark.parametrize(("scan", "words", "focus"), [
    ({"bin": "WH1-A-05-1", "barcode": PLAIN}, "Wrong bin: no pick of this batch is there; next "
                                              "pick is at WH1-A-02-1 (bin: WH1-A-05-1)", "bin"),
    ({"bin": "WH1-A-02-1", "barcode": OTHER}, "Wrong item: this is OTHER", "barcode"),
    ({"bin": "WH1-A-02-1", "barcode": PLAIN, "qty": "4"}, "Over-pick: only 3 of PLAIN", "qty"),
    ({"bin": "WH1-A-02-1", "barcode": PLAIN, "qty": "two"}, "Must be a whole number", "qty"),
    ({"bin": "WH1-A-02-1", "barcode": "NO-SUCH"}, "Is not a barcode or SKU", "barcode"),
])
def test_bad_scan_is_refused_on_the_pick_screen_and_changes_nothing(
        warehouse_client: TestClient, uow: UnitOfWork, batch: Released, scan: dict[str, str],
        words: str, focus: str) -> None:
    before = _snapshot(uow)
    path = f"/fulfillment/pick/{batch.batch_id}"
    response = _post(warehouse_client, f"{path}/scan", path, **scan)
    assert response.status_code == 422
    assert words in _text(response.text, "refusal")
    assert "is-invalid" in _field(response.text, focus)
    assert "autofocus" in _field(response.text, focus)
    assert _text(response.text, "current-bin") == "WH1-A-02-1"  # still the same screen
    assert _snapshot(uow) == before  # not even started


def test_scans_pick_the_batch_when_bin_and_item_are_right(
        warehouse_client: TestClient, uow: UnitOfWork, batch: Released) -> None:
    path = f"/fulfillment/pick/{batch.batch_id}"
    response = _post(warehouse_client, f"{path}/scan", path, bin="WH1-A-02-1")
    assert response.status_code == 303 and response.headers["location"] == f"{path}?bin=WH1-A-02-1"
    html = _page(warehouse_client, response.headers["location"])
    assert _text(html, "notice") == "Bin WH1-A-02-1 is right: now scan the item."
    assert "autofocus" in _field(html, "barcode")
    assert 'value="WH1-A-02-1"' in _field(html, "bin")
    response = _post(warehouse_client, f"{path}/scan", path, bin="WH1-A-02-1", barcode=PLAIN,
                     qty="3")
    html = _page(warehouse_client, response.headers["location"])
    assert _text(html, "notice") == "Picked PLAIN from WH1-A-02-1: 3 of 3."
    assert _text(html, "progress-text") == "1 of 2 picks done"
    assert _text(html, "current-bin") == "WH1-A-04-1"
    for _ in range(2):  # one scan, one unit
        response = _post(warehouse_client, f"{path}/scan", path, bin="WH1-A-04-1",
                         barcode=OTHER)
    html = _page(warehouse_client, response.headers["location"])
    assert "Batch picked" in html and 'id="scan-form"' not in html
    assert f'href="/fulfillment/pack/{batch.fo_id}"' in html
    with uow.read() as conn:
        row = conn.execute(select(PICK_BATCHES).where(PICK_BATCHES.c.id == batch.batch_id)).one()
    assert (row.state, row.picker) == ("picked", "warehouse tester")
    assert _fo(uow, batch.fo_id)["state"] == "picked"
    assert bin_level(uow, "WH1-PACK") == (5, 0) and bin_level(uow, "WH1-A-02-1") == (1, 0)


def test_short_pick_records_what_was_missing_when_bin_held_less(
        warehouse_client: TestClient, uow: UnitOfWork, batch: Released) -> None:
    path = f"/fulfillment/pick/{batch.batch_id}"
    task = table_rows(_page(warehouse_client, path), "picks")[0]
    assert task[1] == "WH1-A-02-1"
    refused = _post(warehouse_client, f"{path}/short", path, task_id="1", found="3")
    assert refused.status_code == 422 and "A short pick finds 0-2 units" in refused.text
    response = _post(warehouse_client, f"{path}/short", path, task_id="1", found="1")
    assert response.status_code == 303 and response.headers["location"] == f"{path}?short=1"
    html = _page(warehouse_client, response.headers["location"])
    assert _text(html, "notice").startswith("Short pick at WH1-A-02-1: 2 of PLAIN missing.")
    assert [r[1] + " " + r[3] for r in table_rows(html, "picks")] == [
        "WH1-A-02-1 1 of 3", "WH1-A-04-1 0 of 2", "WH1-A-01-1 0 of 2"]


def test_pack_screen_packs_seals_and_ships_when_order_is_picked(
        warehouse_client: TestClient, uow: UnitOfWork) -> None:
    flow_store(uow)
    done = picked(uow)
    path = f"/fulfillment/pack/{done.fo_id}"
    assert 'id="propose-form"' in _page(warehouse_client, path)
    response = _post(warehouse_client, f"{path}/propose", path)
    assert response.status_code == 303
    html = _page(warehouse_client, response.headers["location"])
    plan = input_values(html)["plan"]
    assert plan == "1:PLAIN*3,OTHER*2" and "3 × PLAIN, 2 × OTHER" in html
    before = _snapshot(uow)
    refused = _post(warehouse_client, f"{path}/scan", path, carton_no="1", barcode=PLAIN,
                    qty="4", plan=plan)
    assert refused.status_code == 422 and "more than the 3 picked" in refused.text
    assert _snapshot(uow) == before and input_values(refused.text)["plan"] == plan
    for code, qty in ((PLAIN, "3"), (OTHER, "2")):
        response = _post(warehouse_client, f"{path}/scan", path, carton_no="1", barcode=code,
                         qty=qty, plan=plan)
        assert response.status_code == 303
    html = _page(warehouse_client, response.headers["location"])
    assert _text(html, "notice") == "Carton 1 now holds 2 × OTHER."
    response = _post(warehouse_client, f"{path}/seal", path, carton_no="1", plan=plan)
    assert "Carton 1 sealed: 2,200 g." in _page(warehouse_client, response.headers["location"])
    response = _post(warehouse_client, f"{path}/ship", path)
    assert response.status_code == 303
    html = _page(warehouse_client, path)
    assert re.fullmatch(r"[A-Z0-9]{2}\d{17}", _text(html, "tracking"))
    label = re.search(r'id="label-link" href="([^"]+)"', html)
    assert label is not None and warehouse_client.get(label.group(1)).status_code == 200
    assert _fo(uow, done.fo_id)["state"] == "shipped" and 'id="ship-form"' not in html
    order = _page(warehouse_client, f"/orders/{done.order_id}")
    assert column(order, "lines", 5) == ["3", "2"]


def test_pack_steps_are_refused_on_the_screen_when_out_of_order(
        warehouse_client: TestClient, uow: UnitOfWork, batch: Released) -> None:
    path = f"/fulfillment/pack/{batch.fo_id}"
    html = _page(warehouse_client, path)
    assert "nothing to pack until it is picked" in html and 'id="propose-form"' not in html
    before = _snapshot(uow)
    for step, words in (("propose", "only picked orders can be packed"),
                        ("ship", "only packed orders can be shipped")):
        response = _post(warehouse_client, f"{path}/{step}", path)
        assert response.status_code == 409 and words in _text(response.text, "refusal")
    assert _snapshot(uow) == before


def test_fulfillment_order_is_held_released_and_cancelled_from_the_order_page(
        warehouse_client: TestClient, uow: UnitOfWork) -> None:
    flow_store(uow)
    order_id, fo_id = order_with_fo(uow, "W-1")
    page = f"/orders/{order_id}"
    response = _post(warehouse_client, f"/fulfillment/orders/{fo_id}/hold", page,
                     reason="customer called")
    assert response.status_code == 303
    assert response.headers["location"] == f"{page}#fulfillment-orders"
    html = _page(warehouse_client, page)
    assert "held: customer called" in html and f'/fulfillment/orders/{fo_id}/release"' in html
    _post(warehouse_client, f"/fulfillment/orders/{fo_id}/release", page)
    assert _fo(uow, fo_id)["hold_reason"] is None
    refused = _post(warehouse_client, f"/fulfillment/orders/{fo_id}/cancel", page, reason=" ")
    assert refused.status_code == 422 and "Say why it is cancelled" in refused.text
    _post(warehouse_client, f"/fulfillment/orders/{fo_id}/cancel", page, reason="duplicate")
    assert _fo(uow, fo_id)["state"] == "cancelled"


def test_read_only_role_sees_no_forms_and_is_refused_when_posting(
        client: TestClient, uow: UnitOfWork, batch: Released,
        sign_in: Callable[[str], str]) -> None:
    sign_in("read-only")
    pick = f"/fulfillment/pick/{batch.batch_id}"
    pages = {path: _page(client, path) for path in (
        "/fulfillment", pick, f"/fulfillment/pack/{batch.fo_id}", f"/orders/{batch.order_id}")}
    for html in pages.values():
        assert not re.search(r'<form method="post" action="/(fulfillment|orders)', html)
    assert _text(pages[pick], "current-bin") == "WH1-A-02-1"
    before = _snapshot(uow)
    token = input_values(pages[pick])["csrf_token"]
    for path, data in ((f"{pick}/scan", {"bin": "WH1-A-02-1", "barcode": PLAIN}),
                       (f"{pick}/short", {"task_id": "1", "found": "0"}),
                       ("/fulfillment/waves", {"warehouse": "WH1"}),
                       ("/fulfillment/batch/confirm", {"warehouse": "WH1"}),
                       (f"/fulfillment/orders/{batch.fo_id}/hold", {"reason": "x"}),
                       (f"/fulfillment/pack/{batch.fo_id}/propose", {})):
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 403 and "fulfillment:write" in response.text, path
    assert _snapshot(uow) == before


def test_pick_and_pack_screens_are_not_found_when_unknown(warehouse_client: TestClient,
                                                          batch: Released) -> None:
    for path in ("/fulfillment/pick/999", "/fulfillment/pick/x", "/fulfillment/pack/999",
                 "/fulfillment/pack/-1"):
        response = warehouse_client.get(path)
        assert response.status_code == 404 and "not found" in response.text, path
