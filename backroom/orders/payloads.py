"""Payloads of ``order.paid`` and ``order.refunded`` in the shape accounting posts from
(docs/accounting.md): decimal strings in ``currency``, ``rate`` = base-currency units per unit
of ``currency`` ("1" for the base currency, absent if unknown), and amounts that balance:
``total = subtotal − discount + shipping + tax`` (paid) and ``total = subtotal + shipping +
tax`` (refunded).

Backroom's own order keeps more detail than that equation: other charges (WooCommerce fees,
Shopify tips) are sales, so they are part of ``subtotal``; with tax-inclusive prices the tax
inside line and shipping prices is taken out of ``subtotal`` and ``shipping`` so it is not
counted twice.
"""

from __future__ import annotations

from typing import Any

from backroom.core.money import allocate, from_minor
from backroom.core.settings import get_settings


def _split(order: Any) -> tuple[int, int, int, int]:
    """(sales before discount, discount, shipping, tax) in minor units, tax excluded."""
    line_tax = order.tax_minor - order.shipping_tax_minor
    included = bool(order.taxes_included)
    sales = order.subtotal_minor + order.other_minor - (line_tax if included else 0)
    shipping = order.shipping_minor - (order.shipping_tax_minor if included else 0)
    return sales, order.discount_minor, shipping, order.tax_minor


def _rate(order: Any) -> dict[str, str]:
    if order.fx_rate:
        return {"rate": str(order.fx_rate)}
    return {"rate": "1"} if order.currency == get_settings().base_currency.upper() else {}


def paid_payload(order: Any) -> dict[str, Any]:
    """``order.paid`` (without ``order_id``, which ``emit`` adds)."""
    sales, discount, shipping, tax = _split(order)
    cur = order.currency
    return {"number": order.number, "currency": cur,
            "total": str(from_minor(order.total_minor, cur)),
            "subtotal": str(from_minor(sales, cur)), "discount": str(from_minor(discount, cur)),
            "shipping": str(from_minor(shipping, cur)), "tax": str(from_minor(tax, cur)),
            "payment_fee": str(from_minor(order.payment_fee_minor, cur)), **_rate(order)}


def refund_payload(order: Any, amount: int) -> dict[str, Any]:
    """``order.refunded`` for ``amount`` minor units refunded by the channel, split over sales,
    shipping and tax in proportion to what the order charged for each (exactly, to the cent)."""
    sales, discount, shipping, tax = _split(order)
    parts = allocate(amount, [max(sales - discount, 0), max(shipping, 0), max(tax, 0)])
    cur = order.currency
    return {"number": order.number, "currency": cur, "total": str(from_minor(amount, cur)),
            "subtotal": str(from_minor(parts[0], cur)),
            "shipping": str(from_minor(parts[1], cur)), "tax": str(from_minor(parts[2], cur)),
            **_rate(order)}
