"""Inventory use cases: receive, move, adjust, transfer, reserve, release, ship, reverse.

Each takes a ``UnitOfWork``, resolves codes to ids, builds ``Move`` values and hands them to
``ledger.post`` inside one transaction; events go to the outbox in that same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from backroom.core.errors import Conflict, NotFound, ProblemCollector, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.core.money import exponent, round_minor
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.inventory import ledger, reservations, resolve
from backroom.inventory.model import ADJUSTMENT_REASONS, LocationKind, Move, Place, Reason
from backroom.inventory.tables import MOVES


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    sku: str
    qty: int
    unit_cost: Decimal | None = None
    lot: str | None = None
    expiry: date | None = None


@dataclass(frozen=True, slots=True)
class TransferLineSpec:
    sku: str
    qty: int
    lot: str | None = None


@dataclass
class Result:
    """What a use case did, ready to print or return as JSON."""

    moves: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"moves": self.moves, **self.extra}


def _posted(posted: list[ledger.Posted], codes: dict[int, str]) -> list[dict[str, Any]]:
    return [{"id": p.id, "sku": codes[p.move.sku_id], "qty": p.move.qty,
             "from": p.move.source.code, "to": p.move.dest.code, "reason": p.move.reason,
             "reference": p.move.reference, "value_minor": p.value_minor} for p in posted]


def _post(conn: Connection, moves: list[Move], skus: dict[str, resolve.Sku],
          **kwargs: Any) -> list[dict[str, Any]]:
    tracking = {s.id: s.tracking for s in skus.values()}
    codes = {s.id: s.code for s in skus.values()}
    return _posted(ledger.post(conn, moves, tracking=tracking, codes=codes, **kwargs), codes)


def receive(uow: UnitOfWork, warehouse: str, lines: list[ReceiptLine], *, reference: str = "",
            location: str | None = None) -> Result:
    """Goods arrive from a supplier: SUPPLIER → the warehouse's input (or ``location``)."""
    if not lines:
        raise ValidationFailed.single("lines", [], "a receipt needs at least one line")
    places = exponent(get_settings().base_currency)
    with uow.transaction() as conn:
        dest = (resolve.place(conn, location) if location
                else resolve.warehouse_location(conn, warehouse, LocationKind.INPUT))
        if not dest.physical or dest.warehouse_id != resolve.warehouse_id(conn, warehouse):
            raise ValidationFailed.single("location", location,
                                          f"is not a location of warehouse {warehouse}")
        skus = resolve.skus(conn, (ln.sku for ln in lines))
        supplier = resolve.virtual(conn, LocationKind.SUPPLIER)
        problems = ProblemCollector()
        moves = []
        for n, ln in enumerate(lines, start=1):
            value = None
            if ln.unit_cost is not None:
                # Unit costs may carry sub-minor precision (3 for 10.00); the line value may not.
                unit = Decimal(str(ln.unit_cost)).scaleb(places)
                if not unit.is_finite() or unit < 0:
                    problems.add("unit_cost", "must be a non-negative number", str(ln.unit_cost),
                                 n)
                    continue
                value = round_minor(unit * ln.qty)
            sku = skus[ln.sku]
            lot = resolve.ensure_lot(conn, sku, ln.lot, ln.expiry) if ln.lot else 0
            moves.append(Move(sku.id, ln.qty, supplier, dest, Reason.RECEIPT.value, lot_id=lot,
                              reference=reference, value_minor=value))
        problems.raise_if_any()
        return Result(_post(conn, moves, skus))


def move(uow: UnitOfWork, sku: str, qty: int, source: str, dest: str, *, lot: str | None = None,
         reason: str = Reason.INTERNAL.value, reference: str = "", note: str = "") -> Result:
    """Move stock between two locations of the same warehouse (putaway, bin to bin, quarantine)."""
    with uow.transaction() as conn:
        s = resolve.sku(conn, sku)
        places = resolve.places(conn, [source, dest])
        src, dst = places[source], places[dest]
        for field_name, p in (("from", src), ("to", dst)):
            if not p.physical:
                raise ValidationFailed.single(field_name, p.code, "internal moves are between "
                                              "warehouse locations; use receive/ship/adjust/"
                                              "transfer for virtual ones")
        lot_id = resolve.lot_id(conn, s, lot)
        return Result(_post(conn, [Move(s.id, qty, src, dst, reason, lot_id=lot_id,
                                        reference=reference, note=note)], {sku: s}))


def adjust(uow: UnitOfWork, location: str, sku: str, delta: int, *, reason: str,
           lot: str | None = None, reference: str = "", note: str = "",
           expiry: date | None = None) -> Result:
    """Correct stock: a negative ``delta`` goes to LOSS, a positive one comes from LOSS."""
    if reason not in ADJUSTMENT_REASONS:
        raise ValidationFailed.single("reason", reason, "must be one of "
                                      + ", ".join(sorted(ADJUSTMENT_REASONS)))
    if not isinstance(delta, int) or delta == 0:
        raise ValidationFailed.single("delta", delta, "must be a non-zero whole number")
    with uow.transaction() as conn:
        s = resolve.sku(conn, sku)
        place = resolve.place(conn, location)
        if not place.physical:
            raise ValidationFailed.single("location", location, "adjustments apply to warehouse "
                                          "locations, not virtual ones")
        lot_id = (resolve.ensure_lot(conn, s, lot, expiry) if lot and delta > 0
                  else resolve.lot_id(conn, s, lot))
        loss = resolve.virtual(conn, LocationKind.LOSS)
        src, dst = (loss, place) if delta > 0 else (place, loss)
        return Result(_post(conn, [Move(s.id, abs(delta), src, dst, reason, lot_id=lot_id,
                                        reference=reference, note=note)], {sku: s}))


@dataclass(frozen=True, slots=True)
class ShipLine:
    sku: str
    qty: int
    source: str
    reference: str = ""
    lot: str | None = None


def ship(uow: UnitOfWork, sku: str, qty: int, source: str, *, reference: str = "",
         lot: str | None = None) -> Result:
    """Stock leaves to the customer, using reservations held under ``reference`` first."""
    return ship_many(uow, [ShipLine(sku, qty, source, reference, lot)])[0]


def ship_many(uow: UnitOfWork, lines: Sequence[ShipLine]) -> list[Result]:
    """``ship`` for many lines in one posting (a few statements for any number of lines), each
    using the reservations held under its reference first; all or nothing. One ``Result`` per
    line (its move and ``reservation_consumed``)."""
    if not lines:
        return []
    with uow.transaction() as conn:
        skus = resolve.skus(conn, (ln.sku for ln in lines))
        places = resolve.places(conn, (ln.source for ln in lines))
        problems = ProblemCollector()
        for n, ln in enumerate(lines, start=1):
            if not places[ln.source].physical:
                problems.add("from", "must be a warehouse location", ln.source,
                             n if len(lines) > 1 else None)
        problems.raise_if_any()
        lots: dict[tuple[str, str], int] = {}
        for ln in lines:
            if ln.lot and (ln.sku, ln.lot) not in lots:
                lots[(ln.sku, ln.lot)] = resolve.lot_id(conn, skus[ln.sku], ln.lot)
        uses = [reservations.Use(places[ln.source].warehouse_id or 0, skus[ln.sku].id,
                                 lots.get((ln.sku, ln.lot or ""), 0), ln.reference, ln.qty)
                for ln in lines]
        used = reservations.consume_many(conn, uses)
        customer = resolve.virtual(conn, LocationKind.CUSTOMER)
        moves = [Move(u.sku_id, ln.qty, places[ln.source], customer, Reason.SHIPMENT.value,
                      lot_id=u.lot_id, reference=ln.reference, reserved_qty=n)
                 for ln, u, n in zip(lines, uses, used, strict=True)]
        posted = _post(conn, moves, skus)
        return [Result([p], {"reservation_consumed": n})
                for p, n in zip(posted, used, strict=True)]


def reserve(uow: UnitOfWork, warehouse: str, sku: str, qty: int, reference: str, *,
            lot: str | None = None) -> list[reservations.Reserved]:
    """Commit ``qty`` units of ``sku`` in ``warehouse`` to ``reference`` (e.g. an order line)."""
    with uow.transaction() as conn:
        s = resolve.sku(conn, sku)
        wh = resolve.warehouse_id(conn, warehouse)
        lot_id = resolve.lot_id(conn, s, lot) if lot else None
        return reservations.reserve(conn, warehouse_id=wh, sku_id=s.id, qty=qty,
                                    reference=reference, tracking=s.tracking, lot_id=lot_id,
                                    labels=(warehouse, sku))


def release(uow: UnitOfWork, *, reservation_id: int | None = None, reference: str | None = None,
            qty: int | None = None) -> list[dict[str, int]]:
    with uow.transaction() as conn:
        return reservations.release(conn, reservation_id=reservation_id, reference=reference,
                                    qty=qty)


def set_safety_stock(uow: UnitOfWork, warehouse: str, sku: str, qty: int) -> dict[str, Any]:
    """Units held back from sale in a warehouse (existing reservations are kept as they are)."""
    if qty < 0:
        raise ValidationFailed.single("safety_stock", qty, "must not be negative")
    with uow.transaction() as conn:
        s = resolve.sku(conn, sku)
        wh = resolve.warehouse_id(conn, warehouse)
        from backroom.inventory.upserts import upsert_setting

        upsert_setting(conn, wh, s.id, qty)
        record(conn, [DomainEvent("stock.safety_changed", {"warehouse": warehouse, "sku": sku,
                                                           "safety_stock": qty})])
        return {"warehouse": warehouse, "sku": sku, "safety_stock": qty}


def reverse(uow: UnitOfWork, move_id: int, *, note: str = "") -> Result:
    """Correct a done move with its mirror image; the original stays in the ledger."""
    with uow.transaction() as conn:
        m = MOVES.c
        row = conn.execute(select(MOVES).where(m.id == move_id)).first()
        if row is None:
            raise NotFound(f"no stock move {move_id}")
        if row.state != "done":
            raise Conflict(f"move {move_id} is {row.state}; only done moves can be reversed")
        if row.transfer_id is not None:
            # Undoing one leg would leave the transfer's `incoming` and state behind.
            raise Conflict(f"move {move_id} belongs to transfer {row.transfer_id}; transfer "
                           "moves cannot be reversed: send the stock back with a new transfer")
        if conn.execute(select(func.count()).select_from(MOVES).where(
                m.reverses_move_id == move_id)).scalar_one():
            raise Conflict(f"move {move_id} was already reversed")
        places = _places_by_id(conn, [row.from_location_id, row.to_location_id])
        skus = _skus_by_id(conn, [row.sku_id])
        back = Move(row.sku_id, row.qty, places[row.to_location_id],
                    places[row.from_location_id], Reason.REVERSAL.value, lot_id=row.lot_id,
                    reference=row.reference, note=note or f"reverses move {move_id}",
                    value_minor=row.value_minor, transfer_id=row.transfer_id,
                    reverses_move_id=move_id)
        return Result(_post(conn, [back], skus))


def _places_by_id(conn: Connection, ids: list[int]) -> dict[int, Place]:
    from backroom.inventory.tables import LOCATIONS

    c = LOCATIONS.c
    return {r.id: Place(r.id, r.code, LocationKind(r.kind), r.warehouse_id)
            for r in conn.execute(select(c.id, c.code, c.kind, c.warehouse_id)
                                  .where(c.id.in_(ids)))}


def _skus_by_id(conn: Connection, ids: list[int]) -> dict[str, resolve.Sku]:
    from backroom.catalog.tables import PRODUCTS

    p = PRODUCTS.c
    return {r.sku: resolve.Sku(r.id, r.sku, r.tracking, r.active, r.standard_cost_minor)
            for r in conn.execute(select(p.id, p.sku, p.tracking, p.active,
                                         p.standard_cost_minor).where(p.id.in_(ids)))}
