"""The dashboard's accounting page: figures, the monthly chart, roles and bad dates."""

from __future__ import annotations

from decimal import Decimal

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.testclient import TestClient

from backroom.accounting import pages
from backroom.api.app import create_app
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.services import ReceiptLine
from backroom.web.auth import PageError
from backroom.web.nav import area
from tests.accounting.helpers import post_all
from tests.web.html import table_rows
from tests.web.seed import make_token


def _client(uow: UnitOfWork, role: str) -> TestClient:
    app: FastAPI = create_app(uow.engine)
    if not area("accounting").built:  # until backroom.web.app mounts the page
        app = FastAPI()
        app.state.engine = uow.engine
        app.include_router(pages.router)

        async def error_page(request: Request, exc: PageError) -> Response:
            return PlainTextResponse(exc.message, status_code=exc.status)

        app.add_exception_handler(PageError, error_page)  # type: ignore[arg-type]
    client = TestClient(app, follow_redirects=False)
    client.cookies.set("backroom_token", make_token(uow, role), domain="testserver.local")
    return client


def _trade(uow: UnitOfWork) -> None:
    inv.receive(uow, "WH1", [ReceiptLine("PLAIN", 10, Decimal("5.00"))])
    inv.ship(uow, "PLAIN", 4, "WH1-INPUT", reference="SO-1")
    with uow.transaction() as conn:
        record(conn, [DomainEvent("order.paid", {
            "order_id": 1, "currency": "USD", "total": "60.00", "subtotal": "60.00"})])
    post_all(uow)


def test_books_page_shows_trial_balance_and_chart_when_books_have_entries(
        store: UnitOfWork) -> None:
    _trade(store)
    html = _client(store, "accounting").get("/accounting").text
    rows = table_rows(html, "trial-balance")
    assert ["1200", "Inventory", "30.00", "0.00"] in rows
    assert ["5000", "Cost of goods sold", "20.00", "0.00"] in rows
    assert html.count("<rect x=") == 2  # this month: revenue and COGS
    assert "revenue: 60.00" in html and "cogs: 20.00" in html
    assert table_rows(html, "pnl")[2] == ["40.00"]  # gross profit
    assert "<script>" not in html  # no inline script: the chart is SVG drawn on the server


def test_books_page_is_refused_when_role_lacks_permission(store: UnitOfWork) -> None:
    assert _client(store, "warehouse").get("/accounting").status_code == 403


def test_books_page_explains_when_date_is_malformed(store: UnitOfWork) -> None:
    response = _client(store, "accounting").get("/accounting", params={"as_of": "2026-02-30"})
    assert response.status_code == 400 and "is not a date" in response.text


def test_chart_scales_bars_to_largest_figure_when_months_differ() -> None:
    chart = pages.month_chart([{"month": "2026-01", "revenue": "100.00", "cogs": "50.00"},
                               {"month": "2026-02", "revenue": "200.00", "cogs": "0.00"},
                               {"month": "(none)", "revenue": "1.00", "cogs": "0.00"}])
    heights = [b.height for b in chart.bars]
    assert heights == [100.0, 50.0, 200.0, 0.0] and chart.peak == "200.00"
    assert [label for _, label in chart.labels] == ["2026-01", "2026-02"]
