"""Dashboard pages of the catalog: the product list (search, filter, keyset pages) and details.

Read-only; queries are Core selects on the catalog's own tables, parameterized throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection, and_, exists, func, or_, select

from backroom.api.deps import get_uow
from backroom.catalog.tables import BARCODES, PACKAGINGS, PRODUCTS
from backroom.core.money import from_minor
from backroom.core.settings import get_settings
from backroom.web.auth import PageError, Viewer, page_user
from backroom.web.render import AnyRow, Section, Tile, clean, extensions, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
ACTIVE_CHOICES = ("active", "inactive", "all")


@dataclass(frozen=True, slots=True)
class ProductFilter:
    q: str = ""
    active: str = "active"
    after: str = ""

    def query_string(self, **override: str) -> dict[str, str]:
        values = {"q": self.q, "active": self.active, "after": self.after, **override}
        return {k: v for k, v in values.items() if v}


def search_products(conn: Connection, f: ProductFilter,
                    limit: int = PAGE_SIZE) -> tuple[list[AnyRow], str | None]:
    """A page of products ordered by SKU, and the SKU to continue after (None on the last)."""
    p = PRODUCTS.c
    stmt = select(p.id, p.sku, p.name, p.tracking, p.weight_g, p.length_mm, p.width_mm,
                  p.height_mm, p.active).order_by(p.sku).limit(limit + 1)
    if f.q:
        by_barcode = exists().where(BARCODES.c.product_id == p.id, BARCODES.c.code == f.q)
        stmt = stmt.where(or_(p.sku.icontains(f.q, autoescape=True),
                              p.name.icontains(f.q, autoescape=True), by_barcode))
    if f.active != "all":
        stmt = stmt.where(p.active.is_(f.active == "active"))
    if f.after:
        stmt = stmt.where(p.sku > f.after)
    rows = list(conn.execute(stmt).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].sku
    return rows, None


def product_by_sku(conn: Connection, sku: str) -> AnyRow | None:
    return conn.execute(select(PRODUCTS).where(PRODUCTS.c.sku == sku)).first()


def product_barcodes(conn: Connection, product_id: int) -> list[AnyRow]:
    """Barcodes, smallest packaging unit first (each, then inner, then case)."""
    b, k = BARCODES.c, PACKAGINGS.c
    units = BARCODES.outerjoin(PACKAGINGS, and_(k.product_id == b.product_id,
                                                k.name == b.packaging))
    return list(conn.execute(select(b.code, b.packaging, k.qty).select_from(units)
                             .where(b.product_id == product_id)
                             .order_by(func.coalesce(k.qty, 1), b.code)).all())


def product_packagings(conn: Connection, product_id: int) -> list[AnyRow]:
    k = PACKAGINGS.c
    return list(conn.execute(select(k.name, k.qty).where(k.product_id == product_id)
                             .order_by(k.qty, k.name)).all())


def overview_tiles(conn: Connection, viewer: Viewer) -> list[Tile]:
    if not viewer.can("catalog:read"):
        return []
    p = PRODUCTS.c
    active = conn.execute(select(func.count()).select_from(PRODUCTS)
                          .where(p.active.is_(True))).scalar_one()
    return [Tile("Active products", int(active), "/products")]


def _cost(minor: int | None) -> str:
    if minor is None:
        return ""
    currency = get_settings().base_currency
    return f"{from_minor(minor, currency)} {currency}"


@router.get("/products", response_class=HTMLResponse)
def products_page(request: Request, q: str = "", active: str = "active", after: str = "",
                  viewer: Viewer = Depends(page_user("catalog:read"))) -> Response:
    f = ProductFilter(q=clean(q), active=active if active in ACTIVE_CHOICES else "active",
                      after=clean(after, 64))
    with get_uow(request).read() as conn:
        rows, next_after = search_products(conn, f, PAGE_SIZE)
    next_query = f.query_string(after=next_after) if next_after else None
    first_query = f.query_string(after="") if f.after else None
    return render(request, "catalog/products.html", viewer, title="Products", active="products",
                  f=f, rows=rows, next_query=next_query, first_query=first_query,
                  choices=ACTIVE_CHOICES)


@router.get("/products/{sku:path}", response_class=HTMLResponse)
def product_page(request: Request, sku: str,
                 viewer: Viewer = Depends(page_user("catalog:read"))) -> Response:
    sections: list[Section] = []
    with get_uow(request).read() as conn:
        product = product_by_sku(conn, sku) if clean(sku, 64) == sku else None
        if product is None:
            raise PageError(404, "Product not found",
                            f"There is no product with SKU '{sku}'.", viewer)
        barcodes = product_barcodes(conn, product.id)
        packagings = product_packagings(conn, product.id)
        for provider in extensions(request).product_sections:
            section = provider(conn, viewer, product.id)
            if section is not None:
                sections.append(section)
    return render(request, "catalog/product.html", viewer, title=product.sku, active="products",
                  product=product, barcodes=barcodes, packagings=packagings, sections=sections,
                  cost=_cost(product.standard_cost_minor))
