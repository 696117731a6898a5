"""FastAPI application assembly: routers live in the areas, auth and errors live here."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from backroom import __version__
from backroom.api import problems
from backroom.api.auth import Principal
from backroom.api.deps import current_principal
from backroom.db.engine import make_engine


def create_app(engine: Engine | None = None) -> FastAPI:
    from backroom.fulfillment import backorders

    backorders.install()
    from backroom.accounting.api import router as accounting_router
    from backroom.catalog.api import router as catalog_router
    from backroom.fulfillment.api import router as fulfillment_router
    from backroom.fulfillment.api_pack import router as packing_router
    from backroom.inventory.api import router as inventory_router
    from backroom.inventory.api_locations import router as locations_router
    from backroom.orders.api import router as orders_router
    from backroom.orders.api_availability import router as availability_router
    from backroom.orders.api_webhooks import router as order_webhooks_router
    from backroom.shipping.api_rating import router as rating_router
    from backroom.shipping.api_routes import router as routes_router
    from backroom.shipping.api_shipments import router as shipments_router
    from backroom.web.app import mount as mount_web

    app = FastAPI(title="Backroom", version=__version__,
                  description="Operations platform for online stores. Every route needs "
                              "'Authorization: Bearer <token>' (see `backroom token create`).")
    app.state.engine = engine or make_engine()
    problems.install(app)

    @app.get("/api/v1/me", tags=["auth"])
    def me(principal: Principal = Depends(current_principal)) -> dict[str, object]:
        """Who the presented token belongs to."""
        return {"id": principal.token_id, "name": principal.name, "role": principal.role}

    app.include_router(catalog_router, prefix="/api/v1")
    app.include_router(accounting_router, prefix="/api/v1")
    app.include_router(inventory_router, prefix="/api/v1")
    app.include_router(locations_router, prefix="/api/v1")
    app.include_router(rating_router, prefix="/api/v1")
    app.include_router(routes_router, prefix="/api/v1")
    app.include_router(shipments_router, prefix="/api/v1")
    app.include_router(orders_router, prefix="/api/v1")
    app.include_router(availability_router, prefix="/api/v1")
    app.include_router(fulfillment_router, prefix="/api/v1")
    app.include_router(packing_router, prefix="/api/v1")
    app.include_router(order_webhooks_router, prefix="/api/v1")
    mount_web(app)
    return app
