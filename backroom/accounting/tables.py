"""Accounting storage: chart of accounts, journal entries and lines, balances per period,
posting rules, periods and the posting worker's bookkeeping.

Amounts are integer minor units of the base currency (``debit``/``credit``); each line also
keeps the amount in the currency of the operation and the rate used. Triggers in migration 0003
make the database refuse an unbalanced entry and any change to a posted one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backroom.db.base import Base, BigId, UTCDateTime, table_of
from backroom.inventory import valuation_tables as _valuation  # noqa: F401 - registers them

ACCOUNT_TYPES = ("asset", "liability", "equity", "income", "expense")


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("type IN ('asset', 'liability', 'equity', 'income', 'expense')",
                        name="type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(10))
    section: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JournalEntry(Base):
    """The header seals an entry: its lines are written first, and inserting the header checks
    that they balance (trigger); nothing can be added, changed or deleted afterwards."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_date: Mapped[date] = mapped_column(Date, index=True)
    period: Mapped[str] = mapped_column(String(7))
    operation_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(500))
    source_event_id: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    source_ref: Mapped[str] = mapped_column(String(64), index=True)
    reversal_of: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("journal_entries.id"), unique=True, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint("(debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)",
                        name="one_side"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_journal_lines_account_date", "account_id", "entry_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("journal_entries.id", deferrable=True, initially="DEFERRED"),
        index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    entry_date: Mapped[date] = mapped_column(Date)
    debit: Mapped[int] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units of ``currency``, same side
    rate: Mapped[str] = mapped_column(String(32))  # base currency per unit of ``currency``
    reference: Mapped[str] = mapped_column(String(128))
    sku_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel: Mapped[str] = mapped_column(String(32))


class PeriodBalance(Base):
    """Debits and credits per account and month, kept with the lines (reports over millions
    of lines read these plus the lines of one month)."""

    __tablename__ = "account_period_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    debit: Mapped[int] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(BigInteger)


class PostingRule(Base):
    __tablename__ = "posting_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccountingPeriod(Base):
    """A month ``YYYY-MM``; months without a row are open."""

    __tablename__ = "accounting_periods"
    __table_args__ = (CheckConstraint("state IN ('open', 'closed')", name="state_known"),)

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    state: Mapped[str] = mapped_column(String(6))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(100))


class PeriodLog(Base):
    __tablename__ = "accounting_period_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    action: Mapped[str] = mapped_column(String(6))
    by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class PostingCursor(Base):
    """Every outbox id at or below ``low_water`` is settled (posted, ignored, failed or a gap
    that timed out); settled ids above it are listed in ``posting_settled``."""

    __tablename__ = "posting_cursor"

    consumer: Mapped[str] = mapped_column(String(32), primary_key=True)
    low_water: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PostingSettled(Base):
    __tablename__ = "posting_settled"

    outbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class PostingGap(Base):
    """An outbox id missing below a settled one: a rolled-back insert, or a transaction that
    has not committed yet (PostgreSQL). Passed over once older than the gap timeout."""

    __tablename__ = "posting_gaps"

    outbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PostingFailure(Base):
    __tablename__ = "posting_failures"

    outbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


ACCOUNTS = table_of(Account)
ENTRIES = table_of(JournalEntry)
LINES = table_of(JournalLine)
BALANCES = table_of(PeriodBalance)
RULES = table_of(PostingRule)
PERIODS = table_of(AccountingPeriod)
PERIOD_LOG = table_of(PeriodLog)
CURSOR = table_of(PostingCursor)
SETTLED = table_of(PostingSettled)
GAPS = table_of(PostingGap)
FAILURES = table_of(PostingFailure)
