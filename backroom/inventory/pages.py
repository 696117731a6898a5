"""Dashboard pages of inventory: warehouses and locations, stock levels and positions.

Read-only. Queries are Core selects, parameterized throughout. They join the catalog's product
table for SKU codes and names: a read-side join (inventory may depend on catalog, never the
reverse), kept here until the catalog offers a read model to join against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection, Select, and_, exists, func, or_, select

from backroom.api.deps import get_uow
from backroom.catalog.tables import BARCODES, PRODUCTS
from backroom.inventory.model import LocationKind
from backroom.inventory.tables import (
    LEVELS,
    LOCATIONS,
    LOTS,
    POSITIONS,
    RESERVATIONS,
    SETTINGS,
    WAREHOUSES,
)
from backroom.web.auth import Viewer, page_user
from backroom.web.render import AnyRow, Section, Tile, clean, render

router = APIRouter(include_in_schema=False)
LOCATION_PAGE = 100
STOCK_LIMIT = 200
KINDS = tuple(k.value for k in LocationKind)


@dataclass(frozen=True, slots=True)
class LocationFilter:
    warehouse: str = ""
    kind: str = ""
    q: str = ""
    after: str = ""

    def query_string(self, **override: str) -> dict[str, str]:
        values = {"warehouse": self.warehouse, "kind": self.kind, "q": self.q,
                  "after": self.after, **override}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class StockFilter:
    q: str = ""
    warehouse: str = ""
    location: str = ""
    lot: str = ""
    sku_id: int | None = None


@dataclass(frozen=True, slots=True)
class Position:
    warehouse: str
    sku: str
    name: str
    on_hand: int
    reserved: int
    safety_stock: int
    quarantined: int
    incoming: int

    @property
    def available(self) -> int:
        """Available to sell: on hand - reserved - safety stock, never below zero."""
        return max(0, self.on_hand - self.reserved - self.safety_stock)


def warehouses(conn: Connection) -> list[AnyRow]:
    w, loc = WAREHOUSES.c, LOCATIONS.c
    bins = (select(func.count()).where(loc.warehouse_id == w.id, loc.kind == LocationKind.STORAGE)
            .correlate(WAREHOUSES).scalar_subquery())
    return list(conn.execute(select(w.id, w.code, w.name, w.city, w.country, w.active,
                                    bins.label("bins")).order_by(w.code)).all())


def search_locations(conn: Connection, f: LocationFilter,
                     limit: int = LOCATION_PAGE) -> tuple[list[AnyRow], str | None]:
    """A page of locations ordered by code, and the code to continue after (None on the last)."""
    loc, w = LOCATIONS.c, WAREHOUSES.c
    stmt = (select(loc.code, loc.name, loc.kind, loc.physical, loc.zone, loc.aisle, loc.bay,
                   loc.level, loc.active, w.code.label("warehouse"))
            .select_from(LOCATIONS.outerjoin(WAREHOUSES, w.id == loc.warehouse_id))
            .order_by(loc.code).limit(limit + 1))
    if f.warehouse:
        stmt = stmt.where(w.code == f.warehouse)
    if f.kind:
        stmt = stmt.where(loc.kind == f.kind)
    if f.q:
        stmt = stmt.where(or_(loc.code.icontains(f.q, autoescape=True),
                              loc.name.icontains(f.q, autoescape=True)))
    if f.after:
        stmt = stmt.where(loc.code > f.after)
    rows = list(conn.execute(stmt).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].code
    return rows, None


def _product_match(q: str) -> Any:
    p = PRODUCTS.c
    by_barcode = exists().where(BARCODES.c.product_id == p.id, BARCODES.c.code == q)
    return or_(p.sku.icontains(q, autoescape=True), p.name.icontains(q, autoescape=True),
               by_barcode)


def _levels_query(f: StockFilter) -> Select[Any]:
    lv, loc, w, p, lot = LEVELS.c, LOCATIONS.c, WAREHOUSES.c, PRODUCTS.c, LOTS.c
    joined = (LEVELS.join(LOCATIONS, loc.id == lv.location_id)
              .join(PRODUCTS, p.id == lv.sku_id)
              .outerjoin(WAREHOUSES, w.id == loc.warehouse_id)
              .outerjoin(LOTS, lot.id == lv.lot_id))
    stmt = (select(loc.code.label("location"), loc.kind, w.code.label("warehouse"), p.sku,
                   p.name, lot.code.label("lot"), lot.expiry_date, lv.on_hand, lv.reserved)
            .select_from(joined).where(or_(lv.on_hand != 0, lv.reserved != 0))
            .order_by(loc.code, p.sku, lv.lot_id))
    # A named location shows whatever it holds; otherwise only physical places (virtual
    # locations such as SUPPLIER run negative by design and are not stock on a shelf).
    stmt = stmt.where(loc.code == f.location if f.location else lv.physical.is_(True))
    if f.warehouse:
        stmt = stmt.where(w.code == f.warehouse)
    if f.lot:
        stmt = stmt.where(lot.code == f.lot)
    if f.sku_id is not None:
        stmt = stmt.where(lv.sku_id == f.sku_id)
    if f.q:
        stmt = stmt.where(_product_match(f.q))
    return stmt


def stock_levels(conn: Connection, f: StockFilter,
                 limit: int = STOCK_LIMIT) -> tuple[list[AnyRow], bool]:
    """Levels per location, SKU and lot (physical locations unless one is named); more?"""
    rows = list(conn.execute(_levels_query(f).limit(limit + 1)).all())
    return rows[:limit], len(rows) > limit


def stock_positions(conn: Connection, f: StockFilter, limit: int = STOCK_LIMIT) -> list[Position]:
    """Per warehouse and SKU (all lots): the buckets sales and planning read."""
    ps, w, p, st = POSITIONS.c, WAREHOUSES.c, PRODUCTS.c, SETTINGS.c
    joined = (POSITIONS.join(WAREHOUSES, w.id == ps.warehouse_id)
              .join(PRODUCTS, p.id == ps.sku_id)
              .outerjoin(SETTINGS, and_(st.warehouse_id == ps.warehouse_id,
                                        st.sku_id == ps.sku_id)))
    safety = func.coalesce(st.safety_stock, 0)
    stmt = (select(w.code, p.sku, p.name, func.sum(ps.on_hand), func.sum(ps.reserved),
                   safety, func.sum(ps.quarantined), func.sum(ps.incoming))
            .select_from(joined).group_by(w.code, p.sku, p.name, st.safety_stock)
            .having(or_(func.sum(ps.on_hand) != 0, func.sum(ps.quarantined) != 0,
                        func.sum(ps.incoming) != 0, func.sum(ps.reserved) != 0))
            .order_by(p.sku, w.code).limit(limit))
    if f.warehouse:
        stmt = stmt.where(w.code == f.warehouse)
    if f.sku_id is not None:
        stmt = stmt.where(ps.sku_id == f.sku_id)
    if f.q:
        stmt = stmt.where(_product_match(f.q))
    return [Position(r[0], r[1], r[2], *(int(v or 0) for v in r[3:]))
            for r in conn.execute(stmt).all()]


def overview_tiles(conn: Connection, viewer: Viewer) -> list[Tile]:
    if not viewer.can("inventory:read"):
        return []
    loc, ps, rs = LOCATIONS.c, POSITIONS.c, RESERVATIONS.c

    def scalar(stmt: Select[Any]) -> int:
        return int(conn.execute(stmt).scalar_one() or 0)

    return [
        Tile("Warehouses", scalar(select(func.count()).select_from(WAREHOUSES)), "/locations"),
        Tile("Bins", scalar(select(func.count()).select_from(LOCATIONS)
                            .where(loc.kind == LocationKind.STORAGE)), "/locations?kind=storage"),
        Tile("Units on hand", scalar(select(func.sum(ps.on_hand))), "/stock"),
        Tile("Open reservations", scalar(select(func.count()).select_from(RESERVATIONS)
                                         .where(rs.state == "active")), "/stock"),
    ]


def product_stock_section(conn: Connection, viewer: Viewer, product_id: int) -> Section | None:
    """The stock block on a product's page (added there by the dashboard assembly)."""
    if not viewer.can("inventory:read"):
        return None
    f = StockFilter(sku_id=product_id)
    levels, more = stock_levels(conn, f)
    return Section("Stock", "inventory/_stock_tables.html",
                   {"levels": levels, "more": more, "positions": stock_positions(conn, f),
                    "show_product": False})


@router.get("/locations", response_class=HTMLResponse)
def locations_page(request: Request, warehouse: str = "", kind: str = "", q: str = "",
                   after: str = "",
                   viewer: Viewer = Depends(page_user("inventory:read"))) -> Response:
    f = LocationFilter(warehouse=clean(warehouse, 16), kind=kind if kind in KINDS else "",
                       q=clean(q), after=clean(after, 64))
    with get_uow(request).read() as conn:
        houses = warehouses(conn)
        rows, next_after = search_locations(conn, f, LOCATION_PAGE)
    next_query = f.query_string(after=next_after) if next_after else None
    first_query = f.query_string(after="") if f.after else None
    return render(request, "inventory/locations.html", viewer, title="Locations",
                  active="locations", f=f, houses=houses, rows=rows, kinds=KINDS,
                  next_query=next_query, first_query=first_query)


@router.get("/stock", response_class=HTMLResponse)
def stock_page(request: Request, q: str = "", warehouse: str = "", location: str = "",
               lot: str = "", viewer: Viewer = Depends(page_user("inventory:read"))) -> Response:
    f = StockFilter(q=clean(q), warehouse=clean(warehouse, 16), location=clean(location, 64),
                    lot=clean(lot, 64))
    with get_uow(request).read() as conn:
        houses = warehouses(conn)
        levels, more = stock_levels(conn, f, STOCK_LIMIT)
        positions = stock_positions(conn, f, STOCK_LIMIT)
    return render(request, "inventory/stock.html", viewer, title="Stock", active="stock", f=f,
                  houses=houses, levels=levels, more=more, positions=positions,
                  show_product=True)
