"""Journal entries: balanced or refused (in code and by the database), immutable, reversible."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backroom.accounting import journal
from backroom.accounting.model import EntryDraft, base_line
from backroom.core.errors import Conflict, ValidationFailed
from backroom.db.uow import UnitOfWork
from tests.accounting.helpers import balances

DAY = date(2026, 3, 14)


def _entry(debit: int, credit: int, *, account: str = "5300") -> EntryDraft:
    return EntryDraft(DAY, "test", (base_line(account, "debit", debit, currency="USD"),
                                    base_line("1000", "credit", credit, currency="USD")))


def _account_id(conn: object, code: str) -> int:
    return int(conn.execute(text("SELECT id FROM accounts WHERE code = :c"),  # type: ignore[attr-defined]
                            {"c": code}).scalar_one())


def _raw_lines(conn: object, entry_id: int, amounts: list[tuple[int, int]]) -> None:
    cash = _account_id(conn, "1000")
    for n, (debit, credit) in enumerate(amounts, 1):
        conn.execute(text(  # type: ignore[attr-defined]
            "INSERT INTO journal_lines (entry_id, line_no, account_id, entry_date, debit, credit,"
            " currency, amount, rate, reference, channel) VALUES (:e, :n, :a, :d, :dr, :cr, "
            "'USD', :amt, '1', '', '')"),
            {"e": entry_id, "n": n, "a": cash, "d": DAY, "dr": debit, "cr": credit,
             "amt": debit or credit})


def _raw_header(conn: object, entry_id: int, period: str = "2026-03") -> None:
    conn.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO journal_entries (id, entry_date, period, operation_date, description, "
        "source_ref, created_by, created_at) VALUES (:e, :d, :p, :d, 'raw', '', 'test', :t)"),
        {"e": entry_id, "d": DAY, "p": period, "t": "2026-03-14 00:00:00"})


def test_balanced_entry_is_posted_when_debits_equal_credits(uow: UnitOfWork) -> None:
    with uow.transaction() as conn:
        posted = journal.post_entries(conn, [_entry(1250, 1250)], created_by="test")
    assert posted[0].id >= 1
    assert balances(uow) == {"5300": 1250, "1000": -1250}


def test_unbalanced_entry_is_refused_in_code_when_posted(uow: UnitOfWork) -> None:
    with pytest.raises(ValidationFailed, match="does not balance"), uow.transaction() as conn:
        journal.post_entries(conn, [_entry(1250, 1249)], created_by="test")
    assert balances(uow) == {}


def test_unknown_and_inactive_accounts_are_refused_when_posted(uow: UnitOfWork) -> None:
    with uow.transaction() as conn:
        conn.execute(text("UPDATE accounts SET active = false WHERE code = '5300'"))
    with pytest.raises(ValidationFailed) as err, uow.transaction() as conn:
        journal.post_entries(conn, [_entry(5, 5), _entry(5, 5, account="9999")],
                             created_by="test")
    messages = [p.message for p in err.value.problems]
    assert "the account is inactive" in messages and "no such account" in messages


def test_database_refuses_header_when_lines_do_not_balance(uow: UnitOfWork) -> None:
    with pytest.raises(DBAPIError, match="unbalanced"), uow.transaction() as conn:
        _raw_lines(conn, 900, [(100, 0), (0, 90)])
        _raw_header(conn, 900)
    assert balances(uow) == {}


def test_database_refuses_entry_when_it_has_one_line(uow: UnitOfWork) -> None:
    with pytest.raises(DBAPIError, match="unbalanced"), uow.transaction() as conn:
        _raw_lines(conn, 901, [(100, 0)])
        _raw_header(conn, 901)


def test_database_refuses_commit_when_lines_have_no_header(uow: UnitOfWork) -> None:
    with pytest.raises(DBAPIError), uow.transaction() as conn:
        _raw_lines(conn, 902, [(100, 0), (0, 100)])
    assert balances(uow) == {}


def test_database_refuses_line_when_entry_is_already_posted(uow: UnitOfWork) -> None:
    with uow.transaction() as conn:
        _raw_lines(conn, 903, [(100, 0), (0, 100)])
        _raw_header(conn, 903)
    with pytest.raises(DBAPIError, match="cannot be added"), uow.transaction() as conn:
        _raw_lines(conn, 903, [(0, 1)])
    assert balances(uow) == {"1000": 0}


@pytest.mark.parametrize("stmt", ["UPDATE journal_lines SET debit = debit + 1",
                                  "DELETE FROM journal_lines",
                                  "UPDATE journal_entries SET description = 'x'",
                                  "DELETE FROM journal_entries"])
def test_posted_entries_are_immutable_when_changed_with_sql(uow: UnitOfWork, stmt: str) -> None:
    with uow.transaction() as conn:
        journal.post_entries(conn, [_entry(700, 700)], created_by="test")
    with pytest.raises(DBAPIError, match="immutable"), uow.transaction() as conn:
        conn.execute(text(stmt))
    assert balances(uow) == {"5300": 700, "1000": -700}


def test_database_refuses_entry_when_its_period_is_closed(uow: UnitOfWork) -> None:
    with uow.transaction() as conn:
        conn.execute(text("INSERT INTO accounting_periods (period, state, changed_at, changed_by)"
                          " VALUES ('2026-03', 'closed', '2026-04-01 00:00:00', 'test')"))
    with pytest.raises(DBAPIError, match="closed"), uow.transaction() as conn:
        _raw_lines(conn, 904, [(100, 0), (0, 100)])
        _raw_header(conn, 904)
    with pytest.raises(DBAPIError, match="closed"), uow.transaction() as conn:
        _raw_lines(conn, 905, [(100, 0), (0, 100)])
        _raw_header(conn, 905, period="2026-04")  # period must match the date


def test_reversal_mirrors_entry_when_reversed_once(uow: UnitOfWork) -> None:
    with uow.transaction() as conn:
        first = journal.post_entries(conn, [_entry(4200, 4200)], created_by="test")[0]
        back = journal.reverse_entry(conn, first.id, on=None, created_by="test")
    assert back.draft.reversal_of == first.id
    assert balances(uow) == {"5300": 0, "1000": 0}
    with pytest.raises(Conflict, match="already reversed"), uow.transaction() as conn:
        journal.reverse_entry(conn, first.id, on=None, created_by="test")
    with pytest.raises(Conflict, match="itself a reversal"), uow.transaction() as conn:
        journal.reverse_entry(conn, back.id, on=None, created_by="test")
