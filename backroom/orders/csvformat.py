"""Backroom's order CSV → ``OrderDraft``s. Pure. Documented in docs/orders.md.

One row per order line, UTF-8, a header row with these column names (any order; unknown
columns are refused so a typo is not silently ignored):

- required: ``order_id``, ``currency``, ``sku``, ``qty``, ``unit_price``;
- order columns (give them on the order's first row; later rows may repeat them or leave them
  empty, but may not contradict them): ``order_number``, ``placed_at``, ``updated_at``,
  ``email``, ``customer_name``, ``ship_name``, ``ship_company``, ``ship_line1``,
  ``ship_line2``, ``ship_city``, ``ship_region``, ``ship_postal_code``, ``ship_country``,
  ``ship_phone``, ``shipping``, ``shipping_tax``, ``order_discount``, ``taxes_included``,
  ``payment_status`` (paid | authorized | pending | refunded; default paid), ``payment_fee``,
  ``fx_rate``, ``total``, ``promised_date``, ``cancelled``;
- line columns: ``line_id`` (default: the line's position in the order), ``name``,
  ``line_discount``, ``line_tax``, ``line_total`` (= qty × unit_price − line_discount; checked
  if given), ``requires_shipping``.

``order_discount`` is spread over the lines in proportion to their value after line discounts,
the remainder cent by cent, so the parts add up exactly. ``total`` is checked if given.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from backroom.core.errors import Problem
from backroom.core.money import from_minor
from backroom.orders.drafts import (
    AddressDraft,
    LineDraft,
    OrderDraft,
    PaymentDraft,
    Reader,
    computed_total,
    draft_problems,
    spread_discount,
)

REQUIRED = ("order_id", "currency", "sku", "qty", "unit_price")
ORDER_COLUMNS = ("order_id", "currency", "order_number", "placed_at", "updated_at", "email",
                 "customer_name", "ship_name", "ship_company", "ship_line1", "ship_line2",
                 "ship_city", "ship_region", "ship_postal_code", "ship_country", "ship_phone",
                 "shipping", "shipping_tax", "order_discount", "taxes_included",
                 "payment_status", "payment_fee", "fx_rate", "total", "promised_date",
                 "cancelled")
LINE_COLUMNS = ("sku", "qty", "unit_price", "line_id", "name", "line_discount", "line_tax",
                "line_total", "requires_shipping")
COLUMNS = ORDER_COLUMNS + LINE_COLUMNS
_TRUE, _FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n", ""}
PAYMENT = ("paid", "authorized", "pending", "refunded")


@dataclass(frozen=True, slots=True)
class ParsedOrder:
    """One order of the file: its draft, or the problems that stop it (with file lines)."""

    index: int  # 1-based position of the order in the file
    external_id: str
    first_line: int
    draft: OrderDraft | None
    problems: tuple[Problem, ...] = ()


def parse(text: str) -> list[ParsedOrder]:
    """Every order of the CSV, each parsed on its own so one bad order stops only itself.
    A bad header is reported as a single order-less problem (index 0)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    bad = _header_problems(header)
    if bad:
        return [ParsedOrder(0, "", 1, None, tuple(bad))]
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for n, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        groups.setdefault(row.get("order_id", ""), []).append((n, row))
    return [_order(i, key, rows) for i, (key, rows) in enumerate(groups.items(), start=1)]


def _header_problems(header: list[str]) -> list[Problem]:
    problems = [Problem("header", f"column {name!r} is missing", line=1)
                for name in REQUIRED if name not in header]
    problems += [Problem("header", f"unknown column {name!r}", line=1)
                 for name in header if name not in COLUMNS]
    return problems


def _order_values(rows: list[tuple[int, dict[str, str]]], r: Reader) -> dict[str, str]:
    values: dict[str, str] = {}
    first: dict[str, int] = {}
    for n, row in rows:
        for name in ORDER_COLUMNS:
            value = row.get(name, "")
            if not value:
                continue
            if name not in values:
                values[name], first[name] = value, n
            elif values[name] != value:
                r.problems.add(name, f"differs from line {first[name]} of the same order "
                               f"({values[name]!r})", value, n)
    return values


def _line(r: Reader, n: int, row: dict[str, str], position: int) -> LineDraft:
    r.line = n
    qty = r.qty(row.get("qty"), "qty")
    unit = r.money(row.get("unit_price"), "unit_price")
    discount = r.money(row.get("line_discount"), "line_discount", required=False)
    if row.get("line_total"):
        stated = r.money(row.get("line_total"), "line_total")
        if not r.problems and stated != unit * qty - discount:
            r.add("line_total", "does not add up: qty × unit_price − line_discount = "
                  f"{from_minor(unit * qty - discount, r.currency)}", row.get("line_total"))
    return LineDraft(
        external_id=r.text(row.get("line_id") or str(position), "line_id", limit=64),
        channel_sku=r.text(row.get("sku"), "sku", limit=128, required=True), qty=qty,
        unit_price_minor=unit, gross_minor=unit * qty, discount_minor=discount,
        tax_minor=r.money(row.get("line_tax"), "line_tax", required=False),
        name=r.text(row.get("name"), "name"),
        requires_shipping=_flag(r, row.get("requires_shipping"), "requires_shipping", True),
        where="line", source_line=n)


def _flag(r: Reader, value: str | None, name: str, default: bool) -> bool:
    text = (value or "").lower()
    if not text:
        return default
    if text in _TRUE | _FALSE:
        return text in _TRUE
    r.add(name, "must be true or false", value)
    return default


def _payment(r: Reader, status: str, total: int, fee: int) -> PaymentDraft:
    status = (status or "paid").lower()
    if status not in PAYMENT:
        r.add("payment_status", "must be one of " + ", ".join(PAYMENT), status)
    if status == "authorized":
        return PaymentDraft(authorized_minor=total, fee_minor=fee)
    if status == "pending":
        return PaymentDraft(fee_minor=fee)
    return PaymentDraft(paid_minor=total, refunded_minor=total if status == "refunded" else 0,
                        fee_minor=fee)


def _rate(r: Reader, value: str | None) -> str | None:
    if not value:
        return None
    try:
        rate = Decimal(value)
    except InvalidOperation:
        rate = Decimal(0)
    if not rate.is_finite() or rate <= 0 or len(value) > 32:
        r.add("fx_rate", "must be a positive decimal number such as 1.0842", value)
        return None
    return value


def _order(index: int, key: str, rows: list[tuple[int, dict[str, str]]]) -> ParsedOrder:
    first = rows[0][0]
    r = Reader("", line=first)
    v = _order_values(rows, r)
    r.line = first
    currency = r.currency_code(v.get("currency"), "currency")
    if not key:
        r.add("order_id", "is required")
    lines = [_line(r, n, row, i) for i, (n, row) in enumerate(rows, start=1)]
    r.line = first
    lines = spread_discount(r, lines, r.money(v.get("order_discount"), "order_discount", required=False))
    included = _flag(r, v.get("taxes_included"), "taxes_included", False)
    shipping = r.money(v.get("shipping"), "shipping", required=False)
    ship_tax = r.money(v.get("shipping_tax"), "shipping_tax", required=False)
    subtotal = sum(ln.gross_minor for ln in lines)
    discount = sum(ln.discount_minor for ln in lines)
    tax = sum(ln.tax_minor for ln in lines) + ship_tax
    expected = computed_total(subtotal, discount, shipping, tax, 0, included)
    total = r.money(v["total"], "total") if v.get("total") else expected
    draft = OrderDraft(
        external_id=key, currency=currency, lines=tuple(lines), number=v.get("order_number", ""),
        email=r.text(v.get("email"), "email", limit=200),
        customer_name=r.text(v.get("customer_name"), "customer_name", limit=200),
        ship_to=AddressDraft(**{f: v.get(f"ship_{f}", "") for f in (
            "name", "company", "line1", "line2", "city", "region", "postal_code", "country",
            "phone")}),
        placed_at=r.when(v.get("placed_at"), "placed_at"),
        updated_at=r.when(v.get("updated_at"), "updated_at"),
        subtotal_minor=subtotal, discount_minor=discount, shipping_minor=shipping,
        shipping_tax_minor=ship_tax, tax_minor=tax, total_minor=total, taxes_included=included,
        payment=_payment(r, v.get("payment_status", ""), total,
                         r.money(v.get("payment_fee"), "payment_fee", required=False)),
        cancelled=_flag(r, v.get("cancelled"), "cancelled", False),
        cancel_reason="cancelled in the CSV" if v.get("cancelled") else "",
        promised_date=r.day(v.get("promised_date"), "promised_date"),
        fx_rate=_rate(r, v.get("fx_rate")), source_line=first)
    problems = list(r.problems.problems) or draft_problems(draft)
    return ParsedOrder(index, key, first, None if problems else draft, tuple(problems))
