"""``order.paid`` and ``order.refunded`` carry what accounting posts from, and balance."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from backroom.accounting import posting
from backroom.db.uow import UnitOfWork
from backroom.orders import shopify
from backroom.orders.intake import import_order
from backroom.orders.model import ChannelKind
from backroom.orders.payloads import paid_payload, refund_payload
from tests.orders.conftest import events, payload


def order(**amounts: Any) -> Any:
    base = {"number": "#1", "currency": "EUR", "fx_rate": "1.0842", "subtotal_minor": 0,
            "discount_minor": 0, "shipping_minor": 0, "shipping_tax_minor": 0, "tax_minor": 0,
            "other_minor": 0, "total_minor": 0, "taxes_included": False,
            "payment_fee_minor": 0}
    return SimpleNamespace(**{**base, **amounts})


def test_paid_payload_takes_tax_out_of_prices_when_taxes_are_included() -> None:
    # 2 × 11.90 incl. 19 % VAT, 1.19 off, shipping 5.95 incl. 0.95 VAT, gift wrap 2.00
    paid = paid_payload(order(subtotal_minor=2380, discount_minor=119, shipping_minor=595,
                              shipping_tax_minor=95, tax_minor=456, other_minor=200,
                              total_minor=3056, taxes_included=True, payment_fee_minor=55))
    assert paid == {"number": "#1", "currency": "EUR", "total": "30.56", "subtotal": "22.19",
                    "discount": "1.19", "shipping": "5.00", "tax": "4.56",
                    "payment_fee": "0.55", "rate": "1.0842"}
    parts = sum(Decimal(paid[k]) for k in ("subtotal", "shipping", "tax"))
    assert parts - Decimal(paid["discount"]) == Decimal(paid["total"])  # the entry balances


def test_refund_payload_splits_a_partial_refund_exactly_when_channel_refunds_part() -> None:
    refund = refund_payload(order(subtotal_minor=7049, discount_minor=705, shipping_minor=599,
                                  tax_minor=397, total_minor=7340), 1000)
    parts = [refund[k] for k in ("subtotal", "shipping", "tax")]
    assert parts == ["8.64", "0.82", "0.54"] and refund["total"] == "10.00"


def test_accounting_posts_balanced_entries_when_order_is_paid_then_refunded(
        store: UnitOfWork) -> None:
    for name in ("shopify_orders_create.json", "shopify_orders_cancelled.json"):
        import_order(store, "SHOP", shopify.parse_order(payload(name)), actor="t",
                     kind=ChannelKind.SHOPIFY)
    assert [t for t, _ in events(store) if t in ("order.paid", "order.refunded")] == \
        ["order.paid", "order.refunded"]
    run = posting.post_pending(store)
    assert (run.entries, run.failed) == (2, 0), run.messages
