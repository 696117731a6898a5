"""Pure accounting domain: account types, entry drafts, balance rules, periods, currency.

No database here. An entry is a list of lines, each with a debit or a credit in minor units of
the base currency (one side non-zero), the amount in the operation's currency and the rate used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from backroom.core.errors import Problem
from backroom.core.money import exponent, round_minor


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})
YEAR_CLOSE_REF = "year_close:"  # source_ref prefix of year-end closing entries
BALANCE_SHEET = frozenset({AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY})


def natural_balance(account_type: str, debit: int, credit: int) -> int:
    """The balance on the account's normal side (debit for assets and expenses)."""
    return debit - credit if account_type in DEBIT_NORMAL else credit - debit


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: int
    code: str
    name: str
    type: str
    active: bool
    role: str | None = None
    section: str = ""


@dataclass(frozen=True, slots=True)
class LineDraft:
    account: str  # account code
    debit: int
    credit: int
    currency: str
    amount: int  # minor units of ``currency``, on the same side
    rate: Decimal = Decimal(1)
    reference: str = ""
    sku_id: int | None = None
    channel: str = ""


@dataclass(frozen=True, slots=True)
class EntryDraft:
    entry_date: date
    description: str
    lines: tuple[LineDraft, ...]
    source_event_id: str | None = None
    source_ref: str = ""
    reversal_of: int | None = None
    operation_date: date | None = None

    @property
    def period(self) -> str:
        return period_of(self.entry_date)

    def total(self) -> tuple[int, int]:
        return (sum(ln.debit for ln in self.lines), sum(ln.credit for ln in self.lines))


def base_line(account: str, side: str, amount: int, *, currency: str, reference: str = "",
              sku_id: int | None = None, channel: str = "") -> LineDraft:
    """A line in the base currency (rate 1)."""
    debit, credit = (amount, 0) if side == "debit" else (0, amount)
    return LineDraft(account, debit, credit, currency, amount, Decimal(1), reference, sku_id,
                     channel)


def entry_problems(entry: EntryDraft, accounts: dict[str, AccountInfo]) -> list[Problem]:
    """Everything wrong with ``entry``: fewer than two lines, a line with both or neither side,
    an unknown or inactive account, or debits that do not equal credits."""
    problems: list[Problem] = []
    if len(entry.lines) < 2:
        problems.append(Problem("lines", "an entry needs at least two lines",
                                len(entry.lines)))
    for n, ln in enumerate(entry.lines, 1):
        where = f"lines[{n}]"
        if ln.debit < 0 or ln.credit < 0 or (ln.debit > 0) == (ln.credit > 0):
            problems.append(Problem(where, "needs exactly one of debit or credit, above zero",
                                    f"debit {ln.debit}, credit {ln.credit}"))
        if ln.amount <= 0:
            problems.append(Problem(where, "the amount in the line's currency must be above "
                                    "zero", ln.amount))
        info = accounts.get(ln.account)
        if info is None:
            problems.append(Problem(f"{where}.account", "no such account", ln.account))
        elif not info.active:
            problems.append(Problem(f"{where}.account", "the account is inactive", ln.account))
    debit, credit = entry.total()
    if debit != credit:
        problems.append(Problem("lines", f"the entry does not balance: debits {debit} ≠ "
                                f"credits {credit} (minor units)", debit - credit))
    if len(entry.description) > 500:
        problems.append(Problem("description", "at most 500 characters",
                                len(entry.description)))
    return problems


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_start(period: str) -> date:
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def next_period(period: str) -> str:
    start = period_start(period)
    return period_of(date(start.year + (start.month == 12), start.month % 12 + 1, 1))


def posting_date(day: date, closed: set[str]) -> date:
    """``day`` if its period is open, else the first day of the first open period after it."""
    period = period_of(day)
    if period not in closed:
        return day
    while period in closed:
        period = next_period(period)
    return period_start(period)


def parse_period(text: str) -> str | None:
    """``YYYY-MM`` normalized, or None if it is not one."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, month = int(parts[0]), int(parts[1])
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 and year >= 1 else None


def to_base(amount_minor: int, currency: str, rate: Decimal, base: str) -> int:
    """Minor units of ``currency`` converted to minor units of ``base`` at ``rate``
    (base units per unit of ``currency``), rounded half-even."""
    if currency == base:
        return amount_minor
    scaled = Decimal(amount_minor) * rate
    shift = exponent(base) - exponent(currency)
    return round_minor(scaled.scaleb(shift))


@dataclass
class Converted:
    lines: list[LineDraft] = field(default_factory=list)
    rounding: int = 0  # minor units moved to the largest line to absorb conversion rounding


def convert_lines(lines: list[tuple[str, str, int]], *, currency: str, rate: Decimal, base: str,
                  reference: str = "", sku_id: int | None = None,
                  channel: str = "") -> Converted:
    """Lines (account, side, amount in ``currency`` minor units) to base-currency lines.

    Converting each line rounds on its own, so the converted sides may differ by a few minor
    units although the original amounts balance; the difference goes to the largest line of
    the short side, and is reported in ``rounding``.
    """
    out = Converted()
    if currency == base:
        out.lines = [LineDraft(account, amount if side == "debit" else 0,
                               amount if side == "credit" else 0, currency, amount, rate,
                               reference, sku_id, channel) for account, side, amount in lines]
        return out
    base_amounts = [to_base(a, currency, rate, base) for _, _, a in lines]
    diff = (sum(b for (_, s, _), b in zip(lines, base_amounts, strict=True) if s == "debit")
            - sum(b for (_, s, _), b in zip(lines, base_amounts, strict=True) if s == "credit"))
    if diff:
        short = "credit" if diff > 0 else "debit"
        idx = max((i for i, (_, s, _) in enumerate(lines) if s == short),
                  key=lambda i: base_amounts[i], default=None)
        if idx is not None:
            base_amounts[idx] += abs(diff)
            out.rounding = abs(diff)
    for (account, side, amount), b in zip(lines, base_amounts, strict=True):
        debit, credit = (b, 0) if side == "debit" else (0, b)
        out.lines.append(LineDraft(account, debit, credit, currency, amount, rate, reference,
                                   sku_id, channel))
    return out


def reversal_of(entry: EntryDraft, entry_id: int, on: date, description: str) -> EntryDraft:
    """The mirror image of ``entry``: every debit becomes a credit and the other way round."""
    lines = tuple(LineDraft(ln.account, ln.credit, ln.debit, ln.currency, ln.amount, ln.rate,
                            ln.reference, ln.sku_id, ln.channel) for ln in entry.lines)
    return EntryDraft(on, description, lines, None, entry.source_ref, entry_id, on)
