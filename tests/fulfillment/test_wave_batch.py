"""A wave plans every order from one read of the bins, kept current in memory, and reserves
them with one guarded executemany: the same bins as releasing the orders one at a time, a
stale read never over-reserves, and the statements do not grow with the orders."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select, update

from backroom.db.uow import UnitOfWork
from backroom.fulfillment import batching, bins, fulfillment_orders
from backroom.fulfillment.audit import check_bin_reservations
from backroom.fulfillment.tables import FULFILLMENT_ORDERS, PICK_TASKS
from backroom.fulfillment.waves import WaveRule, create_wave
from backroom.inventory import services as inventory
from backroom.inventory.audit import run_audit
from backroom.inventory.tables import LOCATIONS
from tests.fulfillment.flowkit import api_order, bin_level, open_fo, stocked

FO, T, LOC = FULFILLMENT_ORDERS.c, PICK_TASKS.c, LOCATIONS.c
# (SKU, units) per order, in queue order. OTHER has 5 units in bins and 3 still at the dock,
# so the second OTHER order cannot be placed once the first took 4 (the third still can).
DEMAND = [("OTHER", 4), ("OTHER", 2), ("OTHER", 1), ("PLAIN", 5), ("PLAIN", 3), ("PLAIN", 3)]


def _store(uow: UnitOfWork) -> None:
    bins_ = {}
    for wh in ("WH1", "WH2"):
        bins_.update({f"{wh}-A-01-1": {"PLAIN": 6}, f"{wh}-A-02-1": {"PLAIN": 3},
                      f"{wh}-A-03-1": {"OTHER": 5}, f"{wh}-A-05-1": {"PLAIN": 2}})
    stocked(uow, bins_)
    for wh in ("WH1", "WH2"):
        inventory.receive(uow, wh, [inventory.ReceiptLine("OTHER", 3, Decimal("1.00"))])


def _orders(uow: UnitOfWork, wh: str) -> list[int]:
    return [open_fo(uow, api_order(uow, f"{wh}-{n}", [qty], skus=(sku,)), wh)
            for n, (sku, qty) in enumerate(DEMAND)]


def _picks(uow: UnitOfWork, fos: list[int]) -> list[Any]:
    """Per order: its state and its picks as (bin without the warehouse, units)."""
    with uow.read() as conn:
        rows = conn.execute(select(FO.id, FO.state, LOC.code, T.qty)
                            .select_from(FULFILLMENT_ORDERS)
                            .outerjoin(PICK_TASKS, T.batch_id == FO.batch_id)
                            .outerjoin(LOCATIONS, LOC.id == T.location_id)
                            .where(FO.id.in_(fos)).order_by(FO.id, LOC.code)).all()
    out: dict[int, list[Any]] = {fo: [] for fo in fos}
    for r in rows:
        out[r.id].append((r.state, r.code[4:] if r.code else None, r.qty))
    return [out[fo] for fo in fos]


def test_wave_takes_the_same_bins_as_one_order_at_a_time_when_orders_compete(
        uow: UnitOfWork) -> None:
    _store(uow)
    together, alone = _orders(uow, "WH1"), _orders(uow, "WH2")
    result = create_wave(uow, WaveRule("WH1", totes=1))
    while create_wave(uow, WaveRule("WH2", totes=1, max_orders=1)).orders:
        pass
    assert result.orders == 5 and [s["fulfillment_order_id"] for s in result.skipped] == [
        together[1]]
    assert "not in a free storage bin" in result.skipped[0]["reason"]
    assert _picks(uow, together) == _picks(uow, alone)
    assert _picks(uow, together)[5] == [("released", "A-01-1", 1), ("released", "A-05-1", 2)]
    for wh in ("WH1", "WH2"):
        assert [bin_level(uow, f"{wh}-A-0{b}-1") for b in (1, 2, 3, 5)] == [
            (6, 6), (3, 3), (5, 5), (2, 2)]
    assert run_audit(uow).ok


def test_wave_falls_back_to_one_order_at_a_time_when_bins_were_taken_after_the_read(
        uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    stocked(uow)  # PLAIN: 10 in A-01, 4 in A-02
    fo = open_fo(uow, api_order(uow, "stale", [3], skus=("PLAIN",)))
    real, calls = bins.free_bins, list[int]()

    def stale_read(conn: Any, warehouse_id: int, sku_ids: Any) -> Any:
        found = real(conn, warehouse_id, sku_ids)
        if not calls:  # someone else holds 2 of A-02's 4 units right after the first read
            a02 = conn.execute(select(LOC.id).where(LOC.code == "WH1-A-02-1")).scalar_one()
            sku = next(iter(sku_ids))
            assert bins.reserve(conn, a02, sku, 0, 2)
        calls.append(1)
        return found

    monkeypatch.setattr(bins, "free_bins", stale_read)
    result = create_wave(uow, WaveRule("WH1"))
    assert result.orders == 1 and len(calls) == 2  # the batch read, then the order's own
    assert _picks(uow, [fo]) == [[("released", "A-01-1", 3)]]
    assert bin_level(uow, "WH1-A-02-1") == (4, 2) and bin_level(uow, "WH1-A-01-1") == (10, 3)


def test_wave_skips_held_outside_zone_and_unplaceable_orders_and_releases_the_rest(
        uow: UnitOfWork) -> None:
    stocked(uow)
    with uow.transaction() as conn:
        conn.execute(update(LOCATIONS).where(LOC.code.in_(["WH1-A-01-1", "WH1-A-02-1"]))
                     .values(zone="FAST"))
    inventory.receive(uow, "WH1", [inventory.ReceiptLine("OTHER", 3, Decimal("1.00"))])
    good = open_fo(uow, api_order(uow, "g", [2], skus=("PLAIN",)))
    held = open_fo(uow, api_order(uow, "h", [1], skus=("PLAIN",)))
    fulfillment_orders.hold(uow, held, "address check")
    slow = open_fo(uow, api_order(uow, "s", [1], skus=("OTHER",)))
    more = open_fo(uow, api_order(uow, "m", [12], skus=("OTHER",)))
    also = open_fo(uow, api_order(uow, "a", [1], skus=("PLAIN",)))
    result = create_wave(uow, WaveRule("WH1", zone="FAST"))
    assert result.orders == 2 and result.lines == 2
    reasons = {s["fulfillment_order_id"]: s["reason"] for s in result.skipped}
    assert set(reasons) == {slow, more}
    assert "outside zone FAST" in reasons[slow] and "not in a free storage bin" in reasons[more]
    assert [p[0][0] for p in _picks(uow, [good, also, held, slow, more])] == [
        "released", "released", "waiting", "waiting", "waiting"]
    assert bin_level(uow, "WH1-A-04-1") == (10, 0)  # nothing held for the skipped ones
    assert run_audit(uow).ok


def test_wave_statements_do_not_grow_with_the_orders_when_more_wait(uow: UnitOfWork) -> None:
    stocked(uow, {"WH1-A-01-1": {"PLAIN": 50}, "WH1-A-03-1": {"PLAIN": 50},
                  "WH1-A-05-1": {"OTHER": 50}})
    counts = []
    for n in (2, 12):
        for i in range(n):
            open_fo(uow, api_order(uow, f"n{n}-{i}", [1 + i % 3, 1]))
        seen = [0]

        def count(*_: Any, seen: list[int] = seen) -> None:
            seen[0] += 1

        event.listen(uow.engine, "before_cursor_execute", count)
        try:
            assert create_wave(uow, WaveRule("WH1", totes=4)).orders == n
        finally:
            event.remove(uow.engine, "before_cursor_execute", count)
        counts.append(seen[0])
    assert counts[0] == counts[1]


def _grouped_by_definition(candidates: list[Any], totes: int) -> list[list[int]]:
    """``batching.group`` as its docstring states it, written plainly (the reference)."""
    def centre(c: Any) -> float:
        return sum(b for _, b in c.stops) / len(c.stops) if c.stops else 0.0

    left = sorted(candidates, key=lambda c: (min((a for a, _ in c.stops), default=0),
                                             -max((b for _, b in c.stops), default=0), c.key))
    out = []
    while left:
        batch = [left.pop(0)]
        aisles = {a for a, _ in batch[0].stops}
        while len(batch) < totes and left:
            mid = sum(centre(c) for c in batch) / len(batch)
            best = min(range(min(len(left), batching.WINDOW)), key=lambda i: (
                len({a for a, _ in left[i].stops} - aisles), abs(centre(left[i]) - mid),
                left[i].key))
            batch.append(left.pop(best))
            aisles |= {a for a, _ in batch[-1].stops}
        out.append([c.key for c in batch])
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 20)), max_size=5),
                max_size=150), st.integers(1, 9))
def test_carts_are_grouped_as_the_rule_says_when_any_orders(stops: list[Any],
                                                           totes: int) -> None:
    candidates = [batching.Candidate(key, tuple(s)) for key, s in enumerate(stops, start=1)]
    assert batching.group(candidates, totes) == _grouped_by_definition(candidates, totes)


def test_waves_released_at_once_take_each_order_and_each_bin_unit_once(
        uow: UnitOfWork) -> None:
    stocked(uow, {"WH1-A-01-1": {"PLAIN": 20}, "WH1-A-05-1": {"OTHER": 20}})
    fos = [open_fo(uow, api_order(uow, f"c{i}", [1 + i % 2, 1])) for i in range(6)]
    barrier, results = threading.Barrier(2, timeout=30), list[Any]()

    def wave() -> None:
        barrier.wait()
        results.append(create_wave(UnitOfWork(uow.engine), WaveRule("WH1", totes=2)))

    threads = [threading.Thread(target=wave) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 2 and sum(r.orders for r in results) == len(fos)
    with uow.read() as conn:
        states = conn.execute(select(FO.state, func.count()).where(FO.id.in_(fos))
                              .group_by(FO.state)).all()
        assert [tuple(s) for s in states] == [("released", len(fos))]
        assert check_bin_reservations(conn).ok
    assert [bin_level(uow, b) for b in ("WH1-A-01-1", "WH1-A-05-1")] == [(20, 9), (20, 6)]
