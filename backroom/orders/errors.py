"""Order errors with stable codes (HTTP status, CLI exit 2 via ``BackroomError``)."""

from __future__ import annotations

from backroom.core.errors import Conflict, ValidationFailed


class CurrencyMismatch(ValidationFailed):
    code = "currency_mismatch"


class OrderNotEditable(Conflict):
    code = "order_not_editable"
    title = "Order cannot change"


class OrderOnHold(Conflict):
    """Raised when fulfillment asks to release an order that is held (or cancelled)."""

    code = "order_on_hold"
    title = "Order is on hold"


class WrongChannel(ValidationFailed):
    code = "wrong_channel"
