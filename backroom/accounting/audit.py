"""Audit checks of the books, run by ``backroom audit`` after the inventory checks.

The audit only reads. Events not yet posted are counted and reported; the inventory
comparison adds what the pending stock moves will post, so it holds at any moment, and says
how many events are still waiting (``backroom books post`` posts them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exists, func, select

from backroom.accounting.model import natural_balance
from backroom.accounting.posting import CONSUMER, load_rules
from backroom.accounting.rules import WAREHOUSE_KINDS
from backroom.accounting.tables import (
    ACCOUNTS,
    BALANCES,
    CURSOR,
    ENTRIES,
    FAILURES,
    LINES,
    SETTLED,
)
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.inventory import valuation
from backroom.inventory.audit import CHECKS, MAX_LISTED, AuditReport, Check


@dataclass(frozen=True, slots=True)
class Pending:
    events: int
    warehouse_delta: int  # what pending stock moves will add to the Inventory account
    transit_delta: int
    move_ids: frozenset[int]


def pending(conn: Connection) -> Pending:
    """Outbox events of a type with posting rules that the worker has not settled yet and
    that were not posted inline (``BACKROOM_BOOKS_POST_INLINE``) either."""
    low = conn.execute(select(CURSOR.c.low_water).where(CURSOR.c.consumer == CONSUMER)
                       ).scalar() or 0
    types = sorted({r.event for r in load_rules(conn)})
    o = OUTBOX.c
    rows = conn.execute(select(o.type, o.payload).where(
        o.id > low, o.type.in_(types), ~exists().where(SETTLED.c.outbox_id == o.id),
        ~exists().where(ENTRIES.c.source_event_id == o.event_id)))
    count, wh, tr, moves = 0, 0, 0, set()
    for row in rows:
        count += 1
        p = row.payload or {}
        if row.type == "stock.landed_cost":
            wh += int(p.get("inventory_minor") or 0)
        if row.type != "stock.moved" or not p.get("value_minor"):
            continue
        moves.add(int(p["move_id"]))
        for kind, sign in ((p.get("from_kind"), -1), (p.get("to_kind"), 1)):
            if kind in WAREHOUSE_KINDS:
                wh += sign * int(p["value_minor"])
            elif kind == "transit":
                tr += sign * int(p["value_minor"])
    return Pending(count, wh, tr, frozenset(moves))


def check_entries_balance(conn: Connection) -> Check:
    ln = LINES.c
    bad = [f"entry {r.entry_id}: {r.n} lines, debits {r.d}, credits {r.c}"
           for r in conn.execute(select(ln.entry_id, func.count().label("n"),
                                        func.sum(ln.debit).label("d"),
                                        func.sum(ln.credit).label("c"))
                                 .group_by(ln.entry_id)
                                 .having((func.sum(ln.debit) != func.sum(ln.credit))
                                         | (func.count() < 2)).limit(MAX_LISTED))]
    headless = conn.execute(select(func.count()).select_from(LINES).where(
        ~exists().where(ENTRIES.c.id == ln.entry_id))).scalar_one()
    if headless:
        bad.append(f"{headless} lines belong to no entry")
    n = conn.execute(select(func.count()).select_from(ENTRIES)).scalar_one()
    return Check("every journal entry balances", not bad,
                 f"{n} entries balance" if not bad else f"{len(bad)} entries do not balance",
                 bad)


def _totals(conn: Connection) -> dict[int, tuple[str, str, int, int]]:
    a, ln = ACCOUNTS.c, LINES.c
    return {r.id: (r.code, r.type, int(r.d or 0), int(r.c or 0)) for r in conn.execute(
        select(a.id, a.code, a.type, func.sum(ln.debit).label("d"),
               func.sum(ln.credit).label("c"))
        .join(LINES, ln.account_id == a.id).group_by(a.id, a.code, a.type))}


def check_trial_balance(conn: Connection) -> Check:
    totals = _totals(conn)
    debit = sum(t[2] for t in totals.values())
    credit = sum(t[3] for t in totals.values())
    b = BALANCES.c
    kept = {r.account_id: (int(r.d), int(r.c)) for r in conn.execute(
        select(b.account_id, func.sum(b.debit).label("d"), func.sum(b.credit).label("c"))
        .group_by(b.account_id))}
    bad = [] if debit == credit else [f"debits {debit} ≠ credits {credit}"]
    for acc in sorted(set(totals) | set(kept)):
        lines = totals.get(acc, ("?", "", 0, 0))[2:]
        if kept.get(acc, (0, 0)) != lines:
            bad.append(f"account {totals.get(acc, (acc,))[0]}: lines {lines}, "
                       f"period balances {kept.get(acc, (0, 0))}")
    return Check("trial balance sums to zero; period balances equal the lines", not bad,
                 f"debits = credits = {debit}" if not bad else f"{len(bad)} problems", bad)


def check_balance_sheet(conn: Connection) -> Check:
    sums: dict[str, int] = defaultdict(int)
    for _code, kind, d, c in _totals(conn).values():
        sums[kind] += natural_balance(kind, d, c)
    earnings = sums["income"] - sums["expense"]
    right = sums["liability"] + sums["equity"] + earnings
    ok = sums["asset"] == right
    summary = (f"assets {sums['asset']} {'=' if ok else '≠'} liabilities {sums['liability']}"
               f" + equity {sums['equity']} + earnings {earnings}")
    return Check("assets = liabilities + equity + current earnings", ok, summary,
                 [] if ok else [summary])


def _role_balance(conn: Connection, role: str) -> int | None:
    a, ln = ACCOUNTS.c, LINES.c
    row = conn.execute(select(a.id).where(a.role == role)).first()
    if row is None:
        return None
    return int(conn.execute(select(func.coalesce(func.sum(ln.debit - ln.credit), 0))
                            .where(ln.account_id == row.id)).scalar_one())


def check_inventory_matches_layers(conn: Connection) -> Check:
    wait = pending(conn)
    layers = valuation.area_totals(conn)
    bad = []
    for role, area, delta in (("inventory", "warehouse", wait.warehouse_delta),
                              ("inventory_transit", "transit", wait.transit_delta)):
        books = _role_balance(conn, role)
        if books is None:
            bad.append(f"no account has the role {role!r}")
        elif books + delta != layers[area]:
            bad.append(f"{role}: books {books} + pending {delta} ≠ {area} cost layers "
                       f"{layers[area]}")
    note = f"; {wait.events} events not yet posted" if wait.events else ""
    return Check("inventory accounts equal the cost layers to the cent", not bad,
                 (f"inventory {layers['warehouse']}, in transit {layers['transit']}{note}"
                  if not bad else f"{len(bad)} mismatches{note}"), bad)


def check_moves_posted_once(conn: Connection) -> Check:
    e = ENTRIES.c
    counts: dict[int, int] = defaultdict(int)
    for ref in conn.execute(select(e.source_ref).where(e.source_ref.like("stock_move:%"),
                                                       e.reversal_of.is_(None))).scalars():
        counts[int(ref.split(":", 1)[1])] += 1
    wait = pending(conn).move_ids
    bad, n = [], 0
    for move_id in valuation.valued_moves(conn):
        n += 1
        got = counts.pop(move_id, 0)
        if got != 1 and not (got == 0 and move_id in wait):
            bad.append(f"stock move {move_id}: {got} postings")
    bad += [f"stock move {m}: posted {c} times but carries no value" for m, c in counts.items()]
    failures = conn.execute(select(func.count()).select_from(FAILURES)).scalar_one()
    if failures:
        bad.append(f"{failures} events failed to post (see `backroom books failures`)")
    return Check("every valued stock move has exactly one posting", not bad,
                 f"{n} valued moves, {len(wait)} waiting to be posted" if not bad
                 else f"{len(bad)} problems", bad[:MAX_LISTED])


ACCOUNTING_CHECKS = [check_entries_balance, check_trial_balance, check_balance_sheet,
                     check_inventory_matches_layers, check_moves_posted_once]


def run_all(uow: UnitOfWork) -> AuditReport:
    """Every check ``backroom audit`` runs — inventory, books and fulfillment — on one
    consistent snapshot."""
    from backroom.fulfillment.audit import CHECKS as FULFILLMENT_CHECKS

    with uow.read() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        checks: list[Any] = [*CHECKS, *ACCOUNTING_CHECKS, *FULFILLMENT_CHECKS]
        return AuditReport([check(conn) for check in checks])
