"""Period close and reopen: a closed month takes no entries (the database refuses them too).

Late operations are not lost: the worker posts an event dated in a closed month into the first
open month after it and says so in the entry's description. Reopening is logged with who did
it and why; over HTTP it needs the admin role.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backroom.accounting import inline
from backroom.accounting.closing import YearClosed, closing_entry
from backroom.accounting.model import parse_period
from backroom.accounting.tables import PERIOD_LOG, PERIODS
from backroom.core import clock
from backroom.core.errors import Conflict, ValidationFailed
from backroom.db.uow import UnitOfWork


def _period(text: str) -> str:
    period = parse_period(text)
    if period is None:
        raise ValidationFailed.single("period", text, "must be a month as YYYY-MM")
    return period


def close_period(uow: UnitOfWork, period: str, *, by: str, note: str = "") -> dict[str, Any]:
    """Close ``period`` (YYYY-MM) for posting."""
    month = _period(period)
    with uow.transaction() as conn:
        if _state(conn, month, lock=True) == "closed":
            raise Conflict(f"period {month} is already closed", data={"period": month})
        _set(conn, month, "closed", by, note)
        return {"period": month, "state": "closed"}


def reopen_period(uow: UnitOfWork, period: str, *, by: str, note: str = "") -> dict[str, Any]:
    """Open a closed ``period`` again (logged)."""
    month = _period(period)
    with uow.transaction() as conn:
        if _state(conn, month, lock=True) != "closed":
            raise Conflict(f"period {month} is not closed", data={"period": month})
        _refuse_if_year_closed(conn, month)
        _set(conn, month, "open", by, note)
        return {"period": month, "state": "open"}


def _refuse_if_year_closed(conn: Connection, month: str) -> None:
    year = int(month[:4])
    entry = closing_entry(conn, year)
    if entry is not None:
        raise YearClosed(f"year {year} is closed to retained earnings (entry {entry}): its "
                         "months stay closed; post corrections in an open month",
                         data={"period": month, "year": year, "entry_id": entry})


def _state(conn: Connection, month: str, *, lock: bool = False) -> str:
    stmt = select(PERIODS.c.state).where(PERIODS.c.period == month)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return conn.execute(stmt).scalar() or "open"


def _set(conn: Connection, month: str, state: str, by: str, note: str) -> None:
    inline.forget(conn.engine)
    now = clock.now()
    ins = pg_insert(PERIODS) if conn.dialect.name == "postgresql" else sqlite_insert(PERIODS)
    conn.execute(ins.values(period=month, state=state, changed_at=now, changed_by=by[:100])
                 .on_conflict_do_update(index_elements=["period"],
                                        set_={"state": state, "changed_at": now,
                                              "changed_by": by[:100]}))
    conn.execute(PERIOD_LOG.insert().values(period=month, action="close" if state == "closed"
                                            else "reopen", by=by[:100], note=note[:500], at=now))


def list_periods(conn: Connection) -> list[dict[str, Any]]:
    """Every month that was ever closed, with its state and log."""
    p, lg = PERIODS.c, PERIOD_LOG.c
    log: dict[str, list[dict[str, Any]]] = {}
    for r in conn.execute(select(lg.period, lg.action, lg.by, lg.note, lg.at).order_by(lg.id)):
        log.setdefault(r.period, []).append({"action": r.action, "by": r.by, "note": r.note,
                                             "at": r.at})
    return [{"period": r.period, "state": r.state, "changed_at": r.changed_at,
             "changed_by": r.changed_by, "log": log.get(r.period, [])}
            for r in conn.execute(select(p.period, p.state, p.changed_at, p.changed_by)
                                  .order_by(p.period))]
