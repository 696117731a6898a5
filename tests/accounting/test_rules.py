"""Posting rules and currency conversion, as pure code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backroom.accounting.model import convert_lines, posting_date
from backroom.accounting.rules import (
    EventData,
    PostingError,
    RuleBook,
    build_entry,
    facts_of,
    parse_amount,
    parse_rule,
)
from backroom.core.errors import ValidationFailed

PAID = {"name": "paid", "event": "order.paid", "amounts": "decimal", "currency": "currency",
        "rate": "rate", "description": "Order {order_id}", "reference": "order:{order_id}",
        "lines": [{"debit": "1010", "amount": "total - payment_fee"},
                  {"debit": "5200", "amount": "payment_fee"},
                  {"credit": "4000", "amount": "total"}]}


def test_rule_problems_are_all_reported_when_definition_is_bad() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_rule({"event": "", "colour": "red", "amounts": "cents",
                    "lines": [{"debit": "1", "credit": "2", "amount": "x"},
                              {"debit": "1", "amount": "a + + b"}]})
    fields = {p.field for p in err.value.problems}
    assert fields == {"rule.colour", "rule.name", "rule.event", "rule.amounts",
                      "rule.lines[1]", "rule.lines[2].amount"}


def test_amount_expression_parses_when_fields_are_added_and_subtracted() -> None:
    assert parse_amount("total - payment_fee + tip") == ((1, "total"), (-1, "payment_fee"),
                                                         (1, "tip"))
    assert parse_amount("total -") is None and parse_amount("1 + x") is None


def test_most_specific_rule_wins_when_several_match() -> None:
    general = parse_rule({"name": "any", "event": "stock.moved", "when": {"to_area": "loss"},
                          "lines": []})
    damage = parse_rule({"name": "damage", "event": "stock.moved",
                         "when": {"to_area": "loss", "reason": ["damage", "shrinkage"]},
                         "lines": []})
    book = RuleBook([general, damage])
    facts = facts_of("stock.moved", {"from_kind": "storage", "to_kind": "loss",
                                     "reason": "damage"})
    assert facts["from_area"] == "warehouse"
    assert book.select("stock.moved", facts) is damage
    assert book.select("stock.moved", {**facts, "reason": "count"}) is general


def test_foreign_currency_entry_balances_in_base_when_lines_round_differently() -> None:
    event = EventData("e1", "order.paid", {"order_id": 5, "currency": "EUR", "rate": "1.5",
                                           "total": "0.02", "payment_fee": "0.01"},
                      date(2026, 1, 2))
    entry = build_entry(parse_rule(PAID), event, "USD")
    assert entry is not None
    # 1.5 → 2 twice on the debit side, 3 on the credit: the credit takes the missing cent
    assert [(ln.account, ln.debit, ln.credit, ln.amount) for ln in entry.lines] == [
        ("1010", 2, 0, 1), ("5200", 2, 0, 1), ("4000", 0, 4, 2)]


def test_event_fails_when_foreign_amounts_have_no_rate() -> None:
    event = EventData("e2", "order.paid", {"order_id": 5, "currency": "EUR", "total": "3.00",
                                           "payment_fee": "0"}, date(2026, 1, 2))
    with pytest.raises(PostingError, match="exchange rate"):
        build_entry(parse_rule(PAID), event, "USD")


def test_conversion_keeps_yen_exponent_when_base_has_cents() -> None:
    out = convert_lines([("1010", "debit", 1000), ("4000", "credit", 1000)], currency="JPY",
                        rate=Decimal("0.0067"), base="USD")
    assert [(ln.debit, ln.credit) for ln in out.lines] == [(670, 0), (0, 670)]


def test_closed_months_push_posting_date_to_next_open_month() -> None:
    assert posting_date(date(2026, 11, 20), {"2026-11", "2026-12"}) == date(2027, 1, 1)
    assert posting_date(date(2026, 11, 20), set()) == date(2026, 11, 20)
