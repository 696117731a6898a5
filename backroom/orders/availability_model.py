"""Channel availability, pure: what a channel may sell of a SKU, and what is sent for it.

Per warehouse feeding the channel, ``free = on_hand − reserved − safety_stock`` (lots summed;
safety stock is per warehouse and SKU). A warehouse whose reservations already eat into its
safety stock counts as 0, not less: its deficit cannot use another warehouse's stock, so it
must not hide that stock from the channel. Then::

    available = max(0, Σ free of the level's warehouses − buffer)

``buffer`` is the SKU's override on the channel, else the channel's default (0 if none). A
*level* is what one number is sent for: for Shopify channels one per mapped ``location_id``
(the warehouses mapped to it), for every other channel one, ``all`` (every feeding warehouse).
The buffer is held back at each level. An inactive product has 0 everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backroom.core.errors import ValidationFailed
from backroom.orders.model import ChannelKind

ALL = "all"
EVENT_TYPE = "channel.inventory_level"
MAX_EXTERNAL_ID = 2**63 - 1  # Shopify ids are 64-bit integers
MAX_BUFFER = 100_000_000


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0

    @property
    def free(self) -> int:
        """What this warehouse can still promise; 0 when reservations eat its safety stock."""
        return max(0, self.on_hand - self.reserved - self.safety_stock)


@dataclass(frozen=True, slots=True)
class ChannelSetup:
    """One channel's availability settings, as far as they concern the SKUs being computed."""

    id: int
    code: str
    kind: str
    warehouses: Mapping[int, str]  # id -> code of every warehouse feeding the channel
    default_buffer: int = 0
    buffers: Mapping[int, int] = field(default_factory=dict)  # product id -> override
    locations: Mapping[int, int] = field(default_factory=dict)  # warehouse id -> location
    items: Mapping[int, int] = field(default_factory=dict)  # product id -> inventory item

    @property
    def is_shopify(self) -> bool:
        return self.kind == ChannelKind.SHOPIFY.value

    def buffer_for(self, product_id: int) -> int:
        return self.buffers.get(product_id, self.default_buffer)


@dataclass(frozen=True, slots=True)
class Level:
    """One number to send: the level key, its warehouses and, for Shopify, its ids."""

    key: str
    warehouse_ids: tuple[int, ...]
    available: int
    location_id: int | None = None
    inventory_item_id: int | None = None


def level_key(location_id: int | None) -> str:
    return ALL if location_id is None else f"location:{location_id}"


def available(stock: Mapping[int, WarehouseStock], warehouse_ids: tuple[int, ...],
              buffer: int) -> int:
    """``max(0, Σ free − buffer)`` over ``warehouse_ids``."""
    free = sum(stock[w].free for w in warehouse_ids if w in stock)
    return max(0, free - buffer)


def location_groups(setup: ChannelSetup) -> dict[int, tuple[int, ...]]:
    """Shopify: location id -> the feeding warehouses mapped to it."""
    groups: dict[int, list[int]] = {}
    for wid in sorted(setup.warehouses):
        loc = setup.locations.get(wid)
        if loc is not None:
            groups.setdefault(loc, []).append(wid)
    return {loc: tuple(ws) for loc, ws in sorted(groups.items())}


def levels(setup: ChannelSetup, product_id: int, stock: Mapping[int, WarehouseStock],
           active: bool = True) -> list[Level]:
    """The levels the channel should show for the SKU now (none for a Shopify SKU without an
    inventory item: it cannot be addressed)."""
    buffer = setup.buffer_for(product_id)

    def value(ws: tuple[int, ...]) -> int:
        return available(stock, ws, buffer) if active else 0

    if not setup.is_shopify:
        ws = tuple(sorted(setup.warehouses))
        return [Level(ALL, ws, value(ws))]
    item = setup.items.get(product_id)
    if item is None:
        return []
    return [Level(level_key(loc), ws, value(ws), loc, item)
            for loc, ws in location_groups(setup).items()]


def payload(setup: ChannelSetup, sku: str, level: Level) -> dict[str, Any]:
    """The ``channel.inventory_level`` payload: Shopify's ``inventory_levels/set.json`` body
    plus ``channel`` and ``sku``; for other channels Backroom's codes."""
    if level.location_id is not None:
        return {"location_id": level.location_id, "inventory_item_id": level.inventory_item_id,
                "available": level.available, "channel": setup.code, "sku": sku}
    return {"channel": setup.code, "sku": sku, "warehouse": level.key,
            "available": level.available}


def external_id(field_name: str, value: Any, gid_type: str = "") -> int:
    """A Shopify id: a whole number from 1 to 2^63−1, given as an int, as decimal digits or as
    a GraphQL global id (``gid://shopify/<gid_type>/<number>``)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed.single(field_name, value, "must be a whole number")
    text = value.strip() if isinstance(value, str) else str(value)
    prefix = f"gid://shopify/{gid_type}/"
    if gid_type and text.startswith(prefix):
        text = text[len(prefix):]
    if not text.isascii() or not text.isdigit():
        raise ValidationFailed.single(field_name, value, "must be a positive whole number "
                                      "(Shopify's numeric id, e.g. 44871598391)")
    number = int(text)
    if not 1 <= number <= MAX_EXTERNAL_ID:
        raise ValidationFailed.single(field_name, value,
                                      f"must be between 1 and {MAX_EXTERNAL_ID}")
    return number


def buffer_value(value: Any, field_name: str = "buffer") -> int:
    """A buffer: a whole number of units from 0 to 100,000,000."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.single(field_name, value, "must be a whole number")
    if value < 0:
        raise ValidationFailed.single(field_name, value, "must not be negative")
    if value > MAX_BUFFER:
        raise ValidationFailed.single(field_name, value, f"must be at most {MAX_BUFFER}")
    return value
