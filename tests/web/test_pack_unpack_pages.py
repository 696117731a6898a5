"""The pack screen's "Take out" forms (per item of an open carton) and "Reopen" button (per
sealed carton): they post with CSRF, come back with what changed, and show a refusal on the
page — never a 500 — with nothing changed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from backroom.db.uow import UnitOfWork
from backroom.fulfillment import packing_service as ps
from tests.web.flowseed import GTINS, flow_store, picked
from tests.web.html import input_values
from tests.web.test_fulfillment_pages import _page, _post, _snapshot, _text


def _packed_in_one(uow: UnitOfWork) -> tuple[int, str]:
    """A picked order (3 PLAIN, 2 OTHER) scanned into open carton 1; its pack screen."""
    flow_store(uow)
    fo_id = picked(uow).fo_id
    ps.open_carton(uow, fo_id, "BOX-L")
    ps.pack_scan(uow, fo_id, 1, GTINS["PLAIN"], qty=3)
    ps.pack_scan(uow, fo_id, 1, GTINS["OTHER"], qty=2)
    return fo_id, f"/fulfillment/pack/{fo_id}"


def _packed(uow: UnitOfWork, fo_id: int) -> dict[str, int]:
    return {ln["sku"]: ln["packed"] for ln in ps.packing_status(uow, fo_id)["lines"]}


def test_take_out_form_unpacks_an_item_and_refuses_on_the_page_when_too_many(
        warehouse_client: TestClient, uow: UnitOfWork) -> None:
    fo_id, path = _packed_in_one(uow)
    html = _page(warehouse_client, path)
    assert html.count('class="row g-2 align-items-center m-0 unpack-form"') == 2
    assert f'action="/fulfillment/pack/{fo_id}/unpack"' in html and "reopen-form" not in html
    assert 'style="' not in html  # the page's CSP blocks inline styles
    before = _snapshot(uow)
    refused = _post(warehouse_client, f"{path}/unpack", path, carton_no="1", barcode="OTHER",
                    qty="3")
    assert refused.status_code == 422
    assert "is more than the 2 in carton 1" in _text(refused.text, "refusal")
    for bad in ({"carton_no": "x", "barcode": "OTHER"}, {"carton_no": "1", "barcode": ""}):
        response = _post(warehouse_client, f"{path}/unpack", path, **bad)
        assert response.status_code == 422 and _text(response.text, "refusal"), bad
    forged = warehouse_client.post(f"{path}/unpack", data={"carton_no": "1", "barcode": "OTHER"})
    assert forged.status_code == 403
    assert _snapshot(uow) == before
    taken = _post(warehouse_client, f"{path}/unpack", path, carton_no="1", barcode="OTHER",
                  qty="1", plan="1:PLAIN*3,OTHER*2")
    assert taken.status_code == 303
    html = _page(warehouse_client, taken.headers["location"])
    assert _text(html, "notice") == "Carton 1 now holds 1 × OTHER."
    assert input_values(html)["plan"] == "1:PLAIN*3,OTHER*2"
    assert _packed(uow, fo_id) == {"PLAIN": 3, "OTHER": 1}
    taken = _post(warehouse_client, f"{path}/unpack", path, carton_no="1", barcode="OTHER",
                  qty="1")
    html = _page(warehouse_client, taken.headers["location"])
    assert _text(html, "notice") == "Carton 1 holds no OTHER now."
    assert _text(html, "carton-1").count("Take out") == 1  # only PLAIN is left in it
    assert _packed(uow, fo_id) == {"PLAIN": 3, "OTHER": 0}


def test_reopen_button_reopens_a_sealed_carton_of_a_packed_order_when_posted(
        warehouse_client: TestClient, uow: UnitOfWork) -> None:
    fo_id, path = _packed_in_one(uow)
    sealed = _post(warehouse_client, f"{path}/seal", path, carton_no="1")
    assert sealed.status_code == 303
    html = _page(warehouse_client, path)
    assert _text(html, "fo-state") == "packed" and "unpack-form" not in html
    assert 'class="m-0 reopen-form"' in html
    response = _post(warehouse_client, f"{path}/reopen", path, carton_no="1")
    assert response.status_code == 303
    html = _page(warehouse_client, response.headers["location"])
    assert _text(html, "notice") == "Carton 1 reopened."
    assert _text(html, "fo-state") == "picked" and "unpack-form" in html
    assert ps.packing_status(uow, fo_id)["cartons"][0]["state"] == "open"
    before = _snapshot(uow)
    again = _post(warehouse_client, f"{path}/reopen", path, carton_no="1")
    assert again.status_code == 409
    assert "is open, not sealed" in _text(again.text, "refusal")
    missing = _post(warehouse_client, f"{path}/reopen", path, carton_no="9")
    assert missing.status_code == 404 and "has no carton 9" in _text(missing.text, "refusal")
    assert _snapshot(uow) == before


def test_read_only_role_sees_no_take_out_or_reopen_and_is_refused_when_posting(
        client: TestClient, uow: UnitOfWork, sign_in: Callable[[str], str]) -> None:
    fo_id, path = _packed_in_one(uow)
    ps.open_carton(uow, fo_id, "BOX-S")
    ps.seal_carton(uow, fo_id, 1)
    sign_in("read-only")
    html = _page(client, path)
    assert "unpack-form" not in html and "reopen-form" not in html
    before = _snapshot(uow)
    token = input_values(html)["csrf_token"]
    for step, data in (("unpack", {"carton_no": "1", "barcode": "OTHER"}),
                       ("reopen", {"carton_no": "1"})):
        response = client.post(f"{path}/{step}", data={"csrf_token": token, **data})
        assert response.status_code == 403 and "fulfillment:write" in response.text, step
    assert _snapshot(uow) == before
