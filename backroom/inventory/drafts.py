"""Planned (draft) moves: recorded now, posted to stock later, or cancelled.

A draft changes no level. Confirming posts it through the ledger with every check a direct move
gets (the row becomes ``done``, never re-inserted); cancelling makes it ``cancelled``. Done and
cancelled moves are final (the database refuses any later change).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.inventory import ledger, resolve
from backroom.inventory.model import Move, MoveState, Reason, move_problems, transition
from backroom.inventory.services import Result, _places_by_id, _posted, _skus_by_id
from backroom.inventory.tables import MOVES

M = MOVES.c


def plan_move(uow: UnitOfWork, sku: str, qty: int, source: str, dest: str, *,
              lot: str | None = None, reason: str = Reason.INTERNAL.value,
              reference: str = "", note: str = "") -> dict[str, Any]:
    """Record a move to do later (e.g. a putaway task); nothing changes in stock yet."""
    with uow.transaction() as conn:
        s = resolve.sku(conn, sku)
        places = resolve.places(conn, [source, dest])
        move = Move(s.id, qty, places[source], places[dest], reason,
                    lot_id=resolve.lot_id(conn, s, lot), reference=reference, note=note)
        problems = move_problems(move, s.tracking)
        if problems:
            raise ValidationFailed.single("move", f"{source} → {dest}", "; ".join(problems))
        now = clock.now()
        move_id = int(conn.execute(insert(MOVES).values(
            sku_id=s.id, lot_id=move.lot_id, qty=qty, from_location_id=move.source.id,
            to_location_id=move.dest.id, state=MoveState.DRAFT.value, reason=reason,
            reference=reference, note=note, created_at=now).returning(M.id)).scalar_one())
        record(conn, [DomainEvent("stock.move_planned", {"move_id": move_id, "sku": sku,
                                                         "qty": qty, "from": source,
                                                         "to": dest}, f"sku:{s.id}")])
        return {"id": move_id, "state": MoveState.DRAFT.value, "sku": sku, "qty": qty,
                "from": source, "to": dest}


def confirm_move(uow: UnitOfWork, move_id: int) -> Result:
    """Post a planned move to stock now (all checks apply; shortfalls refuse it)."""
    with uow.transaction() as conn:
        row = _load(conn, move_id)
        _allowed(row.state, MoveState.DONE.value)
        places = _places_by_id(conn, [row.from_location_id, row.to_location_id])
        skus = _skus_by_id(conn, [row.sku_id])
        move = Move(row.sku_id, row.qty, places[row.from_location_id],
                    places[row.to_location_id], row.reason, lot_id=row.lot_id,
                    reference=row.reference, note=row.note)
        sku = next(iter(skus.values()))
        posted = ledger.post(conn, [move], tracking={sku.id: sku.tracking},
                             codes={sku.id: sku.code}, draft_ids=[move_id])
        return Result(_posted(posted, {sku.id: sku.code}))


def cancel_move(uow: UnitOfWork, move_id: int) -> dict[str, Any]:
    """Drop a planned move; done moves are corrected with a reverse move instead."""
    with uow.transaction() as conn:
        row = _load(conn, move_id)
        _allowed(row.state, "cancelled")
        conn.execute(update(MOVES).where(M.id == move_id).values(
            state=MoveState.CANCELLED.value))
        record(conn, [DomainEvent("stock.move_cancelled", {"move_id": move_id},
                                  f"sku:{row.sku_id}")])
        return {"id": move_id, "state": MoveState.CANCELLED.value}


def _load(conn: Connection, move_id: int) -> Any:
    stmt = select(MOVES).where(M.id == move_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise NotFound(f"no stock move {move_id}")
    return row


def _allowed(state: str, target: str) -> bool:
    try:
        transition(MoveState(state), MoveState(target))
    except ValueError as err:
        hint = " (reverse it instead)" if state == "done" else ""
        raise Conflict(f"move is {state}: {err}{hint}") from None
    return True
