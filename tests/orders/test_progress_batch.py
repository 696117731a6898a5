"""``progress.record_many``: many line changes in one go, the same as one at a time, all or
nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from backroom.core.errors import NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.orders import progress, queries
from backroom.orders.progress import LineChange
from backroom.orders.tables import ORDER_HISTORY
from tests.orders.conftest import events, line_rows
from tests.orders.lifecyclekit import api_order, stocked


@pytest.fixture
def shop(uow: UnitOfWork) -> UnitOfWork:
    stocked(uow)
    return uow


def _snapshot(uow: UnitOfWork, order_ids: list[int]) -> list[Any]:
    with uow.read() as conn:
        out = []
        for order_id in order_ids:
            order = queries.get_order(conn, order_id)
            out.append((order["state"], order["fulfillment_state"],
                        [(ln.qty_reserved, ln.qty_shipped, ln.qty_backordered)
                         for ln in line_rows(uow, order_id)]))
        return out


def _history(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(ORDER_HISTORY)).scalar_one())


def _changes(uow: UnitOfWork, orders: list[int]) -> list[LineChange]:
    first, second = (line_rows(uow, o) for o in orders)
    return [LineChange(first[0].id, 2, "reserved"), LineChange(first[1].id, 1, "backordered"),
            LineChange(second[0].id, 2, "reserved"), LineChange(first[0].id, 2, "shipped"),
            LineChange(second[0].id, 1, "shipped"), LineChange(second[0].id, 1, "unreserved")]


def test_batch_gives_the_same_counters_states_and_history_as_one_at_a_time(
        shop: UnitOfWork) -> None:
    batch = [api_order(shop, f"B-{n}", [2, 1]).order_id for n in (1, 2)]
    single = [api_order(shop, f"S-{n}", [2, 1]).order_id for n in (1, 2)]
    history_before = _history(shop)
    results = progress.record_many(shop, _changes(shop, batch), actor="test")
    batch_history = _history(shop) - history_before
    for change in _changes(shop, single):
        progress.record_many(shop, [change], actor="test")
    assert _snapshot(shop, batch) == _snapshot(shop, single)
    assert [s[2] for s in _snapshot(shop, batch)] == [[(0, 2, 0), (0, 0, 1)],
                                                      [(0, 1, 0), (0, 0, 0)]]
    assert [r["reserved"] for r in results] == [2, 0, 2, 0, 1, 0]
    assert results[3]["shipped"] == 2 and results[3]["state"] == "processing"
    # One history entry per change, plus the state change of each order (open → processing).
    assert batch_history == 6 + 2
    backordered = [payload for _, payload in events(shop, "order.backordered")]
    assert [(p["order_id"], p["qty"]) for p in backordered] == [(batch[0], 1), (single[0], 1)]


def test_batch_with_bad_changes_names_each_and_writes_nothing(shop: UnitOfWork) -> None:
    order_id = api_order(shop, "B-1", [2, 1]).order_id
    lines = line_rows(shop, order_id)
    before, history = _snapshot(shop, [order_id]), _history(shop)
    bad = [LineChange(lines[0].id, 2, "reserved"), LineChange(lines[0].id, 1, "reserved"),
           LineChange(lines[1].id, 5, "shipped"), LineChange(lines[1].id, 1, "reserved")]
    with pytest.raises(ValidationFailed) as caught:
        progress.record_many(shop, bad)
    fields = [p.field for p in caught.value.problems]
    assert fields == ["changes[1].qty", "changes[2].qty"]
    assert "only 0 units are open" in caught.value.problems[0].message
    assert f"line {lines[1].id}: only 1 units can still ship" in caught.value.problems[1].message
    assert _snapshot(shop, [order_id]) == before and _history(shop) == history


def test_batch_refuses_non_positive_quantities_and_unknown_lines(shop: UnitOfWork) -> None:
    order_id = api_order(shop, "B-1", [2]).order_id
    line = line_rows(shop, order_id)[0].id
    with pytest.raises(ValidationFailed) as caught:
        progress.record_many(shop, [LineChange(line, 0, "reserved"),
                                    LineChange(line, -1, "shipped")])
    assert [p.field for p in caught.value.problems] == ["changes[0].qty", "changes[1].qty"]
    with pytest.raises(NotFound, match="no order line 999999"):
        progress.record_many(shop, [LineChange(line, 1, "reserved"),
                                    LineChange(999999, 1, "reserved")])
    assert line_rows(shop, order_id)[0].qty_reserved == 0
    assert progress.record_many(shop, []) == []
