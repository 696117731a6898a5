"""Row values of orders and lines built from a draft, and the outcome of one import."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, insert

from backroom.orders.drafts import AddressDraft, LineDraft, OrderDraft
from backroom.orders.tables import ORDER_LINES


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str  # new | updated | unchanged | stale | duplicate
    external_id: str
    order_id: int | None = None
    number: str = ""
    state: str | None = None
    holds: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # changes refused (e.g. already shipped)

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "external_id": self.external_id,
                "order_id": self.order_id, "number": self.number, "state": self.state,
                "holds": self.holds, "ignored": self.ignored}


def header_values(draft: OrderDraft) -> dict[str, Any]:
    return {"email": draft.email[:200], "customer_name": draft.customer_name[:200],
            "promised_date": draft.promised_date, "fx_rate": draft.fx_rate,
            "cancel_reason": draft.cancel_reason[:200] if draft.cancelled else ""}


def address_values(address: AddressDraft) -> dict[str, Any]:
    return {"ship_name": address.name, "ship_company": address.company,
            "ship_line1": address.line1, "ship_line2": address.line2,
            "ship_city": address.city, "ship_region": address.region,
            "ship_postal_code": address.postal_code, "ship_country": address.country,
            "ship_phone": address.phone}


def money_values(draft: OrderDraft) -> dict[str, Any]:
    pay = draft.payment
    return {"subtotal_minor": draft.subtotal_minor, "discount_minor": draft.discount_minor,
            "shipping_minor": draft.shipping_minor,
            "shipping_tax_minor": draft.shipping_tax_minor, "tax_minor": draft.tax_minor,
            "other_minor": draft.other_minor, "total_minor": draft.total_minor,
            "taxes_included": draft.taxes_included, "authorized_minor": pay.authorized_minor,
            "paid_minor": pay.paid_minor, "refunded_minor": pay.refunded_minor,
            "payment_fee_minor": pay.fee_minor}


def line_values(line: LineDraft, product_id: int | None) -> dict[str, Any]:
    return {"external_id": line.external_id[:64], "product_id": product_id,
            "channel_sku": line.channel_sku[:128], "variant_ref": line.variant_ref[:128],
            "name": line.name[:255], "requires_shipping": line.requires_shipping,
            "unit_price_minor": line.unit_price_minor, "gross_minor": line.gross_minor,
            "discount_minor": line.discount_minor, "tax_minor": line.tax_minor}


def insert_lines(conn: Connection, order_id: int, lines: list[LineDraft],
                 products: dict[str, int], start: int = 1, *,
                 cancelled: bool = False) -> list[int]:
    return insert_ids(conn, ORDER_LINES, line_rows(order_id, lines, products, start,
                                                   cancelled=cancelled))


def line_rows(order_id: int, lines: list[LineDraft], products: dict[str, int], start: int = 1,
              *, cancelled: bool = False) -> list[dict[str, Any]]:
    """The ``order_lines`` rows of ``lines`` (positions from ``start``)."""
    return [{"order_id": order_id, "position": start + i, "qty": ln.qty,
             "qty_cancelled": ln.qty if cancelled else 0,
             "qty_reserved": 0, "qty_shipped": 0, "qty_returned": 0, "qty_backordered": 0,
             **line_values(ln, products.get(ln.external_id))}
            for i, ln in enumerate(lines)]


def insert_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert a few rows (an order's lines or holds) and return their ids, in order: one
    statement on PostgreSQL, one cached INSERT … RETURNING per row on SQLite (orders have a
    handful of lines; this is cheaper there than finding free ids first)."""
    if not rows:
        return []
    stmt = _returning(table)
    if conn.dialect.name == "postgresql":
        return [int(i) for i in conn.execute(stmt, rows).scalars().all()]
    return [int(conn.execute(stmt, row).scalar_one()) for row in rows]


@cache
def _returning(table: Table) -> Any:
    (pk,) = table.primary_key.columns
    return insert(table).returning(pk, sort_by_parameter_order=True)
