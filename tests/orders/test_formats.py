"""Parsing the channels' real order formats (payload files written from their documentation)
into drafts: money exact to the cent, every bad field named."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from backroom.core.errors import ValidationFailed
from backroom.orders import apiformat, csvformat, shopify, woocommerce
from tests.orders.conftest import PAYLOADS, payload


def problems_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def test_shopify_order_parses_exactly_when_payload_is_documented_shape() -> None:
    draft = shopify.parse_order(payload("shopify_orders_create.json"))
    assert (draft.external_id, draft.number, draft.currency) == ("5832947310643", "#1001", "USD")
    assert [(ln.channel_sku, ln.qty, ln.gross_minor, ln.discount_minor, ln.tax_minor)
            for ln in draft.lines] == [("MUG-RED", 2, 3600, 360, 203),
                                       ("TOWEL-2", 1, 950, 95, 53),
                                       ("TEA-SAMPLER", 1, 2499, 250, 141)]
    assert (draft.subtotal_minor, draft.discount_minor, draft.shipping_minor,
            draft.tax_minor, draft.total_minor) == (7049, 705, 599, 397, 7340)
    assert draft.lines[0].variant_ref == "variant:46021873412147"
    assert draft.payment.paid_minor == 7340 and not draft.cancelled
    assert draft.ship_to is not None and draft.ship_to.postal_code == "02116"
    assert draft.placed_at is not None and draft.placed_at.isoformat() == \
        "2026-11-20T19:32:06+00:00"


def test_shopify_cancelled_payload_parses_when_refunded() -> None:
    draft = shopify.parse_order(payload("shopify_orders_cancelled.json"))
    assert draft.cancelled and draft.cancel_reason == "customer"
    assert (draft.payment.paid_minor, draft.payment.refunded_minor) == (7340, 7340)
    assert all(ln.qty == 0 for ln in draft.lines)


def test_shopify_order_names_the_line_when_discount_exceeds_its_value() -> None:
    data = payload("shopify_orders_create.json")
    data["line_items"][1]["discount_allocations"][0]["amount"] = "12.00"
    with pytest.raises(ValidationFailed) as exc:
        shopify.parse_order(data)
    assert "line_items[1].discount" in problems_of(exc)


def test_shopify_order_is_refused_when_total_does_not_add_up() -> None:
    data = payload("shopify_orders_create.json")
    data["total_price"] = "73.41"
    with pytest.raises(ValidationFailed) as exc:
        shopify.parse_order(data)
    assert "does not add up" in problems_of(exc)["total_price"]
    assert "73.40 USD" in problems_of(exc)["total_price"]


def test_shopify_order_reports_every_bad_field_when_several_are_wrong() -> None:
    data = payload("shopify_orders_create.json")
    data["currency"] = "dollars"
    data["line_items"][0]["quantity"] = Decimal("1.5")
    data["line_items"][2]["quantity"] = -3
    data["line_items"][1]["price"] = "9.505"
    with pytest.raises(ValidationFailed) as exc:
        shopify.parse_order(data)
    found = problems_of(exc)
    assert "no fractions" in found["line_items[0].quantity"]
    assert found["line_items[2].quantity"] == "must not be negative"
    assert "more decimals" in found["line_items[1].price"]
    assert "ISO 4217" in found["currency"]


def test_shopify_payment_is_authorized_when_financial_status_is_authorized() -> None:
    data = payload("shopify_orders_create.json")
    data["financial_status"] = "authorized"
    assert shopify.parse_order(data).payment.authorized_minor == 7340
    data["financial_status"] = "teleported"
    with pytest.raises(ValidationFailed, match="financial_status"):
        shopify.parse_order(data)


def test_woocommerce_order_parses_exactly_when_payload_is_documented_shape() -> None:
    draft = woocommerce.parse_order(payload("woocommerce_order.json"))
    assert (draft.external_id, draft.number, draft.currency) == ("4271", "4271", "EUR")
    assert [(ln.channel_sku, ln.qty, ln.gross_minor, ln.discount_minor, ln.tax_minor,
             ln.variant_ref) for ln in draft.lines] == [
        ("CUP-SET-4", 2, 3980, 398, 681, "product:93"),
        ("JUG-350", 1, 1450, 145, 248, "product:110")]
    assert (draft.subtotal_minor, draft.discount_minor, draft.shipping_minor, draft.other_minor,
            draft.tax_minor, draft.total_minor) == (5430, 543, 490, 200, 1060, 6637)
    assert draft.payment.paid_minor == 6637
    assert draft.updated_at is not None and draft.updated_at.isoformat() == \
        "2026-11-22T09:41:52+00:00"


def test_woocommerce_order_names_the_line_when_its_tax_does_not_match() -> None:
    data = payload("woocommerce_order.json")
    data["line_items"][1]["total_tax"] = "2.50"
    with pytest.raises(ValidationFailed) as exc:
        woocommerce.parse_order(data)
    assert "line_items[1].total_tax" in problems_of(exc)


def test_woocommerce_order_is_refused_when_discount_total_disagrees_with_lines() -> None:
    data = payload("woocommerce_order.json")
    data["discount_total"] = "5.00"
    with pytest.raises(ValidationFailed) as exc:
        woocommerce.parse_order(data)
    assert "does not match the lines" in problems_of(exc)["discount_total"]


@pytest.mark.parametrize(("status", "paid", "cancelled"), [
    ("pending", 0, False), ("on-hold", 0, False), ("completed", 6637, False),
    ("cancelled", 6637, True), ("refunded", 6637, False)])
def test_woocommerce_status_maps_when_order_moves(status: str, paid: int,
                                                  cancelled: bool) -> None:
    data = copy.deepcopy(payload("woocommerce_order.json"))
    data["status"] = status
    if status in ("pending", "on-hold"):
        data["date_paid_gmt"] = data["date_paid"] = None
    draft = woocommerce.parse_order(data)
    assert (draft.payment.paid_minor, draft.cancelled) == (paid, cancelled)
    if status == "refunded":
        assert draft.payment.refunded_minor == 6637


def test_csv_spreads_order_discount_exactly_when_lines_have_tax() -> None:
    parsed = csvformat.parse((PAYLOADS / "orders.csv").read_text())
    first = parsed[0].draft
    assert first is not None
    assert [ln.discount_minor for ln in first.lines] == [600, 200, 202]
    assert sum(ln.discount_minor for ln in first.lines) == first.discount_minor == 1002
    assert (first.subtotal_minor, first.tax_minor, first.total_minor) == (5001, 299, 4793)


def test_csv_reports_each_bad_row_with_its_line_when_quantities_are_wrong() -> None:
    parsed = csvformat.parse((PAYLOADS / "orders.csv").read_text())
    bad = parsed[2]
    assert bad.draft is None and bad.external_id == "M-5003"
    assert [(p.line, p.field, p.message) for p in bad.problems] == [
        (7, "qty", "must not be negative"), (8, "qty", "must be a whole number (no fractions)")]
    assert parsed[1].draft is not None  # the good orders are not affected


def test_csv_names_the_line_when_line_total_does_not_add_up() -> None:
    text = ("order_id,currency,sku,qty,unit_price,line_total,ship_name\n"
            "A1,USD,MUG-RED,3,2.50,7.00,Ann\n")
    (only,) = csvformat.parse(text)
    assert [(p.line, p.field) for p in only.problems] == [(2, "line_total")]
    assert "7.50" in only.problems[0].message


def test_csv_refuses_file_when_header_has_unknown_column() -> None:
    (only,) = csvformat.parse("order_id,currency,sku,qty,unit_price,colour\n")
    assert only.index == 0 and "unknown column 'colour'" in str(only.problems[0])


def test_csv_refuses_contradicting_order_values_when_rows_disagree() -> None:
    text = ("order_id,currency,sku,qty,unit_price\nA1,USD,X,1,1.00\nA1,EUR,Y,1,1.00\n")
    (only,) = csvformat.parse(text)
    assert [(p.line, p.field) for p in only.problems] == [(3, "currency")]


def api_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"external_id": "WEB-1", "currency": "JPY", "lines": [
        {"sku": "MUG-RED", "qty": 3, "unit_price": "1200"},
        {"sku": "TOWEL-2", "qty": 1, "unit_price": "800"}], "discount": "100"}
    return {**body, **changes}


def test_api_format_allocates_discount_in_whole_yen_when_currency_has_no_minor_unit() -> None:
    draft = apiformat.parse_order(api_body())
    assert [ln.discount_minor for ln in draft.lines] == [82, 18]
    assert draft.total_minor == 4300
    with pytest.raises(ValidationFailed, match="more decimals"):
        apiformat.parse_order(api_body(shipping="5.5"))
