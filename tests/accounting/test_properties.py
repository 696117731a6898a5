"""Property test: random receipts, shipments, adjustments, transfers, payments, landed costs,
valuation switches and posting runs keep every audit check true (books included), on SQLite
and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backroom.accounting import posting, reports
from backroom.accounting.audit import run_all
from backroom.core.errors import BackroomError
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.inventory import averaging, transfers
from backroom.inventory import services as inv
from backroom.inventory.landed_cost import apply_landed_cost
from tests.inventory.store import build_store
from tests.inventory.test_ledger_properties import fresh_db

LOCS = ["WH1-INPUT", "WH1-A-01-1", "WH2-INPUT", "WH1-QUARANTINE"]
SKUS = ["PLAIN", "PLAIN", "OTHER"]
cents = st.integers(0, 999_99)
ops = st.lists(st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(["WH1", "WH2"]), st.sampled_from(SKUS),
              st.integers(1, 9), st.integers(0, 99_999)),
    st.tuples(st.just("ship"), st.sampled_from(SKUS), st.integers(1, 9),
              st.sampled_from(LOCS[:3])),
    st.tuples(st.just("adjust"), st.sampled_from(LOCS), st.sampled_from(SKUS),
              st.integers(-6, 6).filter(bool)),
    st.tuples(st.just("move"), st.sampled_from(SKUS), st.integers(1, 5),
              st.sampled_from(["WH1-INPUT", "WH1-A-01-1", "WH1-QUARANTINE"]),
              st.sampled_from(["WH1-INPUT", "WH1-A-01-1", "WH1-QUARANTINE"])),
    st.tuples(st.just("transfer"), st.sampled_from(LOCS[:3]), st.sampled_from(SKUS),
              st.integers(1, 5)),
    st.tuples(st.just("arrive"), st.integers(0, 5)),
    st.tuples(st.just("reverse"), st.integers(1, 40)),
    st.tuples(st.just("pay"), cents, cents, cents, cents,
              st.sampled_from([("USD", "1"), ("EUR", "1.0873"), ("JPY", "0.0067")])),
    st.tuples(st.just("post"), st.integers(1, 7)),
    st.tuples(st.just("valuation"), st.sampled_from(["fifo", "average"])),
    st.tuples(st.just("landed"), st.integers(1, 5_000), st.sampled_from(["value", "qty"])),
), min_size=5, max_size=30)


def _money(minor: int, currency: str) -> str:
    return str(Decimal(minor).scaleb(-2 if currency != "JPY" else 0))


def apply(uow: UnitOfWork, op: tuple[Any, ...], open_transfers: list[int]) -> None:
    kind = op[0]
    try:
        if kind == "receive":
            inv.receive(uow, op[1], [inv.ReceiptLine(op[2], op[3], Decimal(op[4]) / 1000)],
                        reference="PO")
        elif kind == "ship":
            inv.ship(uow, op[1], op[2], op[3], reference="SO")
        elif kind == "adjust":
            inv.adjust(uow, op[1], op[2], op[3], reason="count")
        elif kind == "move":
            inv.move(uow, op[1], op[2], op[3], op[4])
        elif kind == "transfer":
            dest = "WH2" if op[1].startswith("WH1") else "WH1"
            out = transfers.dispatch(uow, op[1], dest, [inv.TransferLineSpec(op[2], op[3])])
            open_transfers.append(int(out.extra["transfer_id"]))
        elif kind == "arrive" and open_transfers:
            transfers.receive(uow, open_transfers.pop(op[1] % len(open_transfers)))
        elif kind == "reverse":
            inv.reverse(uow, op[1])
        elif kind == "pay":
            _pay(uow, *op[1:])
        elif kind == "post":
            posting.post_pending(uow, batch=op[1], gap_timeout_s=0)
        elif kind == "valuation":
            averaging.set_method(uow, op[1])
        elif kind == "landed":
            apply_landed_cost(uow, amount=Decimal(op[1]) / 100, reference="PO", basis=op[2])
    except BackroomError:
        pass  # refused: changes nothing, which the audit proves


def _pay(uow: UnitOfWork, subtotal: int, shipping: int, tax: int, fee: int,
         money: tuple[str, str]) -> None:
    currency, rate = money
    discount = subtotal // 10
    total = subtotal - discount + shipping + tax
    fee = min(fee, total)
    with uow.transaction() as conn:
        record(conn, [DomainEvent("order.paid", {
            "order_id": 1, "currency": currency, "rate": rate,
            **{k: _money(v, currency) for k, v in (
                ("total", total), ("subtotal", subtotal), ("shipping", shipping),
                ("tax", tax), ("discount", discount), ("payment_fee", fee))}})])


def _assert_clean(uow: UnitOfWork) -> None:
    report = run_all(uow)
    assert report.ok, [(c.name, c.discrepancies) for c in report.checks if not c.ok]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_random_operations_keep_books_equal_to_shelves_when_posted_at_any_time(
        kind: str, request: pytest.FixtureRequest, sqlite_template: Path) -> None:
    server = request.getfixturevalue("pg_server") if kind == "postgresql" else None
    if kind == "postgresql" and server is None:
        pytest.skip("PostgreSQL server binaries not installed")

    @settings(max_examples=40 if kind == "sqlite" else 15, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(sequence=ops)
    def run(sequence: list[tuple[Any, ...]]) -> None:
        with fresh_db(kind, sqlite_template, server) as uow:
            build_store(uow)
            open_transfers: list[int] = []
            for op in sequence:
                apply(uow, op, open_transfers)
            _assert_clean(uow)  # pending events are accounted for
            run = posting.post_pending(uow, gap_timeout_s=0)
            assert run.failed == 0, run.messages
            _assert_clean(uow)
            with uow.read() as conn:
                trial = reports.trial_balance(conn)
                sheet = reports.balance_sheet(conn)
                valuation = reports.inventory_valuation(conn)
            assert trial["balanced"] and sheet["balanced"]
            assert valuation["total_value"] == str(
                Decimal(valuation["books_inventory"]) + Decimal(valuation["books_in_transit"]))

    run()
