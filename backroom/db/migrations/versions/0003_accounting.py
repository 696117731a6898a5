"""accounting: chart of accounts, journal entries and lines, posting rules, periods

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00

An entry's lines are inserted first and its header last; inserting the header checks, in the
database, that the lines balance (at least two, debits = credits) and that the period is open.
Lines can only be added while their header does not exist yet, and a line without a header
fails at commit (deferred foreign key). Entries and lines can never be updated or deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    _reference_tables()
    _journal_tables()
    _worker_tables()
    _valuation_tables()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_guards()
    else:
        _sqlite_guards()
    _seed()


def _reference_tables() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("section", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("type IN ('asset', 'liability', 'equity', 'income', 'expense')",
                           name=op.f("ck_accounts_type_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_accounts_code")),
        sa.UniqueConstraint("role", name=op.f("uq_accounts_role")),
    )
    op.create_table(
        "accounting_periods",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("state", sa.String(length=6), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("state IN ('open', 'closed')",
                           name=op.f("ck_accounting_periods_state_known")),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_accounting_periods")),
    )
    op.create_table(
        "accounting_period_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("action", sa.String(length=6), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_period_log")),
    )
    with op.batch_alter_table("accounting_period_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounting_period_log_period"), ["period"],
                              unique=False)
    op.create_table(
        "posting_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_posting_rules_name")),
    )
    with op.batch_alter_table("posting_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posting_rules_event_type"), ["event_type"],
                              unique=False)


def _journal_tables() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("operation_date", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("source_event_id", sa.String(length=32), nullable=True),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("reversal_of", BigId, nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reversal_of"], ["journal_entries.id"],
                                name=op.f("fk_journal_entries_reversal_of_journal_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("reversal_of", name=op.f("uq_journal_entries_reversal_of")),
        sa.UniqueConstraint("source_event_id", name=op.f("uq_journal_entries_source_event_id")),
    )
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_entries_entry_date"), ["entry_date"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_journal_entries_source_ref"), ["source_ref"],
                              unique=False)
    op.create_table(
        "journal_lines",
        sa.Column("id", BigId, nullable=False),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.CheckConstraint("(debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)",
                           name=op.f("ck_journal_lines_one_side")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_journal_lines_amount_positive")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_journal_lines_account_id_accounts")),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"],
                                name=op.f("fk_journal_lines_entry_id_journal_entries"),
                                initially="DEFERRED", deferrable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_lines")),
    )
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.create_index("ix_journal_lines_account_date", ["account_id", "entry_date"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_journal_lines_entry_id"), ["entry_id"],
                              unique=False)
    op.create_table(
        "account_period_balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_account_period_balances_account_id_accounts")),
        sa.PrimaryKeyConstraint("account_id", "period", name=op.f("pk_account_period_balances")),
    )


def _worker_tables() -> None:
    op.create_table(
        "posting_cursor",
        sa.Column("consumer", sa.String(length=32), nullable=False),
        sa.Column("low_water", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_posting_cursor")),
    )
    op.create_table(
        "posting_settled",
        sa.Column("outbox_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_posting_settled")),
    )
    op.create_table(
        "posting_gaps",
        sa.Column("outbox_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_posting_gaps")),
    )
    op.create_table(
        "posting_failures",
        sa.Column("outbox_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_posting_failures")),
    )


def _valuation_tables() -> None:
    """Inventory revaluations (backroom/inventory/valuation_tables.py)."""
    op.create_table(
        "landed_costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("basis", sa.String(length=8), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("inventory_minor", sa.BigInteger(), nullable=False),
        sa.Column("cogs_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("basis IN ('value', 'weight', 'qty')",
                           name=op.f("ck_landed_costs_basis_known")),
        sa.CheckConstraint("total_minor > 0 AND inventory_minor >= 0 AND cogs_minor >= 0 AND "
                           "inventory_minor + cogs_minor = total_minor",
                           name=op.f("ck_landed_costs_parts_add_up")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landed_costs")),
    )
    with op.batch_alter_table("landed_costs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_landed_costs_reference"), ["reference"],
                              unique=False)
    op.create_table(
        "cost_revaluations",
        sa.Column("id", BigId, nullable=False),
        sa.Column("layer_id", BigId, nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("landed_cost_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('average', 'landed_cost')",
                           name=op.f("ck_cost_revaluations_kind_known")),
        sa.ForeignKeyConstraint(["landed_cost_id"], ["landed_costs.id"],
                                name=op.f("fk_cost_revaluations_landed_cost_id_landed_costs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_revaluations")),
    )
    with op.batch_alter_table("cost_revaluations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cost_revaluations_layer_id"), ["layer_id"],
                              unique=False)


_IMMUTABLE = "journal: posted entries are immutable; post a reversal"
_SEALED = "journal: lines cannot be added to a posted entry"
_UNBALANCED = "journal: unbalanced entry (needs two or more lines, debits = credits, one date)"
_CLOSED = "journal: the period is closed"


def _sqlite_guards() -> None:
    for table in ("journal_entries", "journal_lines"):
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{_IMMUTABLE}'); END")
    op.execute(f"""
        CREATE TRIGGER journal_lines_sealed BEFORE INSERT ON journal_lines
        WHEN EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id)
        BEGIN SELECT RAISE(ABORT, '{_SEALED}'); END
    """)  # noqa: S608 - constant text
    op.execute(f"""
        CREATE TRIGGER journal_entries_balanced BEFORE INSERT ON journal_entries
        WHEN (SELECT count(*) < 2 OR coalesce(sum(debit), 0) <> coalesce(sum(credit), 0)
                     OR sum(entry_date <> NEW.entry_date) > 0
              FROM journal_lines WHERE entry_id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{_UNBALANCED}'); END
    """)  # noqa: S608 - constant text
    op.execute(f"""
        CREATE TRIGGER journal_entries_open_period BEFORE INSERT ON journal_entries
        WHEN NEW.period <> strftime('%Y-%m', NEW.entry_date)
          OR EXISTS (SELECT 1 FROM accounting_periods
                     WHERE period = NEW.period AND state = 'closed')
        BEGIN SELECT RAISE(ABORT, '{_CLOSED} (or does not match the entry date)'); END
    """)  # noqa: S608 - constant text


def _postgres_guards() -> None:
    op.execute(f"""
        CREATE FUNCTION journal_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{_IMMUTABLE}'; END $$;
    """)
    for table in ("journal_entries", "journal_lines"):
        op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION journal_immutable()")
    op.execute(f"""
        CREATE FUNCTION journal_lines_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id) THEN
            RAISE EXCEPTION '{_SEALED}';
          END IF;
          RETURN NEW;
        END $$;
    """)  # noqa: S608 - constant text
    op.execute("CREATE TRIGGER journal_lines_sealed BEFORE INSERT ON journal_lines "
               "FOR EACH ROW EXECUTE FUNCTION journal_lines_sealed()")
    op.execute(f"""
        CREATE FUNCTION journal_entries_check() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE n bigint; d numeric; c numeric; other bigint;
        BEGIN
          SELECT count(*), coalesce(sum(debit), 0), coalesce(sum(credit), 0),
                 count(*) FILTER (WHERE entry_date <> NEW.entry_date)
            INTO n, d, c, other FROM journal_lines WHERE entry_id = NEW.id;
          IF n < 2 OR d <> c OR other > 0 THEN
            RAISE EXCEPTION '{_UNBALANCED}: entry %, % lines, debits %, credits %',
              NEW.id, n, d, c;
          END IF;
          IF NEW.period <> to_char(NEW.entry_date, 'YYYY-MM') OR EXISTS (
              SELECT 1 FROM accounting_periods WHERE period = NEW.period AND state = 'closed')
          THEN
            RAISE EXCEPTION '{_CLOSED} (or does not match the entry date): %', NEW.period;
          END IF;
          RETURN NEW;
        END $$;
    """)  # noqa: S608 - constant text
    op.execute("CREATE TRIGGER journal_entries_check BEFORE INSERT ON journal_entries "
               "FOR EACH ROW EXECUTE FUNCTION journal_entries_check()")


def _seed() -> None:
    """The default chart of accounts and posting rules (backroom/accounting/defaults.yaml)."""
    from backroom.accounting.defaults import load_defaults
    from backroom.db.base import UTCDateTime

    defaults = load_defaults()
    now = datetime.now(UTC)
    accounts = sa.table("accounts", *(sa.column(c) for c in (
        "code", "name", "type", "section", "role", "active")),
        sa.column("created_at", UTCDateTime()))
    op.bulk_insert(accounts, [{"code": a["code"], "name": a["name"], "type": a["type"],
                               "section": a.get("section", ""), "role": a.get("role"),
                               "active": True, "created_at": now}
                              for a in defaults["accounts"]])
    rules = sa.table("posting_rules", sa.column("event_type"), sa.column("name"),
                     sa.column("definition", sa.JSON), sa.column("active"),
                     sa.column("updated_at", UTCDateTime()))
    op.bulk_insert(rules, [{"event_type": r["event"], "name": r["name"], "definition": r,
                            "active": True, "updated_at": now} for r in defaults["rules"]])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("journal_entries", "journal_lines"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
        op.execute("DROP TRIGGER IF EXISTS journal_lines_sealed ON journal_lines")
        op.execute("DROP TRIGGER IF EXISTS journal_entries_check ON journal_entries")
        for fn in ("journal_immutable", "journal_lines_sealed", "journal_entries_check"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    for table in ("cost_revaluations", "landed_costs", "posting_failures", "posting_gaps",
                  "posting_settled", "posting_cursor",
                  "account_period_balances", "journal_lines", "journal_entries",
                  "posting_rules", "accounting_period_log", "accounting_periods", "accounts"):
        op.drop_table(table)
