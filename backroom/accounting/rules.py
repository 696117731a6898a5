"""Posting rules as data: which accounts an event debits and credits, and by how much.

A rule is a plain mapping (stored as JSON in ``posting_rules``, exported and loaded as YAML)::

    name: stock-shipment
    event: stock.moved
    when: {from_area: warehouse, to_area: customer}
    description: "Shipped {sku} x{qty} from {from} {reference}"
    reference: "stock_move:{move_id}"
    amounts: minor            # or decimal; optional currency: FIELD, rate: FIELD
    lines:
      - {debit: "5000", amount: value_minor}
      - {credit: "1200", amount: value_minor}

Pure code: parsing (with every problem collected), matching and building an ``EntryDraft``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from backroom.accounting.model import EntryDraft, convert_lines
from backroom.core.errors import Problem, ValidationFailed
from backroom.core.money import exponent

WAREHOUSE_KINDS = frozenset({"input", "storage", "pack", "output", "quarantine"})
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KEYS = {"name", "event", "when", "description", "reference", "amounts", "currency", "rate",
         "lines"}


class PostingError(Exception):
    """An event that cannot be posted as its rule says (bad amount, missing rate, ...)."""


@dataclass(frozen=True, slots=True)
class RuleLine:
    side: str
    account: str
    terms: tuple[tuple[int, str], ...]  # (+1 or -1, payload field)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    event: str
    when: tuple[tuple[str, tuple[str, ...]], ...]
    description: str
    reference: str
    amounts: str
    currency_field: str | None
    rate_field: str | None
    lines: tuple[RuleLine, ...]

    def matches(self, facts: dict[str, Any]) -> bool:
        return all(str(facts.get(k)) in values for k, values in self.when)


def parse_amount(expr: str) -> tuple[tuple[int, str], ...] | None:
    """``"total - payment_fee"`` → ((1, "total"), (-1, "payment_fee")); None if malformed."""
    tokens = expr.replace("+", " + ").replace("-", " - ").split()
    terms, sign, expect_field = [], 1, True
    for tok in tokens:
        if expect_field:
            if not _FIELD.match(tok):
                return None
            terms.append((sign, tok))
            expect_field = False
        elif tok in "+-":
            sign, expect_field = (1 if tok == "+" else -1), True
        else:
            return None
    return tuple(terms) if terms and not expect_field else None


def parse_rule(data: Any, where: str = "rule") -> Rule:
    """A ``Rule`` from its mapping; ``ValidationFailed`` naming every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed.single(where, data, "a rule is a mapping")
    problems: list[Problem] = []
    for key in sorted(set(data) - _KEYS):
        problems.append(Problem(f"{where}.{key}", "unknown key"))
    name, event = data.get("name"), data.get("event")
    for key, value in (("name", name), ("event", event)):
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(f"{where}.{key}", "is required (text)", value))
    when = _parse_when(data.get("when") or {}, where, problems)
    amounts = data.get("amounts", "minor")
    if amounts not in ("minor", "decimal"):
        problems.append(Problem(f"{where}.amounts", "must be minor or decimal", amounts))
    lines = _parse_lines(data.get("lines"), where, problems)
    for key in ("currency", "rate", "description", "reference"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            problems.append(Problem(f"{where}.{key}", "must be text", data.get(key)))
    if problems:
        raise ValidationFailed.of(problems)
    return Rule(str(name), str(event), when, data.get("description") or str(event),
                data.get("reference") or "", str(amounts), data.get("currency"),
                data.get("rate"), lines)


def _parse_when(when: Any, where: str, problems: list[Problem]
                ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(when, dict):
        problems.append(Problem(f"{where}.when", "must be a mapping of field: value(s)", when))
        return ()
    out = []
    for key, value in when.items():
        values = value if isinstance(value, list) else [value]
        out.append((str(key), tuple(str(v) for v in values)))
    return tuple(out)


def _parse_lines(lines: Any, where: str, problems: list[Problem]) -> tuple[RuleLine, ...]:
    if lines is None:
        return ()
    if not isinstance(lines, list):
        problems.append(Problem(f"{where}.lines", "must be a list", lines))
        return ()
    out = []
    for n, line in enumerate(lines, 1):
        at = f"{where}.lines[{n}]"
        if not isinstance(line, dict) or len({"debit", "credit"} & set(line)) != 1:
            problems.append(Problem(at, "needs exactly one of debit: CODE or credit: CODE"))
            continue
        side = "debit" if "debit" in line else "credit"
        terms = parse_amount(str(line.get("amount", "")))
        if terms is None:
            problems.append(Problem(f"{at}.amount", "must be payload fields joined by + and -",
                                    line.get("amount")))
            continue
        out.append(RuleLine(side, str(line[side]), terms))
    return tuple(out)


def facts_of(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload plus derived facts rules can match on (``from_area``/``to_area``)."""
    facts = dict(payload)
    if event_type == "stock.moved":
        for end in ("from", "to"):
            kind = payload.get(f"{end}_kind")
            facts[f"{end}_area"] = "warehouse" if kind in WAREHOUSE_KINDS else kind
    return facts


def select_rule(rules: list[Rule], event_type: str, facts: dict[str, Any]) -> Rule | None:
    """The most specific matching rule (most ``when`` conditions; earlier first on a tie)."""
    best: Rule | None = None
    for rule in rules:
        if (rule.event == event_type and rule.matches(facts)
                and (best is None or len(rule.when) > len(best.when))):
            best = rule
    return best


class RuleBook:
    """Rules indexed by event type, with the choice remembered per combination of the facts
    the rules of that type look at (the worker asks thousands of times per second)."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.types = {r.event for r in rules}
        self._keys = {t: tuple(sorted({k for r in rules if r.event == t for k, _ in r.when}))
                      for t in self.types}
        self._memo: dict[tuple[Any, ...], Rule | None] = {}

    def select(self, event_type: str, facts: dict[str, Any]) -> Rule | None:
        key = (event_type, *(str(facts.get(k)) for k in self._keys.get(event_type, ())))
        if key not in self._memo:
            self._memo[key] = select_rule(self.rules, event_type, facts)
        return self._memo[key]


def fill(template: str, facts: dict[str, Any]) -> str:
    """``{field}`` placeholders replaced by payload values (missing ones by nothing)."""
    return _fill(_parts(template), facts)


@lru_cache(maxsize=512)
def _parts(template: str) -> tuple[tuple[bool, str], ...]:
    """The template as (is_field, text) pieces, split once."""
    pieces = _PLACEHOLDER.split(template)
    return tuple((i % 2 == 1, piece) for i, piece in enumerate(pieces) if piece)


def _fill(parts: tuple[tuple[bool, str], ...], facts: dict[str, Any]) -> str:
    return "".join(_text(facts.get(p)) if is_field else p for is_field, p in parts).strip()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class EventData:
    event_id: str
    type: str
    payload: dict[str, Any]
    day: date


def build_entry(rule: Rule, event: EventData, base: str) -> EntryDraft | None:
    """The entry ``rule`` makes of ``event``, or None when every amount is zero."""
    facts = facts_of(event.type, event.payload)
    currency, rate = _currency_and_rate(rule, facts, base)
    raw = []
    for n, line in enumerate(rule.lines, 1):
        amount = sum(sign * _amount(facts, f, rule.amounts, currency) for sign, f in line.terms)
        if amount < 0:
            raise PostingError(f"rule {rule.name}: line {n} ({line.side} {line.account}) "
                               f"comes to a negative amount {amount}")
        if amount:
            raw.append((line.account, line.side, amount))
    if not raw:
        return None
    sku_id = facts.get("sku_id") if isinstance(facts.get("sku_id"), int) else None
    channel = str(facts.get("channel") or "")[:32]
    reference = fill(rule.reference, facts)[:128]
    converted = convert_lines(raw, currency=currency, rate=rate, base=base,
                              reference=reference, sku_id=sku_id, channel=channel)
    return EntryDraft(event.day, fill(rule.description, facts)[:500], tuple(converted.lines),
                      event.event_id, reference[:64], None, event.day)


def _currency_and_rate(rule: Rule, facts: dict[str, Any], base: str) -> tuple[str, Decimal]:
    currency = str(facts.get(rule.currency_field) or base).upper() if rule.currency_field else base
    if currency == base:
        return currency, Decimal(1)
    raw = facts.get(rule.rate_field) if rule.rate_field else None
    try:
        rate = Decimal(str(raw)) if raw is not None else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0:
        raise PostingError(f"rule {rule.name}: amounts in {currency} need a positive exchange "
                           f"rate to {base} in payload field {rule.rate_field!r}, got {raw!r}")
    return currency, rate


def _amount(facts: dict[str, Any], name: str, unit: str, currency: str) -> int:
    value = facts.get(name)
    if value is None:
        return 0
    if unit == "minor":
        if isinstance(value, bool) or not isinstance(value, int):
            raise PostingError(f"payload field {name!r} must be whole minor units, got {value!r}")
        return value
    try:
        dec = Decimal(str(value))
    except InvalidOperation:
        raise PostingError(f"payload field {name!r} is not a decimal amount: {value!r}") from None
    scaled = dec.scaleb(exponent(currency)) if dec.is_finite() else dec
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise PostingError(f"payload field {name!r} = {value!r} is not an amount in {currency}")
    return int(scaled)
