"""The stock ledger on both databases: moves, levels, positions, FIFO value, reservations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backroom.core.errors import NotFound, ValidationFailed
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory import transfers
from backroom.inventory.audit import run_audit
from backroom.inventory.errors import InsufficientStock
from backroom.inventory.services import ReceiptLine
from backroom.inventory.tables import LAYERS, LEVELS, MOVES, POSITIONS, RESERVATIONS
from tests.inventory.store import build_store


@pytest.fixture
def store(uow: UnitOfWork) -> UnitOfWork:
    build_store(uow)
    return uow


def level(uow: UnitOfWork, location_code: str, sku: str) -> int:
    from backroom.catalog.tables import PRODUCTS
    from backroom.inventory.tables import LOCATIONS

    with uow.read() as conn:
        return int(conn.execute(
            select(func.coalesce(func.sum(LEVELS.c.on_hand), 0))
            .join(LOCATIONS, LOCATIONS.c.id == LEVELS.c.location_id)
            .join(PRODUCTS, PRODUCTS.c.id == LEVELS.c.sku_id)
            .where(LOCATIONS.c.code == location_code, PRODUCTS.c.sku == sku)).scalar_one())


def position(uow: UnitOfWork, wh_id: int = 1) -> dict[str, int]:
    with uow.read() as conn:
        row = conn.execute(select(
            func.sum(POSITIONS.c.on_hand), func.sum(POSITIONS.c.reserved),
            func.sum(POSITIONS.c.quarantined), func.sum(POSITIONS.c.incoming))
            .where(POSITIONS.c.warehouse_id == wh_id)).one()
    return dict(zip(("on_hand", "reserved", "quarantined", "incoming"),
                    (int(v or 0) for v in row), strict=True))


def assert_audit_clean(uow: UnitOfWork) -> None:
    report = run_audit(uow)
    assert report.ok, [c for c in report.checks if not c.ok]


def test_receipt_lands_in_input_with_value_when_received(store: UnitOfWork) -> None:
    out = inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))], reference="PO-1")
    assert out.moves[0]["value_minor"] == 5000
    assert level(store, "WH1-INPUT", "PLAIN") == 10
    assert level(store, "SUPPLIER", "PLAIN") == -10
    assert position(store)["on_hand"] == 10
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(OUTBOX)
                            .where(OUTBOX.c.type == "stock.moved")).scalar_one() == 1
    assert_audit_clean(store)


def test_fifo_cost_of_shipment_when_two_layers(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))])
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("6.00"))])
    out = inv.ship(store, "PLAIN", 15, "WH1-INPUT", reference="SO-1")
    assert out.moves[0]["value_minor"] == 8000  # 10 x 5.00 + 5 x 6.00
    with store.read() as conn:
        remaining = conn.execute(select(func.sum(LAYERS.c.value_remaining))).scalar_one()
    assert remaining == 3000
    assert_audit_clean(store)


def test_partial_consumption_adds_up_to_the_cent_when_value_does_not_divide(
        store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 3, Decimal("3.3333"))])  # 10.00 total
    values = [inv.ship(store, "PLAIN", 1, "WH1-INPUT").moves[0]["value_minor"] for _ in range(3)]
    assert sum(values) == 1000
    assert max(values) - min(values) <= 1
    assert_audit_clean(store)


def test_nothing_changes_when_moving_more_than_is_there(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 5, Decimal("1"))])
    with pytest.raises(InsufficientStock) as err:
        inv.move(store, "PLAIN", 6, "WH1-INPUT", "WH1-A-01-1")
    assert err.value.shortfalls[0].requested == 6
    assert err.value.shortfalls[0].available == 5
    assert level(store, "WH1-INPUT", "PLAIN") == 5
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(MOVES)).scalar_one() == 1


@pytest.mark.parametrize("qty", [0, -3])
def test_move_is_refused_when_quantity_not_positive(store: UnitOfWork, qty: int) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 5)])
    with pytest.raises(ValidationFailed, match="positive"):
        inv.move(store, "PLAIN", qty, "WH1-INPUT", "WH1-A-01-1")


def test_errors_name_the_problem_when_codes_are_unknown(store: UnitOfWork) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        inv.receive(store, "WH1", [ReceiptLine("NOPE", 1)])
    with pytest.raises(NotFound, match="WH1-Z-99-9"):
        inv.move(store, "PLAIN", 1, "WH1-INPUT", "WH1-Z-99-9")


def test_lot_is_required_when_sku_is_lot_tracked(store: UnitOfWork) -> None:
    with pytest.raises(ValidationFailed, match="lot"):
        inv.receive(store, "WH1", [ReceiptLine("LOTTED", 5)])
    with pytest.raises(ValidationFailed, match="not lot-tracked"):
        inv.receive(store, "WH1", [ReceiptLine("PLAIN", 5, lot="L1")])


def test_reservation_blocks_others_when_stock_is_committed(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10)])
    inv.reserve(store, "WH1", "PLAIN", 8, "SO-1:1")
    with pytest.raises(InsufficientStock):
        inv.reserve(store, "WH1", "PLAIN", 3, "SO-2:1")
    with pytest.raises(InsufficientStock):
        inv.ship(store, "PLAIN", 3, "WH1-INPUT", reference="SO-2")
    out = inv.ship(store, "PLAIN", 8, "WH1-INPUT", reference="SO-1:1")
    assert out.extra["reservation_consumed"] == 8
    assert position(store) == {"on_hand": 2, "reserved": 0, "quarantined": 0, "incoming": 0}
    assert_audit_clean(store)


def test_safety_stock_is_not_sold_when_set(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10)])
    inv.set_safety_stock(store, "WH1", "PLAIN", 4)
    with pytest.raises(InsufficientStock) as err:
        inv.reserve(store, "WH1", "PLAIN", 7, "SO-1")
    assert err.value.shortfalls[0].available == 6
    inv.reserve(store, "WH1", "PLAIN", 6, "SO-1")


def test_release_returns_stock_when_reservation_is_dropped(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10)])
    res = inv.reserve(store, "WH1", "PLAIN", 10, "SO-1")
    inv.release(store, reservation_id=res[0].id, qty=4)
    assert position(store)["reserved"] == 6
    inv.release(store, reference="SO-1")
    assert position(store)["reserved"] == 0
    with store.read() as conn:
        assert conn.execute(select(RESERVATIONS.c.state)).scalar_one() == "released"
    assert_audit_clean(store)


def test_fefo_reserves_earliest_expiry_when_lots_differ(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [
        ReceiptLine("LOTTED", 5, lot="LATE", expiry=date(2027, 6, 1)),
        ReceiptLine("LOTTED", 5, lot="EARLY", expiry=date(2027, 1, 1)),
        ReceiptLine("LOTTED", 5, lot="NEVER")])
    res = inv.reserve(store, "WH1", "LOTTED", 7, "SO-1")
    with store.read() as conn:
        from backroom.inventory.tables import LOTS

        codes = {conn.execute(select(LOTS.c.code).where(LOTS.c.id == r.lot_id)).scalar_one(): r.qty
                 for r in res}
    assert codes == {"EARLY": 5, "LATE": 2}
    assert_audit_clean(store)


def test_adjustments_go_through_loss_when_counted(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("2.00"))])
    inv.adjust(store, "WH1-INPUT", "PLAIN", -2, reason="damage")
    inv.adjust(store, "WH1-INPUT", "PLAIN", 1, reason="found")
    assert level(store, "WH1-INPUT", "PLAIN") == 9
    assert level(store, "LOSS", "PLAIN") == 1
    with pytest.raises(ValidationFailed, match="reason"):
        inv.adjust(store, "WH1-INPUT", "PLAIN", 1, reason="magic")
    assert_audit_clean(store)


def test_transfer_goes_through_transit_when_between_warehouses(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("4.00"))])
    out = transfers.dispatch(store, "WH1-INPUT", "WH2", [inv.TransferLineSpec("PLAIN", 4)])
    assert level(store, "TRANSIT", "PLAIN") == 4
    assert position(store, 2)["incoming"] == 4
    assert_audit_clean(store)
    transfers.receive(store, out.extra["transfer_id"])
    assert level(store, "WH2-INPUT", "PLAIN") == 4
    assert position(store, 2) == {"on_hand": 4, "reserved": 0, "quarantined": 0, "incoming": 0}
    with store.read() as conn:
        wh2_value = conn.execute(select(func.sum(LAYERS.c.value_remaining))
                                 .where(LAYERS.c.warehouse_id == 2)).scalar_one()
    assert wh2_value == 1600
    assert_audit_clean(store)


def test_direct_move_between_warehouses_is_refused_when_not_via_transit(
        store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10)])
    with pytest.raises(ValidationFailed, match="TRANSIT"):
        inv.move(store, "PLAIN", 1, "WH1-INPUT", "WH2-INPUT")


def test_reverse_restores_levels_when_move_was_a_mistake(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("1.00"))])
    moved = inv.move(store, "PLAIN", 4, "WH1-INPUT", "WH1-QUARANTINE")
    assert position(store)["quarantined"] == 4
    inv.reverse(store, moved.moves[0]["id"])
    assert level(store, "WH1-INPUT", "PLAIN") == 10
    assert position(store)["quarantined"] == 0
    with pytest.raises(Exception, match="already reversed"):
        inv.reverse(store, moved.moves[0]["id"])
    assert_audit_clean(store)


def test_batch_receipt_is_all_or_nothing_when_one_line_is_bad(store: UnitOfWork) -> None:
    with pytest.raises(ValidationFailed):
        inv.receive(store, "WH1", [ReceiptLine("PLAIN", 5), ReceiptLine("OTHER", -1)])
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(MOVES)).scalar_one() == 0


def test_nothing_moves_into_a_location_when_it_is_deactivated(store: UnitOfWork) -> None:
    from sqlalchemy import update

    from backroom.inventory.tables import LOCATIONS

    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 5)])
    with store.transaction() as conn:
        conn.execute(update(LOCATIONS).where(LOCATIONS.c.code == "WH1-A-02-1").values(active=False))
    with pytest.raises(ValidationFailed, match="deactivated"):
        inv.move(store, "PLAIN", 1, "WH1-INPUT", "WH1-A-02-1")
    assert level(store, "WH1-A-02-1", "PLAIN") == 0
