"""What a scanner read: a product barcode (GTIN in any length, or a packaging unit's code)
or a SKU typed by hand. Picking and packing both resolve scans here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from backroom.catalog.model import gtin_forms
from backroom.catalog.tables import BARCODES, PACKAGINGS, PRODUCTS
from backroom.core.errors import ValidationFailed

B, P, PK = BARCODES.c, PRODUCTS.c, PACKAGINGS.c


@dataclass(frozen=True, slots=True)
class Scanned:
    product_id: int
    sku: str
    tracking: str
    weight_g: int
    units: int  # base units one scan stands for (a case barcode: its case quantity)


def resolve_scan(conn: Connection, barcode: str) -> Scanned | None:
    """The product a scanned barcode (GTIN in any zero-padding) or SKU code stands for."""
    code = (barcode or "").strip()
    cols = (P.id, P.sku, P.tracking, P.weight_g)
    row = conn.execute(select(*cols, B.packaging).join(BARCODES, B.product_id == P.id)
                       .where(B.code.in_(gtin_forms(code)))).first()
    if row is not None:
        units = conn.execute(select(PK.qty).where(PK.product_id == row.id,
                                                  PK.name == row.packaging)).scalar()
        return Scanned(row.id, row.sku, row.tracking, row.weight_g or 0, int(units or 1))
    by_sku = conn.execute(select(*cols).where(P.sku == code)).first()
    if by_sku is None:
        return None
    return Scanned(by_sku.id, by_sku.sku, by_sku.tracking, by_sku.weight_g or 0, 1)


def identify(conn: Connection, code: str) -> Scanned:
    """Like ``resolve_scan``, but an unknown or empty scan is a clear 422."""
    if not (code or "").strip():
        raise ValidationFailed.single("barcode", code, "nothing was scanned")
    found = resolve_scan(conn, code)
    if found is None:
        raise ValidationFailed.single("barcode", code.strip(),
                                      "is not a barcode or SKU of any product")
    return found
