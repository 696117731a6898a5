"""The stock ledger: post a batch of moves and keep every projection in the same transaction.

``post`` is the one writer of stock. It validates the batch, locks the level rows it will
decrease (in a fixed order, so concurrent batches cannot deadlock), checks every shortfall at
once, appends the moves, applies the level and position deltas, writes cost layers and records a
``stock.moved`` event per move. Set-based throughout: a 10,000-line receipt is a handful of
statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_, update

from backroom.core import clock
from backroom.core.errors import Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.bulk import insert_ids
from backroom.inventory import costing
from backroom.inventory.errors import InsufficientStock, Shortfall
from backroom.inventory.model import Move, MoveState, move_problems
from backroom.inventory.tables import LEVELS, MOVES, POSITIONS
from backroom.inventory.upserts import apply_level_deltas, apply_position_deltas

LevelKey = tuple[int, int, int]
PositionKey = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Posted:
    id: int
    move: Move
    value_minor: int | None


def post(conn: Connection, moves: list[Move], *, tracking: dict[int, str],
         codes: dict[int, str], extra_positions: dict[PositionKey, dict[str, int]] | None = None,
         draft_ids: list[int | None] | None = None) -> list[Posted]:
    """Post ``moves`` as done. ``tracking``/``codes`` map sku id to tracking mode and SKU code.

    ``extra_positions`` adds bucket deltas decided by the caller (e.g. ``incoming`` for a
    transfer); ``draft_ids`` completes existing draft moves instead of inserting new rows.
    """
    _validate(moves, tracking)
    levels, positions = _deltas(moves)
    for key, d in (extra_positions or {}).items():
        for bucket, delta in d.items():
            positions[key][bucket] += delta
    # Locations first so a plain shortage names the bin; then the warehouse's reservations.
    # Every batch takes its locks in this same order, so batches cannot deadlock each other.
    _check_levels(conn, levels, codes)
    _check_positions(conn, positions, codes)
    cost_plan = costing.plan(conn, moves)
    ids = _write_moves(conn, moves, cost_plan.values, draft_ids)
    apply_level_deltas(conn, levels)
    apply_position_deltas(conn, positions)
    costing.write(conn, cost_plan, ids)
    record(conn, [_event(i, m, v, codes) for i, m, v in zip(ids, moves, cost_plan.values,
                                                           strict=True)])
    return [Posted(i, m, v) for i, m, v in zip(ids, moves, cost_plan.values, strict=True)]


def _validate(moves: list[Move], tracking: dict[int, str]) -> None:
    problems = []
    for n, move in enumerate(moves):
        for message in move_problems(move, tracking[move.sku_id]):
            problems.append(Problem(f"moves[{n}]" if len(moves) > 1 else "move", message,
                                    line=n + 1 if len(moves) > 1 else None))
    if problems:
        raise ValidationFailed.of(problems)


def _deltas(moves: list[Move]) -> tuple[dict[LevelKey, tuple[int, bool]],
                                        defaultdict[PositionKey, defaultdict[str, int]]]:
    levels: dict[LevelKey, tuple[int, bool]] = {}
    positions: defaultdict[PositionKey, defaultdict[str, int]] = defaultdict(
        lambda: defaultdict(int))
    kinds: dict[int, tuple[bool, str]] = {}  # place id -> (physical, position bucket)
    for m in moves:
        for place, sign in ((m.source, -1), (m.dest, 1)):
            kind = kinds.get(place.id)
            if kind is None:
                kind = kinds[place.id] = (place.physical,
                                          "on_hand" if place.sellable else "quarantined")
            key = (place.id, m.sku_id, m.lot_id)
            old = levels[key][0] if key in levels else 0
            levels[key] = (old + sign * m.qty, kind[0])
            if kind[0] and place.warehouse_id is not None:
                positions[(place.warehouse_id, m.sku_id, m.lot_id)][kind[1]] += sign * m.qty
        if m.reserved_qty and m.source.physical and m.source.warehouse_id is not None:
            positions[(m.source.warehouse_id, m.sku_id, m.lot_id)]["reserved"] -= m.reserved_qty
    return levels, positions


def _locked(conn: Connection, stmt: Any) -> Any:
    return stmt.with_for_update() if conn.dialect.name == "postgresql" else stmt


def _check_levels(conn: Connection, levels: dict[LevelKey, tuple[int, bool]],
                  codes: dict[int, str]) -> None:
    """Every physical level that goes down must hold enough free stock (rows locked first)."""
    down = sorted(k for k, (d, physical) in levels.items() if physical and d < 0)
    if not down:
        return
    c = LEVELS.c
    have: dict[LevelKey, tuple[int, int]] = {}
    for chunk in _chunks(down):
        stmt = _locked(conn, select(c.location_id, c.sku_id, c.lot_id, c.on_hand, c.reserved)
                       .where(tuple_(c.location_id, c.sku_id, c.lot_id).in_(chunk))
                       .order_by(c.sku_id, c.location_id, c.lot_id))
        for r in conn.execute(stmt):
            have[(r.location_id, r.sku_id, r.lot_id)] = (r.on_hand, r.reserved)
    short = []
    for key in down:
        on_hand, reserved = have.get(key, (0, 0))
        if on_hand - reserved + levels[key][0] < 0:
            short.append(_shortfall(conn, codes, key, -levels[key][0], on_hand - reserved,
                                    warehouse=False))
    if short:
        raise InsufficientStock(short)


def _check_positions(conn: Connection, positions: Mapping[PositionKey, Mapping[str, int]],
                     codes: dict[int, str]) -> None:
    """Stock leaving a warehouse may not eat into what is reserved for others."""
    down = sorted(k for k, d in positions.items() if d.get("on_hand", 0) < 0
                  or d.get("quarantined", 0) < 0 or d.get("incoming", 0) < 0)
    if not down:
        return
    c = POSITIONS.c
    have: dict[PositionKey, Any] = {}
    for chunk in _chunks(down):
        stmt = _locked(conn, select(c.warehouse_id, c.sku_id, c.lot_id, c.on_hand, c.reserved,
                                    c.quarantined, c.incoming)
                       .where(tuple_(c.warehouse_id, c.sku_id, c.lot_id).in_(chunk))
                       .order_by(c.sku_id, c.warehouse_id, c.lot_id))
        for r in conn.execute(stmt):
            have[(r.warehouse_id, r.sku_id, r.lot_id)] = r
    short = []
    for key in down:
        row, d = have.get(key), positions[key]
        before = {b: getattr(row, b) if row else 0
                  for b in ("on_hand", "reserved", "quarantined", "incoming")}
        after = {b: v + d.get(b, 0) for b, v in before.items()}
        if after["on_hand"] < after["reserved"] or after["reserved"] < 0:
            short.append(_shortfall(conn, codes, key, -d.get("on_hand", 0),
                                    before["on_hand"] - after["reserved"], warehouse=True))
        elif after["quarantined"] < 0:
            short.append(_shortfall(conn, codes, key, -d["quarantined"], before["quarantined"],
                                    warehouse=True, bucket="quarantined"))
        elif after["incoming"] < 0:
            short.append(_shortfall(conn, codes, key, -d["incoming"], before["incoming"],
                                    warehouse=True, bucket="incoming"))
    if short:
        raise InsufficientStock(short)


def _shortfall(conn: Connection, codes: dict[int, str], key: tuple[int, int, int],
               requested: int, available: int, *, warehouse: bool,
               bucket: str = "free of reservations") -> Shortfall:
    from backroom.inventory.tables import LOCATIONS, LOTS, WAREHOUSES

    place_id, sku_id, lot_id = key
    table = WAREHOUSES if warehouse else LOCATIONS
    where = conn.execute(select(table.c.code).where(table.c.id == place_id)).scalar_one()
    lot = (conn.execute(select(LOTS.c.code).where(LOTS.c.id == lot_id)).scalar_one()
           if lot_id else "")
    label = f"warehouse {where} ({bucket})" if warehouse else where
    return Shortfall(codes.get(sku_id, str(sku_id)), label, requested, max(available, 0), lot)


def _write_moves(conn: Connection, moves: list[Move], values: list[int | None],
                 draft_ids: list[int | None] | None) -> list[int]:
    now, done_state = clock.now(), MoveState.DONE.value
    rows = [{"sku_id": m.sku_id, "lot_id": m.lot_id, "qty": m.qty,
             "from_location_id": m.source.id, "to_location_id": m.dest.id,
             "state": done_state, "reason": m.reason, "reference": m.reference,
             "note": m.note, "value_minor": v, "reverses_move_id": m.reverses_move_id,
             "transfer_id": m.transfer_id, "created_at": now, "done_at": now}
            for m, v in zip(moves, values, strict=True)]
    drafts = draft_ids or [None] * len(moves)
    new_rows = [r for r, d in zip(rows, drafts, strict=True) if d is None]
    new_ids = iter(insert_ids(conn, MOVES, new_rows))
    done = [{"mid": d, "v": r["value_minor"], "t": now}
            for r, d in zip(rows, drafts, strict=True) if d is not None]
    if done:
        conn.execute(update(MOVES).where(MOVES.c.id == bindparam("mid")).values(
            state=MoveState.DONE.value, value_minor=bindparam("v"), done_at=bindparam("t")), done)
    return [int(next(new_ids)) if d is None else d for d in drafts]


def _event(move_id: int, m: Move, value: int | None, codes: dict[int, str]) -> DomainEvent:
    return DomainEvent("stock.moved", {
        "move_id": move_id, "sku": codes.get(m.sku_id), "sku_id": m.sku_id, "lot_id": m.lot_id,
        "qty": m.qty, "from": m.source.code, "to": m.dest.code, "from_kind": m.source.kind.value,
        "to_kind": m.dest.kind.value, "reason": m.reason, "reference": m.reference,
        "value_minor": value}, aggregate=f"sku:{m.sku_id}")


def _chunks(items: list[Any], size: int = 300) -> Any:
    for i in range(0, len(items), size):
        yield items[i:i + size]
