"""Waves reserve bins and build routed pick batches; picking by scan refuses what does not
belong and moves stock bin → packing; a short pick counts the bin and re-sources."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from backroom.core.errors import Conflict, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fulfillment_orders, pick_service
from backroom.fulfillment.tables import COUNT_TASKS, FULFILLMENT_ORDERS, PICK_TASKS
from backroom.fulfillment.waves import WaveRule, create_wave
from backroom.inventory import services as inventory
from backroom.inventory.audit import run_audit
from tests.fulfillment.flowkit import api_order, bin_level, open_fo, stocked


def _fo(uow: UnitOfWork, fo_id: int) -> dict:
    with uow.read() as conn:
        return fulfillment_orders.get(conn, fo_id)


def _tasks(uow: UnitOfWork, batch_id: int) -> list:
    with uow.read() as conn:
        return pick_service.batch_view(conn, batch_id)["tasks"]


def test_wave_reserves_bins_and_orders_picks_by_route_when_released(uow: UnitOfWork) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "w1", [3, 2]))
    result = create_wave(uow, WaveRule("WH1", totes=4))
    assert result.orders == 1 and result.lines == 2 and len(result.batches) == 1
    assert _fo(uow, fo)["state"] == "released"
    # PLAIN: 3 fit in the smaller bin A-02 (4 units) rather than A-01 (10).
    assert bin_level(uow, "WH1-A-02-1") == (4, 3)
    assert bin_level(uow, "WH1-A-04-1") == (10, 2)
    tasks = _tasks(uow, result.batches[0])
    assert [t["bin"] for t in tasks] == ["WH1-A-02-1", "WH1-A-04-1"]
    assert [t["seq"] for t in tasks] == [1, 2]
    # The same stock cannot go out twice: a second order sees only what is left free.
    second = open_fo(uow, api_order(uow, "w2", [2]))
    again = create_wave(uow, WaveRule("WH1"))
    with uow.read() as conn:
        bins_used = {r for r in conn.execute(select(PICK_TASKS.c.location_id).where(
            PICK_TASKS.c.batch_id == again.batches[0])).scalars()}
    assert len(bins_used) == 1 and _fo(uow, second)["state"] == "released"
    assert run_audit(uow).ok


def test_wave_skips_held_and_unplaceable_orders_when_choosing(uow: UnitOfWork) -> None:
    stocked(uow, {"WH1-A-01-1": {"PLAIN": 5}})
    held = open_fo(uow, api_order(uow, "h1", [1]))
    fulfillment_orders.hold(uow, held, "address check")
    # Stock still at the input location is not in a bin yet: the order waits.
    inventory.receive(uow, "WH1", [inventory.ReceiptLine("OTHER", 3, Decimal("1.00"))])
    stuck = open_fo(uow, api_order(uow, "h2", [3], skus=("OTHER",)))
    result = create_wave(uow, WaveRule("WH1"))
    assert result.wave_id is None and result.orders == 0
    assert [s["fulfillment_order_id"] for s in result.skipped] == [stuck]
    assert "not in a free storage bin" in result.skipped[0]["reason"]
    fulfillment_orders.release(uow, held)
    assert create_wave(uow, WaveRule("WH1")).orders == 1


def test_scans_that_do_not_belong_are_refused_and_change_nothing(uow: UnitOfWork) -> None:
    stocked(uow)
    open_fo(uow, api_order(uow, "s1", [3]))
    batch = create_wave(uow, WaveRule("WH1")).batches[0]
    before = bin_level(uow, "WH1-A-02-1")
    cases = [({"bin_code": "WH1-A-05-1", "barcode": "PLAIN"}, "wrong bin"),
             ({"bin_code": "WH1-A-02-1", "barcode": "OTHER"}, "wrong item"),
             ({"bin_code": "WH1-A-02-1", "barcode": "PLAIN", "qty": 4}, "over-pick"),
             ({"bin_code": "WH1-A-02-1", "barcode": "NO-SUCH"}, "not a barcode")]
    for kwargs, words in cases:
        with pytest.raises(ValidationFailed, match=words):
            pick_service.pick_scan(uow, batch, **kwargs)
    assert bin_level(uow, "WH1-A-02-1") == before
    assert all(t["picked"] == 0 for t in _tasks(uow, batch))


def test_picking_moves_stock_to_packing_and_marks_order_picked_when_done(
        uow: UnitOfWork) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "p1", [3, 2]))
    batch = create_wave(uow, WaveRule("WH1")).batches[0]
    pick_service.start(uow, batch, "ana")
    assert _fo(uow, fo)["state"] == "picking"
    pick_service.pick_scan(uow, batch, bin_code="WH1-A-02-1", barcode="PLAIN", qty=2)
    view = pick_service.pick_scan(uow, batch, bin_code="WH1-A-02-1", barcode="PLAIN")
    assert view["tasks"][0]["state"] == "done" and view["state"] == "picking"
    view = pick_service.pick_scan(uow, batch, bin_code="WH1-A-04-1", barcode="OTHER", qty=2)
    assert view["state"] == "picked"
    got = _fo(uow, fo)
    assert got["state"] == "picked" and [ln["picked"] for ln in got["lines"]] == [3, 2]
    assert bin_level(uow, "WH1-A-02-1") == (1, 0)
    assert bin_level(uow, "WH1-PACK") == (5, 0)
    with pytest.raises(Conflict):
        pick_service.pick_scan(uow, batch, bin_code="WH1-A-02-1", barcode="PLAIN")
    assert run_audit(uow).ok


def test_short_pick_counts_bin_and_takes_rest_from_another_bin_when_one_has_it(
        uow: UnitOfWork) -> None:
    stocked(uow)
    fo = open_fo(uow, api_order(uow, "sp", [3]))
    batch = create_wave(uow, WaveRule("WH1")).batches[0]
    task = _tasks(uow, batch)[0]
    out = pick_service.short_pick(uow, batch, task["id"], found=1)
    assert out["short"]["missing"] == 2 and "WH1-A-01-1" in out["short"]["outcome"]
    tasks = _tasks(uow, batch)
    assert [(t["bin"], t["qty"], t["state"]) for t in tasks] == [
        ("WH1-A-02-1", 3, "short"), ("WH1-A-01-1", 2, "open")]
    assert bin_level(uow, "WH1-A-02-1") == (3, 0)  # nothing held there any more
    assert bin_level(uow, "WH1-A-01-1") == (10, 2)
    with uow.read() as conn:
        counts = conn.execute(select(COUNT_TASKS.c.reason, COUNT_TASKS.c.state)).all()
    assert len(counts) == 1 and "short pick" in counts[0].reason
    pick_service.confirm_all(uow, batch)
    assert _fo(uow, fo)["state"] == "picked"
    # A bin being counted is not offered to the next wave.
    open_fo(uow, api_order(uow, "sp2", [1]))
    result = create_wave(uow, WaveRule("WH1"))
    with uow.read() as conn:
        used = conn.execute(select(PICK_TASKS.c.location_id).where(
            PICK_TASKS.c.batch_id == result.batches[0])).scalars().all()
    assert len(used) == 1 and bin_level(uow, "WH1-A-02-1")[1] == 0
    assert run_audit(uow).ok


def test_batches_group_orders_into_totes_when_many_wait(uow: UnitOfWork) -> None:
    stocked(uow, {"WH1-A-01-1": {"PLAIN": 50}, "WH1-A-05-1": {"OTHER": 50}})
    fos = [open_fo(uow, api_order(uow, f"b{i}", [1, 1])) for i in range(5)]
    result = create_wave(uow, WaveRule("WH1", totes=2))
    assert result.orders == 5 and len(result.batches) == 3
    with uow.read() as conn:
        rows = conn.execute(select(FULFILLMENT_ORDERS.c.batch_id, FULFILLMENT_ORDERS.c.tote)
                            .where(FULFILLMENT_ORDERS.c.id.in_(fos))).all()
    assert len({(r.batch_id, r.tote) for r in rows}) == 5
    assert all(r.tote in (1, 2) for r in rows)
    with pytest.raises(ValidationFailed, match="max_lines"):
        create_wave(uow, WaveRule("WH1", max_lines=0))


def test_pick_list_pdf_lists_stops_in_walking_order_with_a_map(uow: UnitOfWork) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from backroom.fulfillment.picklist import pick_list_pdf

    stocked(uow)
    order = api_order(uow, "pdf", [3, 2])
    open_fo(uow, order)
    batch = create_wave(uow, WaveRule("WH1")).batches[0]
    with uow.read() as conn:
        pdf = pick_list_pdf(conn, batch)
    page = PdfReader(BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert f"Pick batch {batch}" in text
    assert text.index("WH1-A-02-1") < text.index("WH1-A-04-1")
    assert order.number and order.number in text  # tote 1 → the order
    # The map is vector drawing: rectangles for racks and the route polyline.
    content = page.get_contents().get_data()
    assert content.count(b" re") >= 4


def test_wave_takes_one_large_order_alone_when_it_exceeds_max_lines(uow: UnitOfWork) -> None:
    stocked(uow)
    big = open_fo(uow, api_order(uow, "big", [3, 2]))
    small = open_fo(uow, api_order(uow, "small", [1]))
    first = create_wave(uow, WaveRule("WH1", max_lines=1))
    assert first.orders == 1 and first.lines == 2
    with uow.read() as conn:
        states = dict(conn.execute(select(FULFILLMENT_ORDERS.c.id, FULFILLMENT_ORDERS.c.state)
                                   .where(FULFILLMENT_ORDERS.c.id.in_([big, small]))).all())
    assert states == {big: "released", small: "waiting"}
    assert create_wave(uow, WaveRule("WH1", max_lines=1)).orders == 1
