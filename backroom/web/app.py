"""Dashboard assembly: static assets, templates and the pages of each area.

Bootstrap comes from the ``xstatic-bootstrap`` package installed with Backroom (never committed);
our own few styles live in ``backroom/web/static``.
"""

from __future__ import annotations

import xstatic.pkg.bootstrap as bootstrap
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from backroom.web.auth import LoginRequired, PageError, clear_session, login_url
from backroom.web.render import STATIC_DIR, Extensions, render

BOOTSTRAP_URL = "/static/vendor/bootstrap"
APP_STATIC_URL = "/static/app"


def mount(app: FastAPI) -> None:
    """Attach the dashboard's routes and static files to ``app``."""
    from backroom.accounting import pages as accounting_pages
    from backroom.catalog import pages as catalog_pages
    from backroom.fulfillment import pages as fulfillment_pages
    from backroom.inventory import pages as inventory_pages
    from backroom.orders import pages as orders_pages
    from backroom.web import shell

    app.mount(BOOTSTRAP_URL, StaticFiles(directory=bootstrap.BASE_DIR), name="bootstrap")
    app.mount(APP_STATIC_URL, StaticFiles(directory=STATIC_DIR), name="app-static")
    app.state.dashboard = Extensions(
        overview_tiles=[catalog_pages.overview_tiles, inventory_pages.overview_tiles,
                        accounting_pages.overview_tiles],
        product_sections=[inventory_pages.product_stock_section],
    )
    # The order page (orders) shows sourcing and fulfillment orders (fulfillment, which
    # depends on orders): a provider registered here, as for the product page.
    app.state.order_sections = [fulfillment_pages.order_sections]
    app.include_router(shell.router)
    app.include_router(catalog_pages.router)
    app.include_router(inventory_pages.router)
    app.include_router(accounting_pages.router)
    app.include_router(orders_pages.router)
    app.include_router(fulfillment_pages.router)
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]
    app.add_exception_handler(PageError, _error_page)  # type: ignore[arg-type]


async def _to_login(request: Request, exc: LoginRequired) -> Response:
    response = RedirectResponse(login_url(exc.next_url), status_code=303)
    if exc.clear_cookie:
        clear_session(response)
    return response


async def _error_page(request: Request, exc: PageError) -> Response:
    return render(request, "error.html", exc.viewer, title=exc.title, status=exc.status,
                  message=exc.message)
