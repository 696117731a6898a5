"""Backroom's own order JSON (``POST /api/v1/orders``) → ``OrderDraft``. Pure.

Amounts are decimal strings in the order currency ("12.50"), never floats::

    {"external_id": "WEB-1001", "currency": "USD", "email": "ann@example.com",
     "ship_to": {"name": "Ann Lee", "line1": "1 Main St", "city": "Springfield",
                 "region": "IL", "postal_code": "62701", "country": "US"},
     "lines": [{"sku": "MUG-1", "qty": 2, "unit_price": "12.50", "discount": "1.00",
                "tax": "1.84"}],
     "shipping": "4.90", "discount": "2.00", "total": "…",
     "payment": {"status": "paid", "fee": "0.59"}}

``discount`` on the order is spread over the lines; ``total`` is checked if given.
"""

from __future__ import annotations

from typing import Any

from backroom.core.errors import ValidationFailed
from backroom.orders.drafts import (
    AddressDraft,
    LineDraft,
    OrderDraft,
    PaymentDraft,
    Reader,
    checked,
    computed_total,
    spread_discount,
)

ADDRESS_FIELDS = ("name", "company", "line1", "line2", "city", "region", "postal_code",
                  "country", "phone")
PAYMENT_STATUSES = ("paid", "authorized", "pending")


def _line(r: Reader, item: dict[str, Any], i: int) -> LineDraft:
    where = f"lines[{i}]"
    qty = r.qty(item.get("qty"), f"{where}.qty")
    unit = r.money(item.get("unit_price"), f"{where}.unit_price")
    return LineDraft(
        external_id=r.text(item.get("external_id") or str(i + 1), f"{where}.external_id",
                           limit=64),
        channel_sku=r.text(item.get("sku"), f"{where}.sku", limit=128, required=True),
        qty=qty, unit_price_minor=unit, gross_minor=unit * qty,
        discount_minor=r.money(item.get("discount"), f"{where}.discount", required=False),
        tax_minor=r.money(item.get("tax"), f"{where}.tax", required=False),
        name=r.text(item.get("name"), f"{where}.name"),
        requires_shipping=item.get("requires_shipping") is not False, where=where)


def _payment(r: Reader, data: Any, total: int) -> PaymentDraft:
    data = data if isinstance(data, dict) else {}
    status = data.get("status") or "paid"
    fee = r.money(data.get("fee"), "payment.fee", required=False)
    if status not in PAYMENT_STATUSES:
        r.add("payment.status", "must be one of " + ", ".join(PAYMENT_STATUSES), status)
    if status == "authorized":
        return PaymentDraft(authorized_minor=total, fee_minor=fee)
    if status == "pending":
        return PaymentDraft(fee_minor=fee)
    return PaymentDraft(paid_minor=total, fee_minor=fee)


def parse_order(data: dict[str, Any]) -> OrderDraft:
    r = Reader("")
    currency = r.currency_code(data.get("currency"), "currency")
    items = data.get("lines") or []
    lines = [_line(r, item, i) for i, item in enumerate(items) if isinstance(item, dict)]
    lines = spread_discount(r, lines, r.money(data.get("discount"), "discount",
                                              required=False), "discount")
    shipping = r.money(data.get("shipping"), "shipping", required=False)
    ship_tax = r.money(data.get("shipping_tax"), "shipping_tax", required=False)
    included = data.get("taxes_included") is True
    subtotal = sum(ln.gross_minor for ln in lines)
    discount = sum(ln.discount_minor for ln in lines)
    tax = sum(ln.tax_minor for ln in lines) + ship_tax
    expected = computed_total(subtotal, discount, shipping, tax, 0, included)
    total = r.money(data["total"], "total") if data.get("total") not in (None, "") else expected
    address = data.get("ship_to")
    draft = OrderDraft(
        external_id=r.text(data.get("external_id"), "external_id", limit=64, required=True),
        currency=currency, lines=tuple(lines),
        number=r.text(data.get("number"), "number", limit=64),
        email=r.text(data.get("email"), "email", limit=200),
        customer_name=r.text(data.get("customer_name"), "customer_name", limit=200),
        ship_to=AddressDraft(**{f: str(address.get(f) or "") for f in ADDRESS_FIELDS})
        if isinstance(address, dict) else None,
        placed_at=r.when(data.get("placed_at"), "placed_at"),
        updated_at=r.when(data.get("updated_at"), "updated_at"),
        subtotal_minor=subtotal, discount_minor=discount, shipping_minor=shipping,
        shipping_tax_minor=ship_tax, tax_minor=tax, total_minor=total,
        taxes_included=included, payment=_payment(r, data.get("payment"), total),
        promised_date=r.day(data.get("promised_date"), "promised_date"),
        labels={"lines": "lines"})
    if not isinstance(items, list):
        r.add("lines", "must be a list")
    r.problems.raise_if_any()
    return checked(draft)


def parse_json_order(data: Any) -> OrderDraft:
    if not isinstance(data, dict):
        raise ValidationFailed.single("order", None, "must be an order object")
    return parse_order(data)
