"""Read side of the catalog: product views, keyset listing, barcode lookup, loading specs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    any_,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import ARRAY

from backroom.catalog.model import BarcodeSpec, ProductSpec, Tracking, gtin_forms, gtin_key
from backroom.catalog.tables import BARCODES, PACKAGINGS, PRODUCTS
from backroom.core.money import from_minor

CHUNK = 1000
_P = PRODUCTS.c
_B = BARCODES.c
_K = PACKAGINGS.c

# Inventory owns this table; the catalog only peeks at it to refuse a tracking change while a
# SKU has stock. Declared here by name so the catalog does not import the inventory area.
_STOCK_LEVELS = table("stock_levels", column("sku_id", Integer), column("on_hand", Integer),
                      column("physical", Boolean))


@dataclass(frozen=True, slots=True)
class StoredProduct:
    id: int
    spec: ProductSpec


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def among(conn: Connection, col: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """``col IN (values)``; on PostgreSQL one array parameter instead of one per value, which
    keeps big batches cheap for the driver."""
    if conn.dialect.name == "postgresql":
        return col == any_(literal(list(values), ARRAY(col.type)))
    return col.in_(values)


# ---------------------------------------------------------------------------------------------
# Views (what the API, the CLI and the export show)


def get_product(conn: Connection, sku: str, currency: str) -> dict[str, Any] | None:
    """The product with code ``sku`` with its barcodes and packagings, or ``None``."""
    views = _views(conn, select(PRODUCTS).where(_P.sku == sku), currency)
    return views[0] if views else None


def list_products(conn: Connection, currency: str, *, search: str | None = None,
                  active: bool | None = None, limit: int = 50,
                  after_sku: str | None = None) -> list[dict[str, Any]]:
    """Products ordered by SKU, at most ``limit``, starting after ``after_sku`` (keyset)."""
    query = select(PRODUCTS)
    conditions: list[ColumnElement[bool]] = []
    if search:
        conditions.append(_search_condition(search))
    if active is not None:
        conditions.append(_P.active == active)
    if after_sku is not None:
        conditions.append(_P.sku > after_sku)
    if conditions:
        query = query.where(and_(*conditions))
    return _views(conn, query.order_by(_P.sku).limit(limit), currency)


def iter_products(conn: Connection, currency: str, batch: int = CHUNK) -> Iterator[dict[str, Any]]:
    """Every product in SKU order, read a page at a time."""
    after: str | None = None
    while True:
        page = list_products(conn, currency, limit=batch, after_sku=after)
        yield from page
        if len(page) < batch:
            return
        after = page[-1]["sku"]


def find_by_barcode(conn: Connection, code: str, currency: str) -> dict[str, Any] | None:
    """The product a scanned ``code`` identifies, with the packaging and units it stands for.

    Leading zeros do not matter: a UPC-A scan finds the same product as its EAN-13 form.
    """
    row = conn.execute(select(_B.code, _B.packaging, _P.sku)
                       .join(PRODUCTS, _P.id == _B.product_id)
                       .where(_B.code.in_(gtin_forms(code.strip())))).first()
    if row is None:
        return None
    product = get_product(conn, row.sku, currency)
    if product is None:  # pragma: no cover - deleted between the two reads
        return None
    qty = next(p["qty"] for p in product["packagings"] if p["name"] == row.packaging)
    return {"code": row.code, "packaging": row.packaging, "qty": qty, "product": product}


def _search_condition(search: str) -> ColumnElement[bool]:
    escaped = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    by_barcode = exists().where(_B.product_id == _P.id, _B.code.in_(gtin_forms(search.strip())))
    return or_(func.lower(_P.sku).like(pattern, escape="\\"),
               func.lower(_P.name).like(pattern, escape="\\"), by_barcode)


def _views(conn: Connection, query: Select[Any], currency: str) -> list[dict[str, Any]]:
    rows = conn.execute(query).all()
    ids = [r.id for r in rows]
    barcodes, packagings = _children(conn, ids)
    return [_view(r._mapping, barcodes[r.id], packagings[r.id], currency) for r in rows]


def _children(conn: Connection, ids: Sequence[int]
              ) -> tuple[dict[int, list[BarcodeSpec]], dict[int, dict[str, int]]]:
    barcodes: dict[int, list[BarcodeSpec]] = defaultdict(list)
    packagings: dict[int, dict[str, int]] = defaultdict(dict)
    for part in chunks(ids):
        for b in conn.execute(select(_B.product_id, _B.code, _B.packaging)
                              .where(among(conn, _B.product_id, part))
                              .order_by(_B.id)):
            barcodes[b.product_id].append(BarcodeSpec(b.code, b.packaging))
        for k in conn.execute(select(_K.product_id, _K.name, _K.qty)
                              .where(among(conn, _K.product_id, part))):
            packagings[k.product_id][k.name] = k.qty
    return barcodes, packagings


def _view(row: Any, barcodes: list[BarcodeSpec], packagings: dict[str, int],
          currency: str) -> dict[str, Any]:
    cost = row["standard_cost_minor"]
    units = [{"name": "each", "qty": 1}]
    units += [{"name": n, "qty": packagings[n]} for n in ("inner", "case") if n in packagings]
    return {
        "id": row["id"], "sku": row["sku"], "name": row["name"],
        "description": row["description"],
        "barcodes": [{"code": b.code, "packaging": b.packaging} for b in barcodes],
        "length_mm": row["length_mm"], "width_mm": row["width_mm"],
        "height_mm": row["height_mm"], "weight_g": row["weight_g"],
        "tracking": row["tracking"], "shelf_life_days": row["shelf_life_days"],
        "inner_qty": packagings.get("inner"), "case_qty": packagings.get("case"),
        "packagings": units,
        "standard_cost": None if cost is None else str(from_minor(cost, currency)),
        "currency": currency, "active": row["active"],
        "created_at": row["created_at"], "updated_at": row["updated_at"],
    }


# ---------------------------------------------------------------------------------------------
# Loading for the write side


def load_specs(conn: Connection, skus: Iterable[str], *, lock: bool = False
               ) -> dict[str, StoredProduct]:
    """The stored spec of each of ``skus`` that exists, by SKU.

    With ``lock`` the rows are locked for update (PostgreSQL), always in SKU order so that
    concurrent writers cannot deadlock; SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    wanted = sorted(set(skus))
    out: dict[str, StoredProduct] = {}
    for part in chunks(wanted):
        query = select(PRODUCTS).where(among(conn, _P.sku, part)).order_by(_P.sku)
        rows = conn.execute(query.with_for_update() if lock else query).all()
        barcodes, packagings = _children(conn, [r.id for r in rows])
        for r in rows:
            out[r.sku] = StoredProduct(r.id, _spec(r, barcodes[r.id], packagings[r.id]))
    return out


def _spec(row: Any, barcodes: list[BarcodeSpec], packagings: dict[str, int]) -> ProductSpec:
    return ProductSpec(
        sku=row.sku, name=row.name, description=row.description, barcodes=tuple(barcodes),
        length_mm=row.length_mm, width_mm=row.width_mm, height_mm=row.height_mm,
        weight_g=row.weight_g, tracking=Tracking(row.tracking),
        shelf_life_days=row.shelf_life_days, inner_qty=packagings.get("inner"),
        case_qty=packagings.get("case"), standard_cost_minor=row.standard_cost_minor,
        active=bool(row.active))


def barcode_owners(conn: Connection, codes: Iterable[str]) -> dict[str, tuple[int, str]]:
    """For each stored barcode equal to one of ``codes`` (up to leading zeros):
    its 14-digit key -> (product id, SKU)."""
    forms = sorted({form for code in codes for form in gtin_forms(code)})
    out: dict[str, tuple[int, str]] = {}
    for part in chunks(forms):
        rows = conn.execute(select(_B.code, _B.product_id, _P.sku)
                            .join(PRODUCTS, _P.id == _B.product_id)
                            .where(among(conn, _B.code, part)))
        for r in rows:
            out[gtin_key(r.code)] = (r.product_id, r.sku)
    return out


def ids_with_stock(conn: Connection, product_ids: Iterable[int]) -> set[int]:
    """Which of ``product_ids`` have stock on hand in a physical location."""
    s = _STOCK_LEVELS.c
    wanted = sorted(set(product_ids))
    found: set[int] = set()
    for part in chunks(wanted):
        found.update(conn.execute(select(s.sku_id).distinct().where(
            among(conn, s.sku_id, part), s.physical.is_(True), s.on_hand != 0)).scalars())
    return found
