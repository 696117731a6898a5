"""Packing many fulfillment orders as proposed, on SQLite and PostgreSQL: the same cartons,
contents, weights and events as proposing, scanning and sealing each order by hand; a bad
order is reported and changes nothing while the rest are packed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import pack_batch, packing_service
from backroom.fulfillment.pack_accept import pack_as_proposed
from backroom.fulfillment.pack_batch import pack_many_as_proposed
from backroom.fulfillment.tables import (
    BOXES,
    CARTON_ITEMS,
    CARTONS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
)
from backroom.inventory.tables import LOTS
from tests.fulfillment.fo_setup import events, picked_fo

ORDERS: list[tuple[dict[str, int], dict[str, list[tuple[str | None, int]]]]] = [
    ({"PLAIN": 2, "OTHER": 1}, {}), ({"OTHER": 3}, {}), ({"PLAIN": 1}, {}),
    ({"LOTTED": 2}, {"LOTTED": [("L1", 2)]})]


pytestmark = pytest.mark.usefixtures("store")


def pack_by_scanning(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """What a packer does by hand: propose, scan each SKU of each carton, seal each."""
    with uow.transaction():
        proposal = packing_service.propose_cartons(uow, fo_id)
        for carton in proposal["cartons"]:
            for item in carton["items"]:
                packing_service.pack_scan(uow, fo_id, carton["carton_no"], item["sku"],
                                          qty=item["qty"])
            packing_service.seal_carton(uow, fo_id, carton["carton_no"])
    return proposal


def packed_state(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """The order's state, lines, cartons and contents, without ids that differ by order."""
    c, ci, fl = CARTONS.c, CARTON_ITEMS.c, FULFILLMENT_LINES.c
    with uow.read() as conn:
        state = conn.execute(select(FULFILLMENT_ORDERS.c.state).where(
            FULFILLMENT_ORDERS.c.id == fo_id)).scalar_one()
        lines = conn.execute(select(fl.qty_picked, fl.qty_packed).where(
            fl.fulfillment_order_id == fo_id).order_by(fl.id)).all()
        cartons = conn.execute(select(c.carton_no, BOXES.c.code, c.state, c.proposed,
                                      c.weight_g, c.sealed_at)
                               .join(BOXES, BOXES.c.id == c.box_id)
                               .where(c.fulfillment_order_id == fo_id).order_by(c.id)).all()
        contents = conn.execute(
            select(c.carton_no, ci.sku_id, ci.lot_id, ci.qty, fl.qty)
            .join(CARTONS, c.id == ci.carton_id)
            .join(FULFILLMENT_LINES, fl.id == ci.fulfillment_line_id)
            .where(c.fulfillment_order_id == fo_id).order_by(ci.id)).all()
    return {"state": state, "lines": lines, "cartons": cartons, "contents": contents}


def without_ids(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in ("fulfillment_order_id", "order_id")}


def test_batch_packs_like_scanning_by_hand_when_orders_are_alike(uow: UnitOfWork) -> None:
    by_hand = [picked_fo(uow, q, lots=lots, external_id=f"H-{n}")
               for n, (q, lots) in enumerate(ORDERS)]
    batched = [picked_fo(uow, q, lots=lots, external_id=f"B-{n}")
               for n, (q, lots) in enumerate(ORDERS)]
    proposals = [pack_by_scanning(uow, fo.fo_id) for fo in by_hand]
    done: list[int] = []
    result = pack_many_as_proposed(uow, [fo.fo_id for fo in batched], chunk=3,
                                   progress=done.append)
    assert result.failed == [] and done == [3, 1]
    for hand, batch, proposal, answer in zip(by_hand, batched, proposals, result.packed,
                                             strict=True):
        assert packed_state(uow, batch.fo_id) == packed_state(uow, hand.fo_id)
        assert without_ids(answer) == without_ids(proposal)
        assert answer["fulfillment_order_id"] == batch.fo_id
    packed = events(uow, "fulfillment.packed")
    assert [without_ids(e) for e in packed[4:]] == [without_ids(e) for e in packed[:4]]
    assert [e["fulfillment_order_id"] for e in packed[4:]] == [fo.fo_id for fo in batched]
    with uow.read() as conn:
        lot = conn.execute(select(LOTS.c.id).where(LOTS.c.code == "L1")).scalar_one()
    assert packed_state(uow, batched[3].fo_id)["contents"][0][2] == lot


def set_state(uow: UnitOfWork, fo_id: int, state: str, hold: str | None = None) -> None:
    with uow.transaction() as conn:
        conn.execute(update(FULFILLMENT_ORDERS).where(FULFILLMENT_ORDERS.c.id == fo_id).values(
            state=state, hold_reason=hold, held_at=clock.now() if hold else None))


def rows_of(uow: UnitOfWork, fo_ids: list[int]) -> list[Any]:
    """Everything packing writes about ``fo_ids``."""
    with uow.read() as conn:
        out = []
        for table, column in ((FULFILLMENT_ORDERS, FULFILLMENT_ORDERS.c.id),
                              (FULFILLMENT_LINES, FULFILLMENT_LINES.c.fulfillment_order_id),
                              (CARTONS, CARTONS.c.fulfillment_order_id)):
            out.append(conn.execute(select(table).where(column.in_(fo_ids))
                                    .order_by(table.c.id)).all())
        out.append(conn.execute(select(CARTON_ITEMS).join(CARTONS).where(
            CARTONS.c.fulfillment_order_id.in_(fo_ids)).order_by(CARTON_ITEMS.c.id)).all())
        return out


def test_batch_reports_bad_orders_and_packs_the_rest_when_mixed(uow: UnitOfWork) -> None:
    good = picked_fo(uow, {"PLAIN": 2}, external_id="GOOD")
    held = picked_fo(uow, {"PLAIN": 1}, external_id="HELD")
    set_state(uow, held.fo_id, "picked", hold="fraud check")
    serial = picked_fo(uow, {"SERIAL": 1}, lots={"SERIAL": [("SN-1", 1)]}, external_id="SER")
    started = picked_fo(uow, {"OTHER": 2}, external_id="STARTED")
    packing_service.open_carton(uow, started.fo_id, "BOX-M")
    packing_service.pack_scan(uow, started.fo_id, 1, "OTHER")
    released = picked_fo(uow, {"OTHER": 1}, external_id="REL")
    set_state(uow, released.fo_id, "released")
    bad = [held.fo_id, serial.fo_id, started.fo_id, released.fo_id]
    before = rows_of(uow, bad)
    ids = [held.fo_id, good.fo_id, serial.fo_id, 999_999, started.fo_id, released.fo_id]
    result = pack_many_as_proposed(uow, ids)
    assert [p["fulfillment_order_id"] for p in result.packed] == [good.fo_id]
    assert packed_state(uow, good.fo_id)["state"] == "packed"
    failed = {f["fulfillment_order_id"]: f for f in result.failed}
    assert list(failed) == [held.fo_id, serial.fo_id, 999_999, started.fo_id, released.fo_id]
    assert "on hold (fraud check)" in failed[held.fo_id]["message"]
    assert failed[serial.fo_id]["code"] == "validation_failed"
    assert "give the serial number (the pack station holds SN-1)" in failed[serial.fo_id][
        "message"]
    assert isinstance(result.errors[999_999], NotFound)
    assert "has started (cartons 1)" in failed[started.fo_id]["message"]
    assert "is released" in failed[released.fo_id]["message"]
    assert rows_of(uow, bad) == before
    assert [e["fulfillment_order_id"] for e in events(uow, "fulfillment.packed")] == [
        good.fo_id]


def test_pack_as_proposed_raises_and_writes_nothing_when_order_cannot_be_packed(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 2})
    set_state(uow, fo.fo_id, "picked", hold="address check")
    before = rows_of(uow, [fo.fo_id])
    with pytest.raises(Conflict, match="on hold"):
        pack_as_proposed(uow, fo.fo_id)
    with pytest.raises(NotFound):
        pack_as_proposed(uow, 424_242)
    assert rows_of(uow, [fo.fo_id]) == before
    set_state(uow, fo.fo_id, "picked")
    proposal = pack_as_proposed(uow, fo.fo_id)
    assert proposal["fulfillment_order_id"] == fo.fo_id and proposal["cartons"]
    assert packed_state(uow, fo.fo_id)["state"] == "packed"


def test_batch_drops_unused_proposal_and_numbers_after_hand_cartons_when_some_exist(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 1})
    packing_service.open_carton(uow, fo.fo_id, "BOX-XL")  # carton 1, left empty
    packing_service.propose_cartons(uow, fo.fo_id)  # carton 2, proposed, unused
    result = pack_many_as_proposed(uow, [fo.fo_id])
    numbers = [c["carton_no"] for c in result.packed[0]["cartons"]]
    assert numbers == [2]  # after the hand carton; the unused proposal made way
    assert [(c[0], c[2]) for c in packed_state(uow, fo.fo_id)["cartons"]] == [(2, "sealed")]
    assert events(uow, "fulfillment.packed")[0]["cartons"] == [2]


def test_batch_refuses_second_mention_when_order_is_named_twice(uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"OTHER": 2})
    result = pack_many_as_proposed(uow, [fo.fo_id, fo.fo_id])
    assert len(result.packed) == 1
    assert [f["code"] for f in result.failed] == ["conflict"]
    assert "is packed" in result.failed[0]["message"]
    assert len(events(uow, "fulfillment.packed")) == 1


def test_batch_packs_one_at_a_time_when_chunk_write_fails(uow: UnitOfWork,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fos = [picked_fo(uow, {"PLAIN": 1}, external_id=f"W-{n}") for n in range(3)]
    poisoned = fos[1].fo_id
    real = pack_batch._write

    def failing(conn: Any, plans: list[Any]) -> None:
        real(conn, plans)  # written, then refused: the savepoint must undo it
        if any(p.row.id == poisoned for p in plans):
            raise ValidationFailed.single("fo", poisoned, "refused by the test")

    monkeypatch.setattr(pack_batch, "_write", failing)
    result = pack_many_as_proposed(uow, [fo.fo_id for fo in fos])
    assert [p["fulfillment_order_id"] for p in result.packed] == [fos[0].fo_id, fos[2].fo_id]
    assert [f["fulfillment_order_id"] for f in result.failed] == [poisoned]
    assert packed_state(uow, poisoned)["cartons"] == []
    assert packed_state(uow, poisoned)["state"] == "picked"
    assert [e["fulfillment_order_id"] for e in events(uow, "fulfillment.packed")] == [
        fos[0].fo_id, fos[2].fo_id]
