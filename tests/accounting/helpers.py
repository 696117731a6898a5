"""Helpers for accounting tests: balances by account code, a store with books."""

from __future__ import annotations

from sqlalchemy import func, select

from backroom.accounting.posting import PostingRun, post_pending
from backroom.accounting.tables import ACCOUNTS, LINES
from backroom.db.uow import UnitOfWork


def balances(uow: UnitOfWork) -> dict[str, int]:
    """Debit-minus-credit per account code, in minor units (accounts with lines only)."""
    a, ln = ACCOUNTS.c, LINES.c
    with uow.read() as conn:
        rows = conn.execute(select(a.code, func.sum(ln.debit - ln.credit).label("net"))
                            .join(ACCOUNTS, a.id == ln.account_id).group_by(a.code)).all()
    return {r.code: int(r.net) for r in rows}


def post_all(uow: UnitOfWork) -> PostingRun:
    run = post_pending(uow, gap_timeout_s=0)
    assert run.failed == 0, run.messages
    return run
