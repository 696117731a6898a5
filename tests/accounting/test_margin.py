"""Gross margin by channel: COGS through ``order.shipped`` (move_ids → channel), revenue
through the order's channel, unattributed under "(none)"; dimensions combine."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from backroom.accounting import reports
from backroom.cli.app import app
from backroom.core.clock import now
from backroom.core.errors import ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from tests.accounting.helpers import balances, post_all


def _ship(uow: UnitOfWork, sku: str, qty: int) -> int:
    return int(inv.ship(uow, sku, qty, "WH1-INPUT", reference="SO").moves[0]["id"])


def _order_events(order_id: int, channel: str, paid: str, move_id: int, sku: str,
                  cost: int) -> list[DomainEvent]:
    shipped = {"order_id": order_id, "order_number": f"#{order_id}", "channel": channel,
               "channel_id": 1, "fulfillment_order_id": order_id, "shipment_id": None,
               "warehouse_id": 1, "currency": "USD", "base_currency": "USD",
               "shipped_at": now().date().isoformat(), "move_ids": [move_id],
               "lines": [{"order_line_id": order_id, "sku_id": 1, "sku": sku, "qty": 1,
                          "cost_minor": cost, "revenue_minor": 1}], "cogs_minor": cost}
    return [DomainEvent("order.created", {"order_id": order_id, "number": f"#{order_id}",
                                          "channel": channel, "currency": "USD"}),
            DomainEvent("order.paid", {"order_id": order_id, "currency": "USD", "rate": "1",
                                       "total": paid, "subtotal": paid}),
            DomainEvent("order.shipped", shipped)]


@pytest.fixture
def sold(store: UnitOfWork) -> UnitOfWork:
    """web: revenue 60.00, COGS 20.00; amazon: 30.00, 6.00; a shipment of no order: 5.00."""
    inv.receive(store, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00")),
                               ReceiptLine("OTHER", 10, Decimal("2.00"))])
    web, amazon = _ship(store, "PLAIN", 4), _ship(store, "OTHER", 3)
    _ship(store, "PLAIN", 1)
    with store.transaction() as conn:
        record(conn, _order_events(1, "web", "60.00", web, "PLAIN", 2000)
               + _order_events(2, "amazon", "30.00", amazon, "OTHER", 600))
    run = post_all(store)
    assert run.failed == 0
    return store


def _rows(uow: UnitOfWork, by: str) -> list[tuple[Any, ...]]:
    with uow.read() as conn:
        data = reports.margin(conn, by=by)
    dims = data["by"].split(",")
    return [(*(r[d] for d in dims), r["revenue"], r["cogs"], r["gross_margin"])
            for r in data["rows"]]


def test_cogs_and_revenue_follow_the_order_channel_when_split_by_channel(
        sold: UnitOfWork) -> None:
    assert balances(sold)["5000"] == 3100  # order.shipped posts no COGS of its own
    assert _rows(sold, "channel") == [("(none)", "0.00", "5.00", "-5.00"),
                                      ("amazon", "30.00", "6.00", "24.00"),
                                      ("web", "60.00", "20.00", "40.00")]


def test_dimensions_combine_when_split_by_channel_and_sku_or_month(sold: UnitOfWork) -> None:
    assert _rows(sold, "channel,sku") == [("(none)", "PLAIN", "0.00", "5.00", "-5.00"),
                                          ("amazon", "(none)", "30.00", "0.00", "30.00"),
                                          ("amazon", "OTHER", "0.00", "6.00", "-6.00"),
                                          ("web", "(none)", "60.00", "0.00", "60.00"),
                                          ("web", "PLAIN", "0.00", "20.00", "-20.00")]
    month = now().strftime("%Y-%m")
    assert _rows(sold, "month,channel") == [(month, "(none)", "0.00", "5.00", "-5.00"),
                                            (month, "amazon", "30.00", "6.00", "24.00"),
                                            (month, "web", "60.00", "20.00", "40.00")]
    with sold.read() as conn:
        totals = {by: reports.margin(conn, by=by)["gross_margin"]
                  for by in ("month", "sku", "channel", "sku,channel,month")}
    assert set(totals.values()) == {"59.00"}


def test_channel_named_by_the_event_wins_when_payment_carries_one(store: UnitOfWork) -> None:
    with store.transaction() as conn:
        record(conn, [DomainEvent("order.created", {"order_id": 5, "channel": "web"}),
                      DomainEvent("order.paid", {"order_id": 5, "currency": "USD",
                                                 "rate": "1", "total": "9.00",
                                                 "subtotal": "9.00", "channel": "pos"})])
    post_all(store)
    assert _rows(store, "channel") == [("pos", "9.00", "0.00", "9.00")]


def test_unknown_dimension_is_refused_when_margin_is_asked(store: UnitOfWork) -> None:
    with store.read() as conn, pytest.raises(ValidationFailed, match="channel,month"):
        reports.margin(conn, by="channel,colour")
    with store.read() as conn, pytest.raises(ValidationFailed):
        reports.margin(conn, by="sku,sku")


def test_cli_prints_margin_by_channel_when_asked_for_json(
        sold: UnitOfWork, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKROOM_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["report", "margin", "--by", "channel", "--json"])
        table = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["report", "margin", "--by",
                                                               "channel,month"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["by"] == "channel" and data["gross_margin"] == "59.00"
    assert [r["channel"] for r in data["rows"]] == ["(none)", "amazon", "web"]
    assert table.exit_code == 0 and "amazon" in table.stdout and "total" in table.stdout
