"""The common shape every channel format is parsed into, and the checks that every order passes.

Parsers (``shopify``, ``woocommerce``, ``csvformat``, the API) turn the channel's document into
an ``OrderDraft`` with money already in integer minor units of the order's currency, collecting
every problem (``Reader``) instead of stopping at the first. ``draft_problems`` then checks
what must hold whatever the format: quantities, amounts and that the totals add up exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from backroom.core.errors import Problem, ProblemCollector, ValidationFailed
from backroom.core.money import allocate, from_minor, to_minor

CURRENCY = re.compile(r"[A-Z]{3}")
EXTERNAL_ID_MAX = 64
MAX_LINES = 500
MAX_QTY = 1_000_000


@dataclass(frozen=True, slots=True)
class AddressDraft:
    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class LineDraft:
    """One order line as the channel states it now. Money is for ``qty`` units."""

    external_id: str
    channel_sku: str  # the channel's SKU text ("" when the channel has none)
    qty: int  # units wanted now (0: the channel removed the line)
    unit_price_minor: int
    gross_minor: int  # before discounts (unit price × qty, or the channel's line subtotal)
    discount_minor: int = 0
    tax_minor: int = 0
    name: str = ""
    variant_ref: str = ""  # e.g. "variant:4426" (Shopify) or "product:77" (WooCommerce)
    requires_shipping: bool = True
    where: str = "lines[0]"  # how error messages name the line
    source_line: int | None = None  # line of the file (CSV)

    def mapping_keys(self) -> tuple[str, ...]:
        """Keys looked up in the channel's SKU mapping, most specific first."""
        return tuple(k for k in (self.variant_ref, self.channel_sku) if k)


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    """What the channel reports about payment, in minor units."""

    authorized_minor: int = 0
    paid_minor: int = 0
    refunded_minor: int = 0
    fee_minor: int = 0


@dataclass(frozen=True, slots=True)
class OrderDraft:
    external_id: str
    currency: str
    lines: tuple[LineDraft, ...]
    number: str = ""
    email: str = ""
    customer_name: str = ""
    ship_to: AddressDraft | None = None
    placed_at: datetime | None = None
    updated_at: datetime | None = None  # the channel's last change; older updates are stale
    subtotal_minor: int = 0
    discount_minor: int = 0
    shipping_minor: int = 0  # shipping charged, after shipping discounts
    shipping_tax_minor: int = 0
    tax_minor: int = 0  # all taxes: lines and shipping
    other_minor: int = 0  # other charges: WooCommerce fee lines, Shopify tips
    total_minor: int = 0
    taxes_included: bool = False  # prices already contain the tax (tax is not added on top)
    payment: PaymentDraft = field(default_factory=PaymentDraft)
    cancelled: bool = False
    cancel_reason: str = ""
    promised_date: date | None = None
    fx_rate: str | None = None  # order currency -> base currency, if the channel states one
    labels: Mapping[str, str] = field(default_factory=dict)  # generic field -> format's name
    source_line: int | None = None

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def money(self, minor: int) -> str:
        return f"{from_minor(minor, self.currency)} {self.currency}"


def computed_total(subtotal: int, discount: int, shipping: int, tax: int, other: int,
                   taxes_included: bool) -> int:
    return subtotal - discount + shipping + other + (0 if taxes_included else tax)


def draft_problems(draft: OrderDraft) -> list[Problem]:
    """Everything wrong with a parsed order that no format may let through."""
    problems = ProblemCollector()
    at = draft.source_line
    if not draft.external_id or len(draft.external_id) > EXTERNAL_ID_MAX:
        problems.add(draft.label("external_id"), f"must be 1-{EXTERNAL_ID_MAX} characters",
                     draft.external_id, at)
    if not CURRENCY.fullmatch(draft.currency):
        problems.add(draft.label("currency"), "must be a three-letter ISO 4217 code such as "
                     "USD or EUR", draft.currency, at)
    _line_problems(draft, problems)
    if problems:
        return problems.problems
    _total_problems(draft, problems)
    return problems.problems


def _line_problems(draft: OrderDraft, problems: ProblemCollector) -> None:
    if not draft.lines:
        problems.add(draft.label("lines"), "an order needs at least one line", None,
                     draft.source_line)
    elif len(draft.lines) > MAX_LINES:
        problems.add(draft.label("lines"), f"at most {MAX_LINES} lines per order",
                     len(draft.lines), draft.source_line)
    seen: set[str] = set()
    for ln in draft.lines:
        if ln.external_id in seen:
            problems.add(f"{ln.where}.id", "appears twice in the order", ln.external_id,
                         ln.source_line)
        seen.add(ln.external_id)
        if not 0 <= ln.qty <= MAX_QTY:
            problems.add(f"{ln.where}.quantity", f"must be a whole number from 1 to {MAX_QTY:,}",
                         ln.qty, ln.source_line)
        for name in ("unit_price_minor", "gross_minor", "discount_minor", "tax_minor"):
            if getattr(ln, name) < 0:
                problems.add(f"{ln.where}.{name.removesuffix('_minor')}",
                             "must not be negative", draft.money(getattr(ln, name)),
                             ln.source_line)
        if ln.discount_minor > ln.gross_minor >= 0:
            problems.add(f"{ln.where}.discount", "is more than the line is worth "
                         f"({draft.money(ln.gross_minor)})", draft.money(ln.discount_minor),
                         ln.source_line)
    if draft.lines and all(ln.qty == 0 for ln in draft.lines) and not draft.cancelled:
        problems.add(draft.label("lines"), "no line has a quantity above 0", None,
                     draft.source_line)


def _total_problems(draft: OrderDraft, problems: ProblemCollector) -> None:
    at = draft.source_line
    for name in ("subtotal", "discount", "shipping", "shipping_tax", "tax", "other", "total"):
        value = getattr(draft, f"{name}_minor")
        if value < 0:
            problems.add(draft.label(name), "must not be negative", draft.money(value), at)
    sums = {"subtotal": sum(ln.gross_minor for ln in draft.lines),
            "discount": sum(ln.discount_minor for ln in draft.lines)}
    for name, expected in sums.items():
        if getattr(draft, f"{name}_minor") != expected:
            problems.add(draft.label(name), f"does not match the lines: they add up to "
                         f"{draft.money(expected)}", draft.money(getattr(draft, f"{name}_minor")),
                         at)
    taxes = sum(ln.tax_minor for ln in draft.lines) + draft.shipping_tax_minor
    if draft.tax_minor != taxes:
        problems.add(draft.label("tax"), f"does not match the line and shipping taxes: they add "
                     f"up to {draft.money(taxes)}", draft.money(draft.tax_minor), at)
    expected = computed_total(draft.subtotal_minor, draft.discount_minor, draft.shipping_minor,
                              draft.tax_minor, draft.other_minor, draft.taxes_included)
    if problems.problems:
        return
    if draft.total_minor != expected:
        tax = "tax included in prices" if draft.taxes_included else "+ tax"
        problems.add(draft.label("total"), f"does not add up: subtotal − discounts + shipping "
                     f"+ other charges {tax} = {draft.money(expected)}",
                     draft.money(draft.total_minor), at)
    pay = draft.payment
    for name in ("authorized_minor", "paid_minor", "refunded_minor", "fee_minor"):
        if getattr(pay, name) < 0:
            problems.add(f"payment.{name.removesuffix('_minor')}", "must not be negative",
                         draft.money(getattr(pay, name)), at)
    if pay.refunded_minor > pay.paid_minor:
        problems.add("payment.refunded", f"is more than was paid ({draft.money(pay.paid_minor)})",
                     draft.money(pay.refunded_minor), at)


def checked(draft: OrderDraft) -> OrderDraft:
    """``draft`` if it passes ``draft_problems``, else ``ValidationFailed`` listing them all."""
    problems = draft_problems(draft)
    if problems:
        raise ValidationFailed.of(problems, _summary(draft, problems))
    return draft


def _summary(draft: OrderDraft, problems: list[Problem]) -> str:
    head = f"order {draft.external_id!r}: " if draft.external_id else ""
    return head + "; ".join(str(p) for p in problems[:5]) + (
        f"; and {len(problems) - 5} more" if len(problems) > 5 else "")


def spread_discount(r: Reader, lines: list[LineDraft], order_discount: int,
                    where: str = "order_discount") -> list[LineDraft]:
    """The order-level discount allocated to the lines in proportion to their value after
    line discounts (largest remainder), so the parts add up to the discount exactly."""
    if not order_discount or not lines:
        return lines
    weights = [max(ln.gross_minor - ln.discount_minor, 0) for ln in lines]
    if order_discount > sum(weights):
        r.add(where, "is more than the lines are worth after their discounts", order_discount)
        return lines
    shares = allocate(order_discount, weights)
    return [replace(ln, discount_minor=ln.discount_minor + s)
            for ln, s in zip(lines, shares, strict=True)]


# ---------------------------------------------------------------------------------------------
# Reading channel documents


class Reader:
    """Reads values out of a channel document, collecting a problem for each bad one."""

    def __init__(self, currency: str, problems: ProblemCollector | None = None,
                 line: int | None = None) -> None:
        self.currency = currency
        self.problems = problems if problems is not None else ProblemCollector()
        self.line = line

    def add(self, where: str, message: str, value: Any = None) -> None:
        self.problems.add(where, message, value, self.line)

    def money(self, value: Any, where: str, *, required: bool = True) -> int:
        """A decimal amount (string or number, never a float) in minor units, not negative."""
        if value is None or value == "":
            if required:
                self.add(where, "is required")
            return 0
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.add(where, "must be a decimal amount such as \"12.50\"", value)
            return 0
        try:
            minor = to_minor(str(value).strip(), self.currency or "XXX", field=where)
        except ValidationFailed as exc:
            self.add(where, exc.problems[0].message, value)
            return 0
        if minor < 0:
            self.add(where, "must not be negative", value)
            return 0
        return minor

    def signed_money(self, value: Any, where: str) -> int:
        """Like ``money`` but keeps the sign (WooCommerce writes refunds as "-5.00")."""
        text = str(value).strip() if isinstance(value, str | int | Decimal) else value
        if isinstance(text, str) and text.startswith("-"):
            return -self.money(text[1:], where)
        return self.money(value, where)

    def qty(self, value: Any, where: str) -> int:
        """A whole number of units, 0 or more."""
        number: Any = value
        if isinstance(value, str):
            text = value.strip()
            number = int(text) if re.fullmatch(r"[+-]?\d+", text) else text
        if isinstance(number, bool) or not isinstance(number, int):
            fractional = isinstance(number, Decimal | float) or (
                isinstance(number, str) and re.fullmatch(r"[+-]?\d*\.\d+", number) is not None)
            self.add(where, "must be a whole number (no fractions)" if fractional
                     else "must be a whole number", value)
            return 0
        if number < 0:
            self.add(where, "must not be negative", value)
            return 0
        return number

    def text(self, value: Any, where: str, *, limit: int = 255, required: bool = False) -> str:
        if value is None:
            value = ""
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.add(where, "must be text", value)
            return ""
        value = value.strip()
        if required and not value:
            self.add(where, "is required")
        if len(value) > limit:
            self.add(where, f"must be at most {limit} characters", value[:40] + "…")
            return value[:limit]
        return value

    def when(self, value: Any, where: str, *, assume_utc: bool = False) -> datetime | None:
        """An ISO 8601 timestamp; without a zone only if ``assume_utc`` (WooCommerce *_gmt)."""
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            self.add(where, "must be an ISO 8601 timestamp", value)
            return None
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            self.add(where, "must be an ISO 8601 timestamp such as 2026-11-26T10:15:00Z", value)
            return None
        if parsed.tzinfo is None:
            if not assume_utc:
                self.add(where, "must include a time zone (e.g. Z or +01:00)", value)
                return None
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)

    def day(self, value: Any, where: str) -> date | None:
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.add(where, "must be a date such as 2026-12-01", value)
            return None

    def currency_code(self, value: Any, where: str) -> str:
        code = value.strip().upper() if isinstance(value, str) else ""
        if not CURRENCY.fullmatch(code):
            self.add(where, "must be a three-letter ISO 4217 code such as USD or EUR", value)
        self.currency = code if CURRENCY.fullmatch(code) else "XXX"
        return code
