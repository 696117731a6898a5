"""HTTP routes of the books: roles, manual entries, reports, period close (admin only)."""

from __future__ import annotations

from decimal import Decimal

from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.api.helpers import assert_problem, client_for, headers

API = "/api/v1/accounting"


def _entry(amount: str = "120.00", credit: str | None = None) -> dict[str, object]:
    return {"date": "2026-02-03", "description": "rent",
            "lines": [{"account": "5300", "debit": amount},
                      {"account": "1000", "credit": credit or amount}]}


def test_roles_are_enforced_when_books_are_read_written_and_closed(store: UnitOfWork) -> None:
    client = client_for(store.engine)
    acct, admin, wh = (headers(store.engine, r) for r in ("accounting", "admin", "warehouse"))
    assert client.get(f"{API}/reports/trial-balance", headers=acct).status_code == 200
    assert_problem(client.get(f"{API}/reports/trial-balance", headers=wh), 403, "forbidden")
    assert client.post(f"{API}/entries", json=_entry(), headers=acct).status_code == 201
    assert_problem(client.post(f"{API}/periods/2026-02/close", headers=acct), 403, "forbidden")
    assert client.post(f"{API}/periods/2026-02/close", headers=admin).status_code == 200
    problem = assert_problem(client.post(f"{API}/entries", json=_entry(), headers=acct),
                             409, "period_closed")
    assert problem["periods"] == ["2026-02"]
    reopened = client.post(f"{API}/periods/2026-02/reopen", json={"note": "fix"},
                           headers=admin)
    assert reopened.status_code == 200 and reopened.json()["state"] == "open"


def test_unbalanced_entry_is_refused_when_posted_over_http(store: UnitOfWork) -> None:
    client = client_for(store.engine)
    acct = headers(store.engine, "accounting")
    body = assert_problem(client.post(f"{API}/entries", json=_entry("1.00", "2.00"),
                                      headers=acct), 422, "validation_failed")
    assert "does not balance" in body["detail"]
    body = assert_problem(client.post(f"{API}/entries", json={**_entry(), "date": "2026-02-30"},
                                      headers=acct), 422, "validation_failed")
    bad = assert_problem(client.get(f"{API}/reports/pnl?from=yesterday", headers=acct), 422)
    assert bad["code"] == "validation_failed"


def test_entry_is_posted_once_when_retried_with_idempotency_key(store: UnitOfWork) -> None:
    client = client_for(store.engine)
    acct = {**headers(store.engine, "accounting"), "Idempotency-Key": "rent-feb"}
    first = client.post(f"{API}/entries", json=_entry(), headers=acct)
    again = client.post(f"{API}/entries", json=_entry(), headers=acct)
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    entry = client.get(f"{API}/entries/{first.json()['id']}", headers=acct).json()
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in entry["lines"]] == [
        ("5300", "120.00", "0.00"), ("1000", "0.00", "120.00")]


def test_posting_run_and_reports_agree_when_called_over_http(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 4, Decimal("2.50"))])
    client = client_for(store.engine)
    acct = headers(store.engine, "accounting")
    run = client.post(f"{API}/posting/run", json={"batch": 10}, headers=acct)
    assert run.status_code == 200 and run.json()["entries"] == 1
    sheet = client.get(f"{API}/reports/balance-sheet", headers=acct).json()
    assert sheet["balanced"] and sheet["total_assets"] == "10.00"
    valuation = client.get(f"{API}/reports/inventory-valuation?warehouse=WH1",
                           headers=acct).json()
    assert valuation["total_value"] == valuation["books_inventory"] == "10.00"
    gl = client.get(f"{API}/reports/general-ledger/2010", headers=acct).json()
    assert gl["closing_balance"] == "10.00"
    margin = client.get(f"{API}/reports/margin?by=month", headers=acct)
    assert margin.status_code == 200
    assert client.get(f"{API}/posting/status", headers=acct).json()["entries"] == 1


def test_landed_cost_and_valuation_method_when_set_over_http(store: UnitOfWork) -> None:
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 4, Decimal("2.50"))], reference="PO-7")
    client = client_for(store.engine)
    acct, admin = headers(store.engine, "accounting"), headers(store.engine, "admin")
    landed = client.post(f"{API}/landed-costs", json={"amount": "2.00", "reference": "PO-7"},
                         headers=acct)
    assert landed.status_code == 201 and landed.json()["to_inventory"] == "2.00"
    too_much = client.post(f"{API}/landed-costs", json={"amount": "500.00",
                                                        "reference": "PO-7"}, headers=acct)
    assert_problem(too_much, 422, "validation_failed")
    assert_problem(client.post(f"{API}/valuation-method", json={"method": "average"},
                               headers=acct), 403, "forbidden")
    switched = client.post(f"{API}/valuation-method", json={"method": "average"},
                           headers=admin)
    assert switched.status_code == 200
    assert client.get(f"{API}/valuation-method", headers=acct).json() == {"method": "average"}
