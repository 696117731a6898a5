"""Shopify's order JSON (REST Admin API ``Order``, as sent by the ``orders/create``,
``orders/updated`` and ``orders/cancelled`` webhooks) → ``OrderDraft``. Pure.

Fields used (shop currency amounts, decimal strings):

- ``id`` (the key), ``name`` ("#1001"), ``email``/``contact_email``, ``customer``,
  ``currency``, ``processed_at``/``created_at``, ``updated_at`` (stale updates are ignored),
  ``cancelled_at``/``cancel_reason``, ``financial_status``, ``total_outstanding``, ``refunds``;
- ``line_items[]``: ``id``, ``sku``, ``variant_id``, ``name``/``title``, ``quantity`` (or
  ``current_quantity`` after order edits), ``price`` (unit), ``discount_allocations[].amount``
  (else ``total_discount``), ``tax_lines[].price``, ``requires_shipping``;
- ``shipping_lines[]``: ``price``, ``discounted_price`` (else price − ``discount_allocations``),
  ``tax_lines[].price``; ``total_tip_received`` (kept as other charges);
- totals checked exactly: ``total_line_items_price`` = Σ price × quantity, ``subtotal_price`` =
  that − line discounts, ``total_tax`` = Σ line and shipping taxes, ``total_price`` = subtotal +
  shipping + tips (+ tax unless ``taxes_included``).
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
)

LABELS = {"external_id": "id", "subtotal": "total_line_items_price", "tax": "total_tax",
          "total": "total_price", "lines": "line_items", "discount": "total_discounts",
          "currency": "currency"}
TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled", "orders/paid",
                    "orders/edited", "orders/fulfilled", "orders/partially_fulfilled"})
_STATUSES = ("pending", "authorized", "partially_paid", "paid", "partially_refunded",
             "refunded", "voided", "expired")


def orders_in(data: Any) -> list[Any]:
    """The orders of a file: one order, ``{"order": …}``, ``{"orders": […]}`` or a list."""
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        return list(data["orders"])
    if isinstance(data, dict) and isinstance(data.get("order"), dict):
        return [data["order"]]
    return list(data) if isinstance(data, list) else [data]


def _sum(r: Reader, items: Any, key: str, where: str) -> int:
    if items is None:
        return 0
    if not isinstance(items, list):
        r.add(where, "must be a list", None)
        return 0
    return sum(r.money(item.get(key) if isinstance(item, dict) else None, f"{where}[{i}].{key}")
               for i, item in enumerate(items))


def _line(r: Reader, item: Any, i: int) -> LineDraft | None:
    where = f"line_items[{i}]"
    if not isinstance(item, dict):
        r.add(where, "must be an object")
        return None
    quantity = r.qty(item.get("quantity"), f"{where}.quantity")
    current = item.get("current_quantity")
    qty = quantity if current is None else r.qty(current, f"{where}.current_quantity")
    unit = r.money(item.get("price"), f"{where}.price")
    allocations = item.get("discount_allocations")
    discount = (_sum(r, allocations, "amount", f"{where}.discount_allocations") if allocations
                else r.money(item.get("total_discount"), f"{where}.total_discount",
                             required=False))
    variant = item.get("variant_id")
    return LineDraft(
        external_id=r.text(item.get("id"), f"{where}.id", limit=64, required=True),
        channel_sku=r.text(item.get("sku"), f"{where}.sku", limit=128),
        qty=qty, unit_price_minor=unit, gross_minor=unit * quantity, discount_minor=discount,
        tax_minor=_sum(r, item.get("tax_lines"), "price", f"{where}.tax_lines"),
        name=r.text(item.get("name") or item.get("title"), f"{where}.name"),
        variant_ref=f"variant:{variant}" if variant not in (None, "") else "",
        requires_shipping=item.get("requires_shipping") is not False, where=where)


def _shipping(r: Reader, items: Any) -> tuple[int, int]:
    """(shipping charged after discounts, shipping tax)."""
    if not isinstance(items, list):
        return 0, 0
    charged = tax = 0
    for i, sl in enumerate(items):
        where = f"shipping_lines[{i}]"
        if not isinstance(sl, dict):
            r.add(where, "must be an object")
            continue
        price = r.money(sl.get("price"), f"{where}.price")
        if sl.get("discounted_price") not in (None, ""):
            charged += r.money(sl.get("discounted_price"), f"{where}.discounted_price")
        else:
            charged += price - _sum(r, sl.get("discount_allocations"), "amount",
                                    f"{where}.discount_allocations")
        tax += _sum(r, sl.get("tax_lines"), "price", f"{where}.tax_lines")
    return charged, tax


def _refunded(r: Reader, refunds: Any) -> int:
    total = 0
    for i, refund in enumerate(refunds if isinstance(refunds, list) else []):
        for j, t in enumerate(refund.get("transactions") or [] if isinstance(refund, dict)
                              else []):
            if isinstance(t, dict) and t.get("kind") == "refund" and t.get("status") == "success":
                total += r.money(t.get("amount"), f"refunds[{i}].transactions[{j}].amount")
    return total


def _payment(r: Reader, data: dict[str, Any], total: int) -> PaymentDraft:
    status = data.get("financial_status") or "pending"
    if status not in _STATUSES:
        r.add("financial_status", "must be one of " + ", ".join(_STATUSES), status)
        return PaymentDraft()
    if status == "authorized":
        return PaymentDraft(authorized_minor=total)
    if status == "partially_paid":
        outstanding = r.money(data.get("total_outstanding"), "total_outstanding")
        return PaymentDraft(paid_minor=max(total - outstanding, 0))
    if status == "paid":
        return PaymentDraft(paid_minor=total)
    if status in ("partially_refunded", "refunded"):
        refunded = _refunded(r, data.get("refunds"))
        if status == "refunded" and refunded == 0:
            refunded = total
        return PaymentDraft(paid_minor=total, refunded_minor=refunded)
    return PaymentDraft()


def _address(data: Any) -> AddressDraft | None:
    if not isinstance(data, dict):
        return None
    name = data.get("name") or " ".join(
        str(p) for p in (data.get("first_name"), data.get("last_name")) if p)
    return AddressDraft(
        name=str(name or ""), company=str(data.get("company") or ""),
        line1=str(data.get("address1") or ""), line2=str(data.get("address2") or ""),
        city=str(data.get("city") or ""),
        region=str(data.get("province_code") or data.get("province") or ""),
        postal_code=str(data.get("zip") or ""),
        country=str(data.get("country_code") or data.get("country") or ""),
        phone=str(data.get("phone") or ""))


def _customer_name(data: dict[str, Any], ship_to: AddressDraft | None) -> str:
    customer: dict[str, Any] = data["customer"] if isinstance(data.get("customer"), dict) else {}
    name = " ".join(str(p) for p in (customer.get("first_name"), customer.get("last_name"))
                    if p)
    return name or (ship_to.name if ship_to else "")


def parse_order(data: Any) -> OrderDraft:
    """A Shopify order as an ``OrderDraft``, or ``ValidationFailed`` naming every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed.single("order", None, "must be a Shopify order object")
    r = Reader("")
    currency = r.currency_code(data.get("currency"), "currency")
    items = data.get("line_items")
    if not isinstance(items, list):
        r.add("line_items", "must be a list of line items")
        items = []
    lines = [ln for i, item in enumerate(items) if (ln := _line(r, item, i)) is not None]
    shipping, shipping_tax = _shipping(r, data.get("shipping_lines"))
    total = r.money(data.get("total_price"), "total_price")
    discount = sum(ln.discount_minor for ln in lines)
    subtotal_price = r.money(data.get("subtotal_price"), "subtotal_price", required=False)
    ship_to = _address(data.get("shipping_address"))
    draft = OrderDraft(
        external_id=r.text(data.get("id"), "id", limit=64, required=True), currency=currency,
        lines=tuple(lines), number=r.text(data.get("name") or data.get("order_number"), "name",
                                          limit=64),
        email=r.text(data.get("email") or data.get("contact_email"), "email", limit=200),
        customer_name=_customer_name(data, ship_to)[:200], ship_to=ship_to,
        placed_at=r.when(data.get("processed_at") or data.get("created_at"), "created_at"),
        updated_at=r.when(data.get("updated_at"), "updated_at"),
        subtotal_minor=r.money(data.get("total_line_items_price"), "total_line_items_price"),
        discount_minor=discount, shipping_minor=shipping, shipping_tax_minor=shipping_tax,
        tax_minor=r.money(data.get("total_tax"), "total_tax", required=False),
        other_minor=r.money(data.get("total_tip_received"), "total_tip_received",
                            required=False),
        total_minor=total, taxes_included=data.get("taxes_included") is True,
        payment=_payment(r, data, total), cancelled=bool(data.get("cancelled_at")),
        cancel_reason=r.text(data.get("cancel_reason"), "cancel_reason", limit=200),
        labels=LABELS)
    r.problems.raise_if_any(_summary(data, r))
    checked(draft)
    if data.get("subtotal_price") not in (None, "") and \
            subtotal_price != draft.subtotal_minor - discount:
        raise ValidationFailed.single("subtotal_price", data.get("subtotal_price"),
                                      "does not match the line items after their discounts")
    return draft


def _summary(data: dict[str, Any], r: Reader) -> str:
    head = f"Shopify order {data.get('id')!r}: " if data.get("id") is not None else ""
    return head + "; ".join(str(p) for p in r.problems.problems[:5])
