"""Pure inventory domain: location kinds, move rules, FEFO/FIFO choice and FIFO costing.

No database here; services feed these functions plain values and persist what they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class LocationKind(StrEnum):
    INPUT = "input"
    STORAGE = "storage"
    PACK = "pack"
    OUTPUT = "output"
    QUARANTINE = "quarantine"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    TRANSIT = "transit"
    LOSS = "loss"
    RETURNS = "returns"


PHYSICAL_KINDS = frozenset({LocationKind.INPUT, LocationKind.STORAGE, LocationKind.PACK,
                            LocationKind.OUTPUT, LocationKind.QUARANTINE})
SELLABLE_KINDS = frozenset({LocationKind.INPUT, LocationKind.STORAGE, LocationKind.PACK,
                            LocationKind.OUTPUT})
VIRTUAL_KINDS = frozenset(set(LocationKind) - PHYSICAL_KINDS)

# Every database has exactly one location of each virtual kind, created by the first migration.
VIRTUAL_CODES = {
    LocationKind.SUPPLIER: "SUPPLIER",
    LocationKind.CUSTOMER: "CUSTOMER",
    LocationKind.TRANSIT: "TRANSIT",
    LocationKind.LOSS: "LOSS",
    LocationKind.RETURNS: "RETURNS",
}

# The standard (non-bin) locations each warehouse gets, by code suffix: "<WH>-INPUT" etc.
STANDARD_LOCATIONS = {
    LocationKind.INPUT: "INPUT",
    LocationKind.PACK: "PACK",
    LocationKind.OUTPUT: "OUTPUT",
    LocationKind.QUARANTINE: "QUARANTINE",
}


class MoveState(StrEnum):
    DRAFT = "draft"
    RESERVED = "reserved"
    DONE = "done"
    CANCELLED = "cancelled"


TRANSITIONS = frozenset({
    (MoveState.DRAFT, MoveState.RESERVED),
    (MoveState.DRAFT, MoveState.DONE),
    (MoveState.DRAFT, MoveState.CANCELLED),
    (MoveState.RESERVED, MoveState.DONE),
    (MoveState.RESERVED, MoveState.CANCELLED),
})


def transition(current: MoveState, target: MoveState) -> MoveState:
    """The next state, or ``ValueError`` for a forbidden move (done/cancelled are final)."""
    if (current, target) not in TRANSITIONS:
        raise ValueError(f"a {current} move cannot become {target}")
    return target


class Reason(StrEnum):
    """Why stock moved; adjustments use COUNT/DAMAGE/FOUND/SHRINKAGE/OTHER."""

    RECEIPT = "receipt"
    PUTAWAY = "putaway"
    INTERNAL = "internal"
    TRANSFER = "transfer"
    SHIPMENT = "shipment"
    RETURN = "return"
    COUNT = "count"
    DAMAGE = "damage"
    FOUND = "found"
    SHRINKAGE = "shrinkage"
    QUARANTINE = "quarantine"
    REVERSAL = "reversal"
    OTHER = "other"


ADJUSTMENT_REASONS = frozenset({Reason.COUNT, Reason.DAMAGE, Reason.FOUND, Reason.SHRINKAGE,
                                Reason.OTHER})


@dataclass(frozen=True, slots=True)
class Place:
    """What the ledger needs to know about a location."""

    id: int
    code: str
    kind: LocationKind
    warehouse_id: int | None
    active: bool = True

    @property
    def physical(self) -> bool:
        return self.kind in PHYSICAL_KINDS

    @property
    def sellable(self) -> bool:
        return self.kind in SELLABLE_KINDS

    @property
    def valuation_area(self) -> tuple[str, int | None] | None:
        """Where value sits: a warehouse, goods in transit, or nowhere (outside the company)."""
        if self.physical:
            return ("warehouse", self.warehouse_id)
        if self.kind is LocationKind.TRANSIT:
            return ("transit", None)
        return None


@dataclass(frozen=True, slots=True)
class Move:
    """A validated, resolved move ready for the ledger."""

    sku_id: int
    qty: int
    source: Place
    dest: Place
    reason: str
    lot_id: int = 0
    reference: str = ""
    note: str = ""
    value_minor: int | None = None  # known value of units entering from outside (receipts)
    transfer_id: int | None = None
    reverses_move_id: int | None = None
    # Quantity of this move that consumes reservations already held under ``reference``.
    reserved_qty: int = 0


def move_problems(move: Move, tracking: str) -> list[str]:
    """Everything wrong with ``move`` on its own (stock sufficiency is checked by the ledger)."""
    problems = []
    if move.qty <= 0:
        problems.append(f"quantity must be a positive whole number, got {move.qty}")
    if move.source.id == move.dest.id:
        problems.append(f"source and destination are the same location {move.source.code}")
    if not move.source.physical and not move.dest.physical:
        problems.append(f"a move between two virtual locations ({move.source.code} → "
                        f"{move.dest.code}) changes no stock; one end must be a warehouse")
    if (move.source.physical and move.dest.physical
            and move.source.warehouse_id != move.dest.warehouse_id):
        problems.append("moves between warehouses go through TRANSIT: use a transfer")
    if not move.dest.active:
        problems.append(f"location {move.dest.code} is deactivated: nothing can be moved into it")
    if tracking in ("lot", "serial") and move.lot_id == 0:
        problems.append(f"the SKU is {tracking}-tracked: a lot/serial is required")
    if tracking == "none" and move.lot_id != 0:
        problems.append("the SKU is not lot-tracked: no lot may be given")
    if tracking == "serial" and move.qty != 1:
        problems.append(f"serial-tracked units move one at a time, got quantity {move.qty}")
    if move.value_minor is not None and move.value_minor < 0:
        problems.append(f"value must not be negative, got {move.value_minor}")
    return problems


@dataclass(frozen=True, slots=True)
class LayerSlice:
    """Part of a cost layer: how many units and what value a move takes from it."""

    layer_id: int
    qty: int
    value: int


def consume_fifo(layers: list[tuple[int, int, int]], qty: int) -> list[LayerSlice]:
    """Take ``qty`` units from ``layers`` (id, qty_remaining, value_remaining) oldest first.

    Each slice's value is its share of the layer's remaining value; taking a layer's last unit
    takes its last cent, so slices always add up to exactly what the layers held.
    """
    from backroom.core.money import take_share

    slices: list[LayerSlice] = []
    left = qty
    for layer_id, remaining, value in layers:
        if left == 0:
            break
        if remaining <= 0:
            continue
        take = min(left, remaining)
        slices.append(LayerSlice(layer_id, take, take_share(value, remaining, take)))
        left -= take
    if left:
        raise ValueError(f"cost layers hold {qty - left} units, {qty} needed")
    return slices


@dataclass(frozen=True, slots=True)
class LotStock:
    """Free stock of one lot in one location, for choosing what to take."""

    location_id: int
    lot_id: int
    free: int
    expiry: date | None
    received_order: int  # lower = received earlier (lot id or first-receipt sequence)
    location_code: str = ""


def choose_stock(candidates: list[LotStock], qty: int, *, fefo: bool) -> list[tuple[LotStock, int]]:
    """Pick ``qty`` units: first-expiry-first-out when ``fefo``, else first-in-first-out.

    Lots without expiry go after lots with one under FEFO. Ties break by receipt order, then
    by location code so the result is deterministic. Returns what it could take (may be short).
    """

    def key(c: LotStock) -> tuple[int, date, int, str]:
        far = date.max
        if fefo:
            return (0 if c.expiry else 1, c.expiry or far, c.received_order, c.location_code)
        return (0, far, c.received_order, c.location_code)

    picks: list[tuple[LotStock, int]] = []
    left = qty
    for cand in sorted((c for c in candidates if c.free > 0), key=key):
        if left == 0:
            break
        take = min(left, cand.free)
        picks.append((cand, take))
        left -= take
    return picks
