"""Taking units back out of an open carton and reopening a sealed one, on SQLite and
PostgreSQL: the units are picked-not-packed again, a packed order is picked again, every
refusal changes nothing, and the books and stock stay audit-clean through to shipping."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from backroom.accounting.audit import run_all
from backroom.cli.app import app
from backroom.core.errors import BackroomError, Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import packing_service as ps
from backroom.fulfillment.shipping_service import ship_fulfillment_order
from backroom.fulfillment.tables import CARTON_ITEMS
from tests.api.helpers import assert_problem, cli_database, client_for, headers
from tests.fulfillment.fo_setup import (
    PLAIN_CASE,
    PLAIN_GTIN,
    events,
    picked_fo,
    snapshot,
)
from tests.fulfillment.test_pack_scan import set_state

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("store")


def audit_ok(uow: UnitOfWork) -> None:
    report = run_all(uow)
    assert report.ok, [c.discrepancies for c in report.checks if not c.ok]


def packed_of(uow: UnitOfWork, fo_id: int) -> dict[str, int]:
    return {ln["sku"]: ln["packed"] for ln in ps.packing_status(uow, fo_id)["lines"]}


def carton(uow: UnitOfWork, fo_id: int, number: int) -> dict[str, Any]:
    found = [c for c in ps.packing_status(uow, fo_id)["cartons"] if c["carton_no"] == number]
    assert found, f"no carton {number}"
    return found[0]


def test_unpack_then_rescan_and_seal_packs_order_and_audit_is_clean_when_a_unit_was_wrong(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 3, "OTHER": 2})
    ps.open_carton(uow, fo.fo_id, "BOX-L")
    ps.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN, qty=3)
    ps.pack_scan(uow, fo.fo_id, 1, "OTHER", qty=2)
    out = ps.unpack(uow, fo.fo_id, 1, "OTHER")
    assert (out["units"], out["to_pack"], out["sku"]) == (1, 1, "OTHER")
    assert out["lines"][0]["packed"] == 1 and out["lines"][0]["to_pack"] == 1
    assert {i["sku"]: i["qty"] for i in out["carton"]["items"]} == {"PLAIN": 3, "OTHER": 1}
    ps.unpack(uow, fo.fo_id, 1, "OTHER")  # the last one: the carton's row disappears
    assert packed_of(uow, fo.fo_id) == {"PLAIN": 3, "OTHER": 0}
    assert [i["sku"] for i in carton(uow, fo.fo_id, 1)["items"]] == ["PLAIN"]
    assert events(uow, "fulfillment.unpacked") == [
        {"fulfillment_order_id": fo.fo_id, "carton_no": 1, "sku": "OTHER", "lot": None,
         "qty": 1}] * 2
    ps.pack_scan(uow, fo.fo_id, 1, "OTHER", qty=2)
    sealed = ps.seal_carton(uow, fo.fo_id, 1)
    assert sealed["state"] == "packed" and sealed["carton"]["weight_g"] == 3 * 500 + 2 * 200 + 350
    audit_ok(uow)
    shipped = ship_fulfillment_order(uow, fo.fo_id)
    assert shipped["remainder_fulfillment_order_id"] is None
    audit_ok(uow)


def test_unpack_counts_a_case_and_fills_lines_back_when_case_barcode_is_scanned(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 5})
    ps.open_carton(uow, fo.fo_id, "BOX-L")
    ps.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN, qty=5)
    out = ps.unpack(uow, fo.fo_id, 1, PLAIN_CASE)  # a case of 4
    assert (out["units"], out["to_pack"]) == (4, 4)
    assert carton(uow, fo.fo_id, 1)["items"][0]["qty"] == 1
    assert events(uow, "fulfillment.unpacked")[0]["qty"] == 4


def test_unpack_takes_the_lot_given_and_needs_one_when_carton_holds_several_lots(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"LOTTED": 4}, lots={"LOTTED": [("L1", 2), ("L2", 2)]})
    ps.open_carton(uow, fo.fo_id, "BOX-M")
    ps.pack_scan(uow, fo.fo_id, 1, "LOTTED", qty=2, lot="L1")
    ps.pack_scan(uow, fo.fo_id, 1, "LOTTED", qty=2, lot="L2")
    before = snapshot(uow)
    with pytest.raises(ValidationFailed, match=r"several lots \(L1, L2\): give the lot"):
        ps.unpack(uow, fo.fo_id, 1, "LOTTED")
    with pytest.raises(ValidationFailed, match="holds no LOTTED of lot 'L3'") as err:
        ps.unpack(uow, fo.fo_id, 1, "LOTTED", lot="L3")
    assert err.value.problems[0].field == "lot"
    assert snapshot(uow) == before
    out = ps.unpack(uow, fo.fo_id, 1, "LOTTED", lot="L2")
    assert out["lot"] == "L2" and out["to_pack"] == 1
    assert {i["lot"]: i["qty"] for i in out["carton"]["items"]} == {"L1": 2, "L2": 1}
    assert events(uow, "fulfillment.unpacked")[0]["lot"] == "L2"


def _started(uow: UnitOfWork) -> int:
    """PLAIN 3 / OTHER 2 picked; carton 1 (open) holds 2 PLAIN, carton 2 (sealed) 1 PLAIN."""
    fo = picked_fo(uow, {"PLAIN": 3, "OTHER": 2})
    ps.open_carton(uow, fo.fo_id, "BOX-L")
    ps.open_carton(uow, fo.fo_id, "BOX-M")
    ps.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN, qty=2)
    ps.pack_scan(uow, fo.fo_id, 2, "PLAIN")
    ps.seal_carton(uow, fo.fo_id, 2)
    return fo.fo_id


@pytest.mark.parametrize(("fo_delta", "carton_no", "item", "qty", "lot", "error", "words"), [
    (999, 1, "PLAIN", 1, None, NotFound, "no fulfillment order"),
    (0, 7, "PLAIN", 1, None, NotFound, "has no carton 7"),
    (0, 2, "PLAIN", 1, None, Conflict, "carton 2 of fulfillment order .* is sealed"),
    (0, 1, "OTHER", 1, None, ValidationFailed, "carton 1 holds no OTHER"),
    (0, 1, "9999999999", 1, None, ValidationFailed, "not the barcode or SKU of any product"),
    (0, 1, PLAIN_GTIN, 3, None, ValidationFailed, "3 unit.* is more than the 2 in carton 1"),
    (0, 1, PLAIN_CASE, 1, None, ValidationFailed, "4 unit.* is more than the 2 in carton 1"),
    (0, 1, "PLAIN", 1, "L1", ValidationFailed, "holds no PLAIN of lot 'L1'"),
    (0, 1, "PLAIN", 0, None, ValidationFailed, "whole number from 1"),
    (0, 1, " ", 1, None, ValidationFailed, "scan a barcode"),
])
def test_unpack_refused_and_nothing_changes_when_input_is_wrong(
        uow: UnitOfWork, fo_delta: int, carton_no: int, item: str, qty: int,
        lot: str | None, error: type[BackroomError], words: str) -> None:
    fo_id = _started(uow)
    before = snapshot(uow)
    with pytest.raises(error, match=words):
        ps.unpack(uow, fo_id + fo_delta, carton_no, item, qty, lot)
    assert snapshot(uow) == before


@pytest.mark.parametrize(("state", "hold", "words"), [
    ("picked", "address check", "on hold"), ("picking", None, "is picking"),
    ("packed", None, "is packed"), ("shipped", None, "is shipped")])
def test_unpack_and_reopen_refused_and_nothing_changes_when_order_is_not_being_packed(
        uow: UnitOfWork, state: str, hold: str | None, words: str) -> None:
    fo_id = _started(uow)
    set_state(uow, fo_id, state, hold)
    before = snapshot(uow)
    with pytest.raises(Conflict, match=words):
        ps.unpack(uow, fo_id, 1, "PLAIN")
    if state != "packed":  # a packed order's sealed cartons may be reopened
        with pytest.raises(Conflict, match=words):
            ps.reopen_carton(uow, fo_id, 2)
    assert snapshot(uow) == before


def test_reopen_makes_packed_order_picked_and_sealing_again_packs_it_when_carton_is_sealed(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 3})
    ps.open_carton(uow, fo.fo_id, "BOX-L")
    ps.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN, qty=3)
    assert ps.seal_carton(uow, fo.fo_id, 1)["state"] == "packed"
    opened = ps.reopen_carton(uow, fo.fo_id, 1)
    assert opened["state"] == "picked" and opened["to_pack"] == 0
    assert (opened["carton"]["state"], opened["carton"]["weight_g"],
            opened["carton"]["sealed_at"]) == ("open", 0, None)
    assert ps.packing_status(uow, fo.fo_id)["state"] == "picked"
    assert events(uow, "fulfillment.carton_reopened") == [
        {"fulfillment_order_id": fo.fo_id, "order_id": fo.order_id, "carton_no": 1,
         "was": "packed", "state": "picked"}]
    ps.unpack(uow, fo.fo_id, 1, "PLAIN")
    ps.pack_scan(uow, fo.fo_id, 1, "PLAIN")
    sealed = ps.seal_carton(uow, fo.fo_id, 1)
    assert sealed["state"] == "packed" and sealed["carton"]["weight_g"] == 3 * 500 + 350
    assert len(events(uow, "fulfillment.packed")) == 2
    audit_ok(uow)


def test_reopen_keeps_order_picked_when_other_units_are_still_to_pack(
        uow: UnitOfWork) -> None:
    fo_id = _started(uow)
    assert ps.reopen_carton(uow, fo_id, 2)["state"] == "picked"
    assert carton(uow, fo_id, 2)["state"] == "open"
    assert ps.unpack(uow, fo_id, 2, "PLAIN")["to_pack"] == 3  # 2 in carton 1, 3 left
    with uow.read() as conn:
        assert len(conn.execute(select(CARTON_ITEMS)).all()) == 1


def test_reopen_refused_and_nothing_changes_when_carton_is_open_unknown_or_shipped(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 4})
    for _ in range(3):
        ps.open_carton(uow, fo.fo_id, "BOX-M")
    ps.pack_scan(uow, fo.fo_id, 1, "PLAIN", qty=2)
    ps.pack_scan(uow, fo.fo_id, 2, "PLAIN")
    ps.pack_scan(uow, fo.fo_id, 3, "PLAIN")  # carton 3 stays open
    ps.seal_carton(uow, fo.fo_id, 1)
    ps.seal_carton(uow, fo.fo_id, 2)
    rest = ship_fulfillment_order(uow, fo.fo_id, cartons=[1])["remainder_fulfillment_order_id"]
    steps: list[tuple[Callable[[], Any], type[BackroomError], str]] = [
        (lambda: ps.reopen_carton(uow, fo.fo_id, 1), Conflict, "is shipped"),
        (lambda: ps.reopen_carton(uow, rest, 3), Conflict, "carton 3 .* is open, not sealed"),
        (lambda: ps.reopen_carton(uow, rest, 9), NotFound, "has no carton 9"),
        (lambda: ps.reopen_carton(uow, 999, 1), NotFound, "no fulfillment order 999")]
    before = snapshot(uow)
    for step, error, words in steps:
        with pytest.raises(error, match=words):
            step()
    assert snapshot(uow) == before
    assert ps.reopen_carton(uow, rest, 2)["carton"]["state"] == "open"  # not shipped yet
    audit_ok(uow)


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with client_for(uow.engine) as test_client:
        yield test_client


def test_unpack_and_reopen_routes_work_and_replay_when_called_with_write_role(
        client: TestClient, uow: UnitOfWork) -> None:
    fo_id = _started(uow)
    base = f"/api/v1/fulfillment-orders/{fo_id}"
    key = {**headers(uow.engine, "warehouse"), "Idempotency-Key": "unpack-1"}
    out = client.post(f"{base}/unpack", headers=key, json={"carton_no": 1, "barcode": "PLAIN"})
    assert out.status_code == 200, out.text
    assert out.json()["to_pack"] == 3 and out.json()["carton"]["items"][0]["qty"] == 1
    again = client.post(f"{base}/unpack", headers=key, json={"carton_no": 1, "barcode": "PLAIN"})
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert packed_of(uow, fo_id)["PLAIN"] == 2  # one unit out, not two
    wh = headers(uow.engine, "warehouse")
    body = assert_problem(client.post(f"{base}/unpack", headers=wh, json={
        "carton_no": 1, "barcode": "OTHER"}), 422, "validation_failed")
    assert body["carton_no"] == 1 and body["fulfillment_order_id"] == fo_id
    assert_problem(client.post(f"{base}/unpack", headers=wh, json={
        "carton_no": 2, "barcode": "PLAIN"}), 409, "conflict")
    opened = client.post(f"{base}/cartons/2/reopen", headers=wh)
    assert opened.status_code == 200 and opened.json()["carton"]["state"] == "open"
    assert_problem(client.post(f"{base}/cartons/2/reopen", headers=wh), 409, "conflict")
    assert_problem(client.post(f"{base}/cartons/9/reopen", headers=wh), 404, "not_found")


def test_unpack_and_reopen_routes_are_forbidden_when_role_cannot_write(
        client: TestClient, uow: UnitOfWork) -> None:
    fo_id = _started(uow)
    base = f"/api/v1/fulfillment-orders/{fo_id}"
    before = snapshot(uow)
    for role in ("read-only", "service"):
        ro = headers(uow.engine, role)
        assert_problem(client.post(f"{base}/unpack", headers=ro, json={
            "carton_no": 1, "barcode": "PLAIN"}), 403)
        assert_problem(client.post(f"{base}/cartons/2/reopen", headers=ro), 403)
    assert snapshot(uow) == before


def _cli(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_unpacks_and_reopens_and_exits_2_when_input_is_refused(
        db_url: str, uow: UnitOfWork) -> None:
    fo_id = _started(uow)
    fo = str(fo_id)
    with cli_database(db_url):
        out = _cli("pack", "unpack", fo, "1", PLAIN_GTIN, "--qty", "2")
        assert (out["units"], out["to_pack"], out["carton"]["items"]) == (2, 4, [])
        wrong = runner.invoke(app, ["pack", "unpack", fo, "1", "OTHER"])
        assert wrong.exit_code == 2 and "carton 1 holds no OTHER" in wrong.output
        lot = runner.invoke(app, ["pack", "unpack", fo, "2", "PLAIN", "--lot", "X"])
        assert lot.exit_code == 2 and "is sealed" in lot.output
        assert _cli("pack", "reopen", fo, "2")["carton"]["state"] == "open"
        text = runner.invoke(app, ["pack", "unpack", fo, "2", "PLAIN"])
        assert text.exit_code == 0 and "1 × PLAIN taken out of carton 2" in text.output
        again = runner.invoke(app, ["pack", "reopen", fo, "2"])
        assert again.exit_code == 2 and "is open, not sealed" in again.output
    assert packed_of(uow, fo_id) == {"PLAIN": 0, "OTHER": 0}
