"""The order lifecycle on SQLite and PostgreSQL: holds and their release, cancelling orders
and lines (reservations released), shipping, backorders and the fulfillment hooks."""

from __future__ import annotations

import pytest

from backroom.core.errors import Conflict, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inventory
from backroom.orders import demand, progress, queries, services
from backroom.orders.errors import OrderNotEditable, OrderOnHold
from backroom.orders.lifecycle import reservation_reference
from tests.orders.conftest import events, line_rows
from tests.orders.lifecyclekit import (
    api_order,
    position_reserved,
    reserve,
    reserved_in_inventory,
    ship,
    stocked,
)


@pytest.fixture
def shop(uow: UnitOfWork) -> UnitOfWork:
    stocked(uow)
    return uow


def state(uow: UnitOfWork, order_id: int) -> str:
    with uow.read() as conn:
        return str(queries.get_order(conn, order_id)["state"])


def test_hold_blocks_release_until_it_is_released(shop: UnitOfWork) -> None:
    order_id = api_order(shop, "A-1", [2, 1]).order_id
    held = services.place_hold(shop, order_id, "fraud_review", "billing and shipping "
                               "countries differ", "api:risk")
    assert held["order"]["state"] == "on_hold"
    with pytest.raises(OrderOnHold, match="fraud_review"):
        progress.assert_releasable(shop, order_id)
    services.release_hold(shop, order_id, held["hold_id"], "api:alice", "called the customer")
    progress.assert_releasable(shop, order_id)
    assert [t for t, _ in events(shop)][-2:] == ["order.held", "order.released"]
    with shop.read() as conn:
        history = queries.get_order(conn, order_id)["history"]
    assert [h["action"] for h in history][-4:] == ["held", "state", "hold_released", "state"]
    assert history[-2]["actor"] == "api:alice" and history[-2]["note"] == "called the customer"


def test_order_stays_held_when_one_of_two_holds_is_released(shop: UnitOfWork) -> None:
    order_id = api_order(shop, "A-2", [1]).order_id
    first = services.place_hold(shop, order_id, "fraud_review", "check", "t")["hold_id"]
    services.place_hold(shop, order_id, "manual", "customer asked to wait", "t")
    services.release_hold(shop, order_id, first, "t")
    assert state(shop, order_id) == "on_hold"
    assert [t for t, _ in events(shop)].count("order.released") == 1  # only at creation


def test_hold_is_refused_when_the_same_kind_is_already_active(shop: UnitOfWork) -> None:
    order_id = api_order(shop, "A-3", [1]).order_id
    services.place_hold(shop, order_id, "manual", "wait", "t")
    with pytest.raises(Conflict, match="already has an active manual hold"):
        services.place_hold(shop, order_id, "manual", "wait again", "t")
    with pytest.raises(ValidationFailed, match="kind"):
        services.place_hold(shop, order_id, "vibes", "?", "t")


def test_unknown_sku_hold_cannot_be_released_by_hand_when_sku_is_still_unknown(
        shop: UnitOfWork) -> None:
    outcome = api_order(shop, "A-4", [1], skus=("NOT-IN-CATALOG",))
    assert outcome.holds == ["unknown_sku"]
    with pytest.raises(Conflict, match="map them"):
        services.release_holds(shop, outcome.order_id, "t", kind="unknown_sku")
    assert state(shop, outcome.order_id) == "on_hold"


def test_cancel_releases_reservations_when_whole_order_is_cancelled(shop: UnitOfWork) -> None:
    order_id = api_order(shop, "C-1", [5, 3]).order_id
    lines = line_rows(shop, order_id)
    reserve(shop, lines[0].id, "PLAIN", 4)
    assert (state(shop, order_id), position_reserved(shop)) == ("processing", 4)
    result = services.cancel_order(shop, order_id, reason="customer request", actor="t")
    assert [(c["qty"], c["released"]) for c in result["cancelled"]] == [(5, 4), (3, 0)]
    assert (reserved_in_inventory(shop, lines[0].id), position_reserved(shop)) == (0, 0)
    assert result["order"]["state"] == "cancelled"
    assert [t for t, _ in events(shop, "stock.released")] == ["stock.released"]
    with pytest.raises(OrderNotEditable, match="already cancelled"):
        services.cancel_order(shop, order_id, reason="again", actor="t")


def test_cancel_of_lines_takes_open_units_first_when_some_are_reserved(
        shop: UnitOfWork) -> None:
    order_id = api_order(shop, "C-2", [5, 3]).order_id
    first, second = line_rows(shop, order_id)
    reserve(shop, first.id, "PLAIN", 3)
    services.cancel_order(shop, order_id, reason="out of budget", actor="t",
                          lines=[(first.id, 3), (second.id, None)])
    after = line_rows(shop, order_id)
    assert [(ln.qty_cancelled, ln.qty_reserved) for ln in after] == [(3, 2), (3, 0)]
    assert reserved_in_inventory(shop, first.id) == 2
    assert state(shop, order_id) == "processing"


def test_cancel_changes_nothing_when_more_is_asked_than_can_be_cancelled(
        shop: UnitOfWork) -> None:
    order_id = api_order(shop, "C-3", [2, 1]).order_id
    first, second = line_rows(shop, order_id)
    ship(shop, first.id, "PLAIN", 1)
    with pytest.raises(ValidationFailed, match="only 1 of 2 can still be cancelled"):
        services.cancel_order(shop, order_id, reason="x", actor="t",
                              lines=[(second.id, 1), (first.id, 2)])
    assert [ln.qty_cancelled for ln in line_rows(shop, order_id)] == [0, 0]


def test_order_completes_when_every_wanted_unit_has_shipped(shop: UnitOfWork) -> None:
    order_id = api_order(shop, "S-1", [2, 1]).order_id
    first, second = line_rows(shop, order_id)
    reserve(shop, first.id, "PLAIN", 2)
    ship(shop, first.id, "PLAIN", 2)
    with shop.read() as conn:
        assert queries.get_order(conn, order_id)["fulfillment_state"] == "partially_fulfilled"
    services.cancel_order(shop, order_id, reason="discontinued", actor="t",
                          lines=[(second.id, None)])
    with shop.read() as conn:
        view = queries.get_order(conn, order_id)
    assert (view["state"], view["fulfillment_state"]) == ("completed", "fulfilled")
    assert reserved_in_inventory(shop, first.id) == 0


def test_ship_is_refused_when_it_would_ship_more_than_is_left(shop: UnitOfWork) -> None:
    order_id = api_order(shop, "S-2", [2]).order_id
    (line,) = line_rows(shop, order_id)
    ship(shop, line.id, "PLAIN", 2)
    with pytest.raises(ValidationFailed, match="only 0 units can still ship"):
        progress.record_shipped(shop, line.id, 1)
    progress.record_returned(shop, line.id, 1)
    with pytest.raises(ValidationFailed, match="returned exceeds shipped"):
        progress.record_returned(shop, line.id, 2)


def test_backorders_fill_oldest_first_when_stock_arrives(shop: UnitOfWork) -> None:
    older = api_order(shop, "B-1", [4], placed_at="2026-11-20T10:00:00Z").order_id
    newer = api_order(shop, "B-2", [3], placed_at="2026-11-21T10:00:00Z").order_id
    (a,), (b,) = line_rows(shop, older), line_rows(shop, newer)
    progress.record_backordered(shop, b.id, 3)
    progress.record_backordered(shop, a.id, 4)
    with shop.read() as conn:
        assert queries.get_order(conn, older)["fulfillment_state"] == "backordered"
    supply = {"left": 5}

    def allocate(uow: UnitOfWork, line: progress.BackorderedLine) -> int:
        take = min(line.qty, supply["left"])
        if take:
            inventory.reserve(uow, "WH1", "PLAIN", take, line.reference)
        supply["left"] -= take
        return take

    filled = progress.fill_backorders(shop, [a.product_id], allocate)
    assert [(f["line_id"], f["reserved"], f["backordered"]) for f in filled] == \
        [(a.id, 4, 0), (b.id, 1, 2)]
    assert reserved_in_inventory(shop, b.id) == 1
    assert [ln.line_id for ln in progress.backordered_lines(shop)] == [b.id]


def test_reservation_reference_names_the_line_when_fulfillment_reserves() -> None:
    assert reservation_reference(42) == "order-line:42"


def test_demand_lists_only_releasable_orders_with_open_units(shop: UnitOfWork) -> None:
    ready = api_order(shop, "D-1", [3, 2]).order_id
    held = api_order(shop, "D-2", [1]).order_id
    services.place_hold(shop, held, "manual", "wait", "t")
    done = api_order(shop, "D-3", [1]).order_id
    (line,) = line_rows(shop, done)
    reserve(shop, line.id, "PLAIN", 1)
    assert demand.releasable_order_ids(shop) == [ready]
    first = line_rows(shop, ready)[0]
    reserve(shop, first.id, "PLAIN", 1)
    progress.record_backordered(shop, first.id, 1)
    wanted = demand.demand(shop, ready)
    assert [(d.sku, d.qty, d.backordered, d.reference) for d in wanted.lines] == [
        ("PLAIN", 1, 1, f"order-line:{first.id}"), ("OTHER", 2, 0, wanted.lines[1].reference)]
    assert (wanted.ship_to.postal_code, wanted.channel) == ("62701", "API")
    with pytest.raises(OrderOnHold):
        demand.demand(shop, held)
