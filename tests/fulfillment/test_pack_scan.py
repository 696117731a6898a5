"""Proposing cartons and scan-to-pack on SQLite and PostgreSQL: what is refused changes
nothing; sealing the last carton makes the fulfillment order packed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import boxes, packing_service
from backroom.fulfillment.tables import CARTON_ITEMS, CARTONS, FULFILLMENT_ORDERS
from tests.fulfillment.fo_setup import (
    PLAIN_CASE,
    PLAIN_GTIN,
    events,
    picked_fo,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("store")


def set_state(uow: UnitOfWork, fo_id: int, state: str, hold: str | None = None) -> None:
    from backroom.core import clock

    with uow.transaction() as conn:
        conn.execute(update(FULFILLMENT_ORDERS).where(FULFILLMENT_ORDERS.c.id == fo_id).values(
            state=state, hold_reason=hold, held_at=clock.now() if hold else None))


def test_propose_uses_active_catalog_boxes_when_order_is_picked(uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 3, "OTHER": 2})
    boxes.deactivate_box(uow, "BOX-M")
    proposal = packing_service.propose_cartons(uow, fo.fo_id)
    active = {b["code"] for b in boxes.list_boxes(uow)}
    assert proposal["cartons"] and {c["box"] for c in proposal["cartons"]} <= active
    assert sum(i["qty"] for c in proposal["cartons"] for i in c["items"]) == 5
    assert proposal["ship_cost_model"] == "rate_cards" and proposal["currency"] == "USD"
    assert proposal["total_minor"] == proposal["box_cost_minor"] + proposal[
        "shipping_cost_minor"]
    with uow.read() as conn:
        stored = conn.execute(select(CARTONS.c.proposed, CARTONS.c.state)).all()
        assert conn.execute(select(CARTON_ITEMS)).first() is None
    assert stored == [(True, "open")] * len(proposal["cartons"])
    again = packing_service.propose_cartons(uow, fo.fo_id)  # replaces the unused proposal
    assert len(packing_service.packing_status(uow, fo.fo_id)["cartons"]) == len(
        again["cartons"])


def test_propose_respects_weight_limit_when_one_box_would_hold_the_volume(
        uow: UnitOfWork) -> None:
    for code in [b["code"] for b in boxes.list_boxes(uow)]:
        boxes.deactivate_box(uow, code)
    boxes.create_box(uow, boxes.BoxSpec("BIG-LIGHT", 600, 600, 600, 1_200, "1.00", 100))
    fo = picked_fo(uow, {"PLAIN": 3})  # 3 × 500 g: the volume fits one box, the weight not
    proposal = packing_service.propose_cartons(uow, fo.fo_id)
    assert len(proposal["cartons"]) == 2
    assert all(c["contents_g"] <= 1_200 for c in proposal["cartons"])
    assert sorted(c["contents_g"] for c in proposal["cartons"]) == [500, 1000]


def test_propose_refuses_when_catalog_is_empty_or_packing_started(uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 2})
    for code in [b["code"] for b in boxes.list_boxes(uow)]:
        boxes.deactivate_box(uow, code)
    with pytest.raises(ValidationFailed, match="no active boxes"):
        packing_service.propose_cartons(uow, fo.fo_id)
    boxes.update_box(uow, "BOX-L", {"active": True})
    packing_service.open_carton(uow, fo.fo_id, "BOX-L")
    packing_service.pack_scan(uow, fo.fo_id, 1, "PLAIN")
    with pytest.raises(Conflict, match="has started"):
        packing_service.propose_cartons(uow, fo.fo_id)


def test_scan_packs_units_and_seal_makes_order_packed_when_all_units_are_in(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 5})
    packing_service.open_carton(uow, fo.fo_id, "BOX-L")
    first = packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN)
    assert (first["units"], first["to_pack"]) == (1, 4)
    case = packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_CASE)  # a case of 4
    assert case["units"] == 4 and case["to_pack"] == 0
    assert case["carton"]["items"] == [{"sku": "PLAIN", "lot": None, "qty": 5,
                                        "order_line_id": fo.line_ids["PLAIN"]}]
    sealed = packing_service.seal_carton(uow, fo.fo_id, 1)
    assert sealed["state"] == "packed"
    assert sealed["carton"]["weight_g"] == 5 * 500 + 350  # contents + BOX-L's tare
    assert events(uow, "fulfillment.packed")[0]["cartons"] == [1]


def test_seal_drops_unused_cartons_and_waits_for_open_ones_when_packing(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 3})
    for _ in range(3):
        packing_service.open_carton(uow, fo.fo_id, "BOX-M")
    packing_service.pack_scan(uow, fo.fo_id, 1, "PLAIN", qty=2)
    packing_service.pack_scan(uow, fo.fo_id, 2, "PLAIN")
    assert packing_service.seal_carton(uow, fo.fo_id, 1)["state"] == "picked"
    assert packing_service.seal_carton(uow, fo.fo_id, 2)["state"] == "packed"
    cartons = packing_service.packing_status(uow, fo.fo_id)["cartons"]
    assert [(c["carton_no"], c["state"]) for c in cartons] == [(1, "sealed"), (2, "sealed")]


@pytest.mark.parametrize(("barcode", "qty", "message"), [
    ("OTHER", 1, "OTHER is not on this fulfillment order"),
    ("9999999999", 1, "is not the barcode or SKU of any product"),
    (PLAIN_GTIN, 4, "more than the 3 picked and not yet packed"),
    (PLAIN_CASE, 1, "more than the 3 picked"),
])
def test_scan_refused_and_nothing_changes_when_item_does_not_belong_or_exceeds_picked(
        uow: UnitOfWork, barcode: str, qty: int, message: str) -> None:
    fo = picked_fo(uow, {"PLAIN": 5}, picked={"PLAIN": 3})
    packing_service.open_carton(uow, fo.fo_id, "BOX-L")
    before = snapshot(uow)
    with pytest.raises(ValidationFailed) as err:
        packing_service.pack_scan(uow, fo.fo_id, 1, barcode, qty)
    assert message in err.value.message
    assert repr(barcode) in err.value.message and f"order {fo.fo_id}" in err.value.message
    assert snapshot(uow) == before


def test_scan_refused_and_nothing_changes_when_packing_more_than_left(uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 3})
    packing_service.open_carton(uow, fo.fo_id, "BOX-L")
    packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN, qty=3)
    before = snapshot(uow)
    with pytest.raises(ValidationFailed, match="more than the 0 picked"):
        packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN)
    assert snapshot(uow) == before


def test_scan_refused_and_nothing_changes_when_carton_is_sealed_or_missing(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 3})
    packing_service.open_carton(uow, fo.fo_id, "BOX-L")
    packing_service.open_carton(uow, fo.fo_id, "BOX-L")
    packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN)
    packing_service.seal_carton(uow, fo.fo_id, 1)
    before = snapshot(uow)
    with pytest.raises(Conflict, match="carton 1 is sealed") as err:
        packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN)
    assert PLAIN_GTIN in err.value.message and f"order {fo.fo_id}" in err.value.message
    with pytest.raises(NotFound):
        packing_service.pack_scan(uow, fo.fo_id, 7, PLAIN_GTIN)
    with pytest.raises(Conflict, match="already sealed"):
        packing_service.seal_carton(uow, fo.fo_id, 1)
    with pytest.raises(ValidationFailed, match="is empty"):
        packing_service.seal_carton(uow, fo.fo_id, 2)
    assert snapshot(uow) == before


@pytest.mark.parametrize(("state", "hold"), [("released", None), ("picking", None),
                                             ("packed", None), ("picked", "address check")])
def test_scan_refused_and_nothing_changes_when_order_is_not_being_packed(
        uow: UnitOfWork, state: str, hold: str | None) -> None:
    fo = picked_fo(uow, {"PLAIN": 3})
    packing_service.open_carton(uow, fo.fo_id, "BOX-L")
    set_state(uow, fo.fo_id, state, hold)
    before = snapshot(uow)
    with pytest.raises(Conflict, match=f"fulfillment order {fo.fo_id}"):
        packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN)
    for step in (lambda: packing_service.open_carton(uow, fo.fo_id, "BOX-S"),
                 lambda: packing_service.propose_cartons(uow, fo.fo_id),
                 lambda: packing_service.seal_carton(uow, fo.fo_id, 1)):
        with pytest.raises(Conflict):
            step()
    assert snapshot(uow) == before


def test_scan_refused_and_nothing_changes_when_carton_weight_limit_would_be_passed(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 3})
    packing_service.open_carton(uow, fo.fo_id, "MAILER-S")  # carries 1000 g
    packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN, qty=2)
    before = snapshot(uow)
    with pytest.raises(ValidationFailed, match="would hold 1500 g, over its limit of 1000 g"):
        packing_service.pack_scan(uow, fo.fo_id, 1, PLAIN_GTIN)
    assert snapshot(uow) == before


def test_scan_takes_the_only_lot_at_pack_and_needs_serials_when_sku_is_tracked(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"LOTTED": 2, "SERIAL": 2},
                   lots={"LOTTED": [("L1", 2)], "SERIAL": [("SN-1", 1), ("SN-2", 1)]})
    packing_service.open_carton(uow, fo.fo_id, "BOX-M")
    scanned = packing_service.pack_scan(uow, fo.fo_id, 1, "LOTTED", qty=2)
    assert scanned["carton"]["items"][0]["lot"] == "L1"
    with pytest.raises(ValidationFailed, match="give the serial number"):
        packing_service.pack_scan(uow, fo.fo_id, 1, "SERIAL")
    with pytest.raises(ValidationFailed, match="has no lot"):
        packing_service.pack_scan(uow, fo.fo_id, 1, "SERIAL", lot="SN-9")
    packing_service.pack_scan(uow, fo.fo_id, 1, "SERIAL", lot="SN-1")
    with pytest.raises(ValidationFailed, match="already packed"):
        packing_service.pack_scan(uow, fo.fo_id, 1, "SERIAL", lot="SN-1")
    packing_service.pack_scan(uow, fo.fo_id, 1, "SERIAL", lot="SN-2")
    assert packing_service.seal_carton(uow, fo.fo_id, 1)["state"] == "packed"
