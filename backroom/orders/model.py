"""Pure order domain: the lifecycle as data, derived payment and fulfillment states, holds and
the line-quantity rules. No database, no HTTP.

Every unit of an order line is in exactly one bucket::

    qty = open + reserved + shipped + cancelled        (returned is a part of shipped)

``open`` is not stored: it is what is left. ``backordered`` is a part of ``open`` (units waiting
for stock). The database enforces the same with CHECK constraints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class OrderState(StrEnum):
    OPEN = "open"  # accepted, nothing held, waiting to be sourced and fulfilled
    ON_HOLD = "on_hold"  # at least one active hold: not released to fulfillment
    PROCESSING = "processing"  # released: some units reserved or shipped
    COMPLETED = "completed"  # every unit shipped or cancelled, at least one shipped
    CANCELLED = "cancelled"  # every unit cancelled


S = OrderState
_FORWARD = {
    S.OPEN: {S.ON_HOLD, S.PROCESSING, S.COMPLETED, S.CANCELLED},
    S.ON_HOLD: {S.OPEN, S.PROCESSING, S.COMPLETED, S.CANCELLED},
    S.PROCESSING: {S.OPEN, S.ON_HOLD, S.COMPLETED, S.CANCELLED},
}
TRANSITIONS: frozenset[tuple[OrderState, OrderState]] = frozenset(
    (current, target) for current, targets in _FORWARD.items() for target in targets)
FINAL_STATES = frozenset({S.COMPLETED, S.CANCELLED})
# Address and quantities may change only before anything is committed to a warehouse.
EDITABLE_STATES = frozenset({S.OPEN, S.ON_HOLD})


class InvalidTransition(ValueError):
    pass


def transition(current: OrderState, target: OrderState) -> OrderState:
    """``target`` if the move is allowed (or no move at all), else ``InvalidTransition``."""
    if current == target:
        return target
    if (current, target) not in TRANSITIONS:
        raise InvalidTransition(f"a {current} order cannot become {target}")
    return target


class PaymentState(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class FulfillmentState(StrEnum):
    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    BACKORDERED = "backordered"


class HoldKind(StrEnum):
    FRAUD_REVIEW = "fraud_review"
    ADDRESS_PROBLEM = "address_problem"
    PAYMENT_PENDING = "payment_pending"
    UNKNOWN_SKU = "unknown_sku"
    MANUAL = "manual"


# Holds the system places itself and lifts again once the cause is gone.
AUTOMATIC_HOLDS = frozenset({HoldKind.ADDRESS_PROBLEM, HoldKind.PAYMENT_PENDING,
                             HoldKind.UNKNOWN_SKU})
SYSTEM = "system"


class ChannelKind(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    CSV = "csv"
    API = "api"


@dataclass(frozen=True, slots=True)
class LineCounts:
    """The quantity buckets of one order line."""

    qty: int
    cancelled: int = 0
    reserved: int = 0
    shipped: int = 0
    returned: int = 0
    backordered: int = 0
    requires_shipping: bool = True

    @property
    def open(self) -> int:
        return self.qty - self.cancelled - self.reserved - self.shipped

    @property
    def active(self) -> int:
        """Units still wanted by the customer (ordered minus cancelled)."""
        return self.qty - self.cancelled

    @property
    def cancellable(self) -> int:
        """Units that can still be cancelled: open or reserved, never shipped."""
        return self.open + self.reserved

    def problems(self) -> list[str]:
        """Why these counts break the line invariant (empty if they do not)."""
        out = []
        if self.qty <= 0:
            out.append("qty must be positive")
        for name in ("cancelled", "reserved", "shipped", "returned", "backordered"):
            if getattr(self, name) < 0:
                out.append(f"{name} must not be negative")
        if self.open < 0:
            out.append("cancelled + reserved + shipped exceed qty")
        if self.backordered > max(self.open, 0):
            out.append("backordered exceeds the open units")
        if self.returned > self.shipped:
            out.append("returned exceeds shipped")
        return out


def shippable(lines: Iterable[LineCounts]) -> list[LineCounts]:
    return [line for line in lines if line.requires_shipping]


def derive_state(lines: Sequence[LineCounts], active_holds: int) -> OrderState:
    """The state the order's lines and holds put it in."""
    if all(line.active == 0 for line in lines):
        return S.CANCELLED
    physical = [line for line in shippable(lines) if line.active]
    if all(line.open == 0 and line.reserved == 0 for line in physical):
        return S.COMPLETED  # everything wanted has shipped (or there is nothing to ship)
    if active_holds:
        return S.ON_HOLD
    if any(line.reserved or line.shipped for line in physical):
        return S.PROCESSING
    return S.OPEN


def fulfillment_state(lines: Sequence[LineCounts]) -> FulfillmentState:
    physical = [line for line in shippable(lines) if line.active]
    wanted = sum(line.active for line in physical)
    shipped = sum(line.shipped for line in physical)
    if wanted and shipped >= wanted:
        return FulfillmentState.FULFILLED
    if any(line.backordered for line in physical):
        return FulfillmentState.BACKORDERED
    if shipped:
        return FulfillmentState.PARTIALLY_FULFILLED
    return FulfillmentState.UNFULFILLED


def payment_state(total: int, authorized: int, paid: int, refunded: int) -> PaymentState:
    """From the amounts (minor units) the channel reports as authorized, paid and refunded."""
    if paid > 0 and refunded >= paid:
        return PaymentState.REFUNDED
    if refunded > 0:
        return PaymentState.PARTIALLY_REFUNDED
    if total == 0 or (paid > 0 and paid >= total):
        return PaymentState.PAID
    if paid > 0:
        return PaymentState.PARTIALLY_PAID
    if authorized > 0:
        return PaymentState.AUTHORIZED
    return PaymentState.PENDING


# Payment states in which goods may leave the building.
SETTLED_PAYMENT = frozenset({PaymentState.AUTHORIZED, PaymentState.PAID,
                             PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED})
PAID_STATES = frozenset({PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED,
                         PaymentState.REFUNDED})


@dataclass(frozen=True, slots=True)
class CancelPlan:
    """How a cancellation of ``from_open + from_reserved`` units of a line is carried out."""

    from_open: int
    from_reserved: int
    from_backorder: int

    @property
    def qty(self) -> int:
        return self.from_open + self.from_reserved


def plan_cancel(line: LineCounts, qty: int | None = None) -> CancelPlan:
    """Cancel ``qty`` units (default: all that can be), open units first, then reserved ones
    (whose reservations must be released). ``ValueError`` if more are asked than can be."""
    want = line.cancellable if qty is None else qty
    if want < 0:
        raise ValueError("must not be negative")
    if want > line.cancellable:
        raise ValueError(f"only {line.cancellable} of {line.qty} can still be cancelled "
                         f"({line.shipped} shipped, {line.cancelled} already cancelled)")
    from_open = min(want, line.open)
    # Backordered units are open units: they go first, before open units that are not waiting.
    from_backorder = min(from_open, line.backordered)
    return CancelPlan(from_open, want - from_open, from_backorder)


@dataclass(frozen=True, slots=True)
class QuantityChange:
    """The channel now wants ``target`` units of a line: add units or cancel open ones."""

    add: int = 0
    cancel: CancelPlan | None = None
    refused: str = ""


def plan_quantity(line: LineCounts, target: int) -> QuantityChange:
    """Only what is not yet committed may change: a decrease cancels open units and never
    touches reserved or shipped ones; an increase adds units to the line."""
    if target == line.active:
        return QuantityChange()
    if target > line.active:
        return QuantityChange(add=target - line.active)
    drop = line.active - target
    if drop > line.open:
        return QuantityChange(refused=(
            f"cannot lower to {target}: {line.reserved} reserved and {line.shipped} shipped "
            f"leave only {line.open} open to cancel"))
    return QuantityChange(cancel=plan_cancel(line, drop))


def unknown_sku_reason(skus: Sequence[str]) -> str:
    shown = ", ".join(repr(s) for s in skus[:10])
    more = f" and {len(skus) - 10} more" if len(skus) > 10 else ""
    noun = "SKU" if len(skus) == 1 else "SKUs"
    return (f"channel {noun} {shown}{more} not mapped to a product; map with "
            "`backroom orders map-sku`")
