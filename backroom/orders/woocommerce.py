"""WooCommerce's REST API order JSON (``/wp-json/wc/v3/orders``, also the body of its
``order.created`` / ``order.updated`` webhooks) → ``OrderDraft``. Pure.

Fields used (decimal strings in the order currency):

- ``id`` (the key), ``number``, ``status``, ``currency``, ``date_created_gmt``,
  ``date_modified_gmt`` (stale updates are ignored), ``date_paid_gmt``, ``billing``
  (email, name; also the ship-to when ``shipping`` is empty), ``shipping``, ``refunds[].total``;
- ``line_items[]``: ``id``, ``sku``, ``product_id``/``variation_id``, ``name``, ``quantity``,
  ``subtotal`` (before coupons), ``total`` (after coupons), ``total_tax``;
- ``shipping_total``, ``shipping_tax``, ``fee_lines[].total``/``total_tax``, ``discount_total``,
  ``cart_tax``, ``total_tax``, ``total``: checked exactly against the lines.

WooCommerce reports line amounts without tax even when the shop enters prices with tax
(``prices_include_tax``); the order ``total`` then adds the tax, so Backroom stores these
orders with ``taxes_included`` false. Statuses: ``processing``/``completed`` paid,
``pending``/``on-hold``/``failed`` awaiting payment (held), ``cancelled``/``trash``
cancelled, ``refunded`` paid and refunded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from backroom.core.errors import ValidationFailed
from backroom.core.money import round_minor, to_minor
from backroom.orders.drafts import (
    AddressDraft,
    LineDraft,
    OrderDraft,
    PaymentDraft,
    Reader,
    checked,
)

LABELS = {"external_id": "id", "subtotal": "line_items[].subtotal", "discount": "discount_total",
          "tax": "total_tax", "total": "total", "lines": "line_items", "currency": "currency"}
TOPICS = frozenset({"order.created", "order.updated", "order.deleted", "order.restored"})
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
            "trash", "checkout-draft")
_PAID = ("processing", "completed", "refunded")


def orders_in(data: Any) -> list[Any]:
    """The orders of a file: one order object or a list (as ``GET /orders`` returns)."""
    return list(data) if isinstance(data, list) else [data]


def _line(r: Reader, item: Any, i: int) -> LineDraft | None:
    where = f"line_items[{i}]"
    if not isinstance(item, dict):
        r.add(where, "must be an object")
        return None
    qty = r.qty(item.get("quantity"), f"{where}.quantity")
    subtotal = r.money(item.get("subtotal"), f"{where}.subtotal")
    total = r.money(item.get("total"), f"{where}.total")
    tax = r.money(item.get("total_tax"), f"{where}.total_tax", required=False)
    if total > subtotal:
        r.add(f"{where}.total", f"is more than the line's subtotal {item.get('subtotal')} "
              "(a discount cannot add to the price)", item.get("total"))
    _check_taxes(r, item.get("taxes"), tax, where)
    product = item.get("variation_id") or item.get("product_id")
    return LineDraft(
        external_id=r.text(item.get("id"), f"{where}.id", limit=64, required=True),
        channel_sku=r.text(item.get("sku"), f"{where}.sku", limit=128), qty=qty,
        unit_price_minor=round_minor(Decimal(subtotal) / qty) if qty else 0,
        gross_minor=subtotal, discount_minor=max(subtotal - total, 0), tax_minor=tax,
        name=r.text(item.get("name"), f"{where}.name"),
        variant_ref=f"product:{product}" if product else "", where=where)


def _check_taxes(r: Reader, taxes: Any, tax: int, where: str) -> None:
    """The line's ``total_tax`` must equal its ``taxes[].total`` (when those are stated to the
    cent; WooCommerce may keep unrounded per-rate taxes, which are not compared)."""
    if not isinstance(taxes, list) or not taxes:
        return
    try:
        parts = [to_minor(str(t.get("total") or "0"), r.currency) for t in taxes
                 if isinstance(t, dict)]
    except ValidationFailed:
        return
    if sum(parts) != tax:
        r.add(f"{where}.total_tax", "does not match the sum of the line's taxes[].total",
              str(tax))


def _fees(r: Reader, fees: Any) -> tuple[int, int]:
    total = tax = 0
    for i, fee in enumerate(fees if isinstance(fees, list) else []):
        if isinstance(fee, dict):
            total += r.money(fee.get("total"), f"fee_lines[{i}].total")
            tax += r.money(fee.get("total_tax"), f"fee_lines[{i}].total_tax", required=False)
    return total, tax


def _shipping(r: Reader, data: dict[str, Any]) -> int:
    shipping = r.money(data.get("shipping_total"), "shipping_total", required=False)
    lines = data.get("shipping_lines") or []
    listed = sum(r.money(s.get("total"), f"shipping_lines[{i}].total")
                 for i, s in enumerate(lines) if isinstance(s, dict))
    if lines and listed != shipping:
        r.add("shipping_total", "does not match the sum of shipping_lines[].total",
              data.get("shipping_total"))
    return shipping


def _address(shipping: Any, billing: Any) -> AddressDraft | None:
    source = shipping if isinstance(shipping, dict) and shipping.get("address_1") else billing
    if not isinstance(source, dict) or not source.get("address_1"):
        return None
    name = " ".join(str(p) for p in (source.get("first_name"), source.get("last_name")) if p)
    return AddressDraft(
        name=name, company=str(source.get("company") or ""),
        line1=str(source.get("address_1") or ""), line2=str(source.get("address_2") or ""),
        city=str(source.get("city") or ""), region=str(source.get("state") or ""),
        postal_code=str(source.get("postcode") or ""), country=str(source.get("country") or ""),
        phone=str(source.get("phone") or ""))


def _payment(r: Reader, data: dict[str, Any], status: str, total: int) -> PaymentDraft:
    paid = status in _PAID or bool(data.get("date_paid_gmt") or data.get("date_paid"))
    refunded = 0
    for i, refund in enumerate(data.get("refunds") or []):
        if isinstance(refund, dict):
            refunded += abs(r.signed_money(refund.get("total"), f"refunds[{i}].total"))
    if status == "refunded" and refunded == 0:
        refunded = total
    if not paid:
        return PaymentDraft()
    return PaymentDraft(paid_minor=total, refunded_minor=min(refunded, total))


def parse_order(data: Any) -> OrderDraft:
    """A WooCommerce order as an ``OrderDraft``, or ``ValidationFailed`` naming every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed.single("order", None, "must be a WooCommerce order object")
    r = Reader("")
    currency = r.currency_code(data.get("currency"), "currency")
    status = data.get("status") or "pending"
    if status not in STATUSES:
        r.add("status", "must be one of " + ", ".join(STATUSES), status)
    items = data.get("line_items")
    if not isinstance(items, list):
        r.add("line_items", "must be a list of line items")
        items = []
    lines = [ln for i, item in enumerate(items) if (ln := _line(r, item, i)) is not None]
    shipping = _shipping(r, data)
    fees, fee_tax = _fees(r, data.get("fee_lines"))
    total = r.money(data.get("total"), "total")
    billing: dict[str, Any] = data["billing"] if isinstance(data.get("billing"), dict) else {}
    draft = OrderDraft(
        external_id=r.text(data.get("id"), "id", limit=64, required=True), currency=currency,
        lines=tuple(lines), number=r.text(data.get("number"), "number", limit=64),
        email=r.text(billing.get("email"), "billing.email", limit=200),
        customer_name=" ".join(str(p) for p in (billing.get("first_name"),
                                                billing.get("last_name")) if p)[:200],
        ship_to=_address(data.get("shipping"), billing),
        placed_at=r.when(data.get("date_created_gmt"), "date_created_gmt", assume_utc=True),
        updated_at=r.when(data.get("date_modified_gmt"), "date_modified_gmt", assume_utc=True),
        subtotal_minor=sum(ln.gross_minor for ln in lines),
        discount_minor=r.money(data.get("discount_total"), "discount_total", required=False),
        shipping_minor=shipping,
        shipping_tax_minor=r.money(data.get("shipping_tax"), "shipping_tax", required=False)
        + fee_tax,
        tax_minor=r.money(data.get("total_tax"), "total_tax", required=False),
        other_minor=fees, total_minor=total, taxes_included=False,
        payment=_payment(r, data, status, total), cancelled=status in ("cancelled", "trash"),
        cancel_reason=f"WooCommerce status {status}" if status in ("cancelled", "trash") else "",
        labels=LABELS)
    r.problems.raise_if_any(_summary(data, r))
    return checked(draft)


def deleted_id(data: Any) -> str | None:
    """The order id of an ``order.deleted`` webhook body (``{"id": 123}``)."""
    if isinstance(data, dict) and set(data) == {"id"} and data["id"] not in (None, ""):
        return str(data["id"])
    return None


def _summary(data: dict[str, Any], r: Reader) -> str:
    head = f"WooCommerce order {data.get('id')!r}: " if data.get("id") is not None else ""
    return head + "; ".join(str(p) for p in r.problems.problems[:5])
