"""Exports: the Beancount file passes bean-check and its balances equal the trial balance."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from beancount import loader
from beancount.core import realization

from backroom.accounting import reports, services
from backroom.accounting.export import beancount_account, write_beancount, write_csv
from backroom.accounting.services import ManualLine
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.accounting.helpers import post_all


def _books(uow: UnitOfWork) -> None:
    inv.receive(uow, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))], reference="PO-1")
    inv.receive(uow, "WH1", [ReceiptLine("PLAIN", 10, Decimal("6.00"))], reference='PO "2"')
    inv.ship(uow, "PLAIN", 15, "WH1-INPUT", reference="SO-1")
    with uow.transaction() as conn:
        record(conn, [DomainEvent("order.paid", {
            "order_id": 1, "currency": "EUR", "rate": "1.0873", "total": "107.57",
            "subtotal": "99.99", "shipping": "4.99", "tax": "7.59", "discount": "5.00",
            "payment_fee": "3.42", "channel": "shop"})])
    services.post_manual_entry(uow, date(2026, 1, 2), "Owner's \\ capital", [
        ManualLine("1000", debit="1000.00"), ManualLine("3000", credit="1000.00")], by="test")
    post_all(uow)


def test_beancount_file_passes_bean_check_when_books_have_entries(
        store: UnitOfWork, tmp_path: Path) -> None:
    _books(store)
    path = tmp_path / "books.beancount"
    with store.read() as conn, path.open("w", encoding="utf-8") as out:
        summary = write_beancount(conn, out)
    assert summary["entries"] == 5
    bean_check = Path(sys.executable).with_name("bean-check")
    done = subprocess.run([str(bean_check), str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "" and done.stderr.strip() == ""


def test_beancount_balances_equal_trial_balance_when_loaded_back(
        store: UnitOfWork, tmp_path: Path) -> None:
    _books(store)
    path = tmp_path / "books.beancount"
    with store.read() as conn, path.open("w", encoding="utf-8") as out:
        write_beancount(conn, out)
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    real = realization.realize(entries)
    with store.read() as conn:
        trial = reports.trial_balance(conn)
    expected = {row["code"]: Decimal(row["debit"]) - Decimal(row["credit"])
                for row in trial["accounts"]}
    got = {}
    for acc in realization.iter_children(real):
        if acc.account.count(":") == 1 and not acc.balance.is_empty():
            code = acc.account.split(":")[1].split("-")[0]
            got[code] = acc.balance.get_currency_units("USD").number
    assert got == {k: v for k, v in expected.items() if v}


def test_csv_export_has_one_row_per_line_when_written(store: UnitOfWork) -> None:
    _books(store)
    out = io.StringIO()
    with store.read() as conn:
        n = write_csv(conn, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == n == 14
    assert sum(Decimal(r["debit"]) for r in rows) == sum(Decimal(r["credit"]) for r in rows)
    eur = [r for r in rows if r["currency"] == "EUR"]
    assert {r["account"] for r in eur} == {"1010", "5200", "4200", "4000", "4100", "2100"}


def test_account_names_are_valid_beancount_when_names_have_punctuation() -> None:
    assert beancount_account("equity", "3000", "Owner's equity") == "Equity:3000-Owners-equity"
    assert beancount_account("expense", "x1", "Fees & co.") == "Expenses:X1-Fees-co"
