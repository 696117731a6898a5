"""Channel availability settings: which warehouses feed a channel, how many units it holds
back (a default buffer and per-SKU overrides), and for Shopify channels the warehouse →
``location_id`` and SKU → ``inventory_item_id`` mappings.

Every change writes a ``channel.availability_configured`` event in the same transaction;
``availability_sync`` reads it and recomputes what the change affects. Bad input (unknown
channel, SKU or warehouse, a negative buffer, a Shopify id that is not a positive whole
number) raises before anything is written.

Removing a mapping (``unmap_location``, ``unmap_item``) also sends a final ``available: 0``
for every level last exported under it with another value, and forgets those levels, in the
same transaction: Shopify must not keep selling stock Backroom no longer reports there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.inventory.tables import WAREHOUSES
from backroom.orders.availability_compute import (
    ExportCounts,
    lock_cursor,
    recompute,
    zero_exported,
)
from backroom.orders.availability_model import buffer_value, external_id, level_key
from backroom.orders.availability_tables import (
    CHANNEL_LOCATIONS,
    CHANNEL_WAREHOUSES,
    EXPORTS,
    INVENTORY_ITEMS,
    SKU_BUFFERS,
    STOCK_SETTINGS,
)
from backroom.orders.channels import get_channel
from backroom.orders.model import ChannelKind

CONFIGURED = "channel.availability_configured"


def product_id(conn: Connection, sku: str, field_name: str = "sku") -> int:
    found = conn.execute(select(PRODUCTS.c.id).where(PRODUCTS.c.sku == sku.strip())
                         ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"unknown SKU {sku!r}", problems=[Problem(field_name, "unknown SKU", sku)],
                       data={"sku": sku})
    return int(found)


def warehouse_ids(conn: Connection, codes: Sequence[str],
                  field_name: str = "warehouse") -> dict[str, int]:
    """Code -> id for every code; one NotFound naming every unknown one."""
    wanted = sorted({c.strip() for c in codes})
    w = WAREHOUSES.c
    found = {r.code: r.id for r in conn.execute(select(w.code, w.id).where(w.code.in_(wanted)))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(f"unknown warehouse: {', '.join(missing)}",
                       problems=[Problem(field_name, "unknown warehouse", c) for c in missing])
    return {c: int(i) for c, i in found.items()}


def _upsert(conn: Connection, table: Any, keys: dict[str, Any], values: dict[str, Any]) -> None:
    ins = pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
    conn.execute(ins.values(**keys, **values)
                 .on_conflict_do_update(index_elements=list(keys), set_=values))


def _announce(conn: Connection, ch: Row[Any], change: str, sku_id: int | None = None,
              sku: str | None = None) -> None:
    record(conn, [DomainEvent(CONFIGURED, {"channel_id": ch.id, "channel": ch.code,
                                           "change": change, "sku_id": sku_id, "sku": sku},
                              f"channel:{ch.code}")])


def _shopify(ch: Row[Any]) -> None:
    if ch.kind != ChannelKind.SHOPIFY.value:
        raise ValidationFailed.single("channel", ch.code, f"is a {ch.kind} channel; Shopify "
                                      "location and inventory item ids apply to shopify "
                                      "channels only")


def set_buffer(uow: UnitOfWork, channel: str, buffer: int | None,
               sku: str | None = None) -> dict[str, Any]:
    """Hold back ``buffer`` units of every SKU (or of ``sku`` only, replacing the default for
    it) from the channel. ``buffer`` None with a SKU removes that SKU's override."""
    if buffer is None and not sku:
        raise ValidationFailed.single("buffer", None, "is required for the channel default "
                                      "(only a SKU's override can be removed)")
    qty = None if buffer is None else buffer_value(buffer)
    now = clock.now()
    with uow.transaction() as conn:
        ch = get_channel(conn, channel)
        if not sku:
            _upsert(conn, STOCK_SETTINGS, {"channel_id": ch.id},
                    {"default_buffer": qty, "updated_at": now})
            _announce(conn, ch, "buffer")
            return {"channel": ch.code, "sku": None, "buffer": qty}
        pid = product_id(conn, sku)
        code = sku.strip()
        if qty is None:
            conn.execute(delete(SKU_BUFFERS).where(SKU_BUFFERS.c.channel_id == ch.id,
                                                   SKU_BUFFERS.c.product_id == pid))
        else:
            _upsert(conn, SKU_BUFFERS, {"channel_id": ch.id, "product_id": pid},
                    {"buffer": qty, "updated_at": now})
        _announce(conn, ch, "buffer", pid, code)
        return {"channel": ch.code, "sku": code, "buffer": qty}


def set_warehouses(uow: UnitOfWork, channel: str, warehouses: Sequence[str]) -> dict[str, Any]:
    """Feed the channel from ``warehouses`` only; an empty list: from every active one."""
    with uow.transaction() as conn:
        ch = get_channel(conn, channel)
        ids = warehouse_ids(conn, warehouses, "warehouses") if warehouses else {}
        conn.execute(delete(CHANNEL_WAREHOUSES).where(CHANNEL_WAREHOUSES.c.channel_id == ch.id))
        if ids:
            conn.execute(insert(CHANNEL_WAREHOUSES), [
                {"channel_id": ch.id, "warehouse_id": i} for i in sorted(ids.values())])
        _announce(conn, ch, "warehouses")
        return {"channel": ch.code, "warehouses": sorted(ids) or _active_codes(conn),
                "all_active_warehouses": not ids}


def _active_codes(conn: Connection) -> list[str]:
    w = WAREHOUSES.c
    return list(conn.execute(select(w.code).where(w.active.is_(True)).order_by(w.code))
                .scalars())


def map_location(uow: UnitOfWork, channel: str, warehouse: str,
                 location_id: int | str) -> dict[str, Any]:
    """Report the warehouse's stock on the Shopify channel under ``location_id``."""
    loc = external_id("location_id", location_id, "Location")
    with uow.transaction() as conn:
        ch = get_channel(conn, channel)
        _shopify(ch)
        code = warehouse.strip()
        wid = warehouse_ids(conn, [code])[code]
        _upsert(conn, CHANNEL_LOCATIONS, {"channel_id": ch.id, "warehouse_id": wid},
                {"location_id": loc, "updated_at": clock.now()})
        _announce(conn, ch, "location")
        return {"channel": ch.code, "warehouse": code, "location_id": loc}


def map_item(uow: UnitOfWork, channel: str, sku: str,
             inventory_item_id: int | str) -> dict[str, Any]:
    """The Shopify ``inventory_item_id`` of the SKU's variant on the channel."""
    item = external_id("inventory_item_id", inventory_item_id, "InventoryItem")
    with uow.transaction() as conn:
        ch = get_channel(conn, channel)
        _shopify(ch)
        pid, code = product_id(conn, sku), sku.strip()
        i = INVENTORY_ITEMS.c
        other = conn.execute(select(PRODUCTS.c.sku).join(INVENTORY_ITEMS, i.product_id ==
                                                         PRODUCTS.c.id)
                             .where(i.channel_id == ch.id, i.inventory_item_id == item,
                                    i.product_id != pid)).scalar_one_or_none()
        if other is not None:
            raise Conflict(f"inventory item {item} is already mapped to SKU {other} on "
                           f"{ch.code}", data={"inventory_item_id": item, "sku": other})
        _upsert(conn, INVENTORY_ITEMS, {"channel_id": ch.id, "product_id": pid},
                {"inventory_item_id": item, "updated_at": clock.now()})
        _announce(conn, ch, "item", pid, code)
        return {"channel": ch.code, "sku": code, "inventory_item_id": item}


def unmap_location(uow: UnitOfWork, channel: str, warehouse: str) -> dict[str, Any]:
    """Stop reporting the warehouse's stock to the Shopify channel. Its location's levels go
    to 0 and are forgotten — unless another warehouse of the channel still reports there: then
    they are recomputed without this one."""
    with uow.transaction() as conn:
        lock_cursor(conn)  # exported values change: never in the middle of a sync batch
        ch = get_channel(conn, channel)
        _shopify(ch)
        code = warehouse.strip()
        wid = warehouse_ids(conn, [code])[code]
        loc = CHANNEL_LOCATIONS.c
        mapped = loc.channel_id == ch.id
        location = conn.execute(select(loc.location_id).where(mapped, loc.warehouse_id == wid)
                                ).scalar_one_or_none()
        if location is None:
            raise NotFound(f"{code} has no Shopify location on {ch.code}",
                           problems=[Problem("warehouse", f"has no location on {ch.code}",
                                             code)], data={"channel": ch.code, "warehouse": code})
        conn.execute(delete(CHANNEL_LOCATIONS).where(mapped, loc.warehouse_id == wid))
        key = level_key(int(location))
        shared = conn.execute(select(func.count()).select_from(CHANNEL_LOCATIONS)
                              .where(mapped, loc.location_id == location)).scalar_one()
        if shared and ch.active:
            exported = _recompute_level(conn, ch.id, key)
        else:
            exported = zero_exported(conn, ch.id, level=key, forget=True)
        _announce(conn, ch, "location")
        return {"channel": ch.code, "warehouse": code, "location_id": int(location),
                "exported": exported}


def _recompute_level(conn: Connection, channel_id: int, key: str) -> int:
    """Recompute the SKUs exported at level ``key`` (it is still reported by other warehouses)."""
    x = EXPORTS.c
    pids = conn.execute(select(x.product_id).where(x.channel_id == channel_id,
                                                   x.level == key)).scalars()
    counts = ExportCounts()
    recompute(conn, {channel_id: set(pids)}, counts)
    return counts.exported


def unmap_item(uow: UnitOfWork, channel: str, sku: str) -> dict[str, Any]:
    """Forget the SKU's Shopify inventory item on the channel: its levels go to 0 and are
    forgotten (the SKU can no longer be addressed there)."""
    with uow.transaction() as conn:
        lock_cursor(conn)
        ch = get_channel(conn, channel)
        _shopify(ch)
        pid, code = product_id(conn, sku), sku.strip()
        i = INVENTORY_ITEMS.c
        mapped = (i.channel_id == ch.id) & (i.product_id == pid)
        item = conn.execute(select(i.inventory_item_id).where(mapped)).scalar_one_or_none()
        if item is None:
            raise NotFound(f"{code} has no Shopify inventory item on {ch.code}",
                           problems=[Problem("sku", f"has no inventory item on {ch.code}",
                                             code)], data={"channel": ch.code, "sku": code})
        conn.execute(delete(INVENTORY_ITEMS).where(mapped))
        exported = zero_exported(conn, ch.id, product_ids=[pid], forget=True)
        _announce(conn, ch, "item", pid, code)
        return {"channel": ch.code, "sku": code, "inventory_item_id": int(item),
                "exported": exported}


def channel_settings(uow: UnitOfWork, channel: str) -> dict[str, Any]:
    """The channel's availability settings, as people and integrations read them."""
    with uow.read() as conn:
        ch = get_channel(conn, channel)
        s, b, loc, i, cw = (STOCK_SETTINGS.c, SKU_BUFFERS.c, CHANNEL_LOCATIONS.c,
                            INVENTORY_ITEMS.c, CHANNEL_WAREHOUSES.c)
        w = WAREHOUSES.c
        default = conn.execute(select(s.default_buffer).where(s.channel_id == ch.id)).scalar()
        chosen = list(conn.execute(select(w.code).join(CHANNEL_WAREHOUSES, cw.warehouse_id ==
                                                       w.id)
                                   .where(cw.channel_id == ch.id).order_by(w.code)).scalars())
        overrides = [{"sku": r.sku, "buffer": r.buffer} for r in conn.execute(
            select(PRODUCTS.c.sku, b.buffer).join(SKU_BUFFERS, b.product_id == PRODUCTS.c.id)
            .where(b.channel_id == ch.id).order_by(PRODUCTS.c.sku))]
        locations = [{"warehouse": r.code, "location_id": r.location_id} for r in conn.execute(
            select(w.code, loc.location_id).join(CHANNEL_LOCATIONS, loc.warehouse_id == w.id)
            .where(loc.channel_id == ch.id).order_by(w.code))]
        all_codes = _active_codes(conn)
        items = conn.execute(select(func.count()).select_from(INVENTORY_ITEMS)
                             .where(i.channel_id == ch.id)).scalar_one()
    return {"channel": ch.code, "kind": ch.kind, "default_buffer": int(default or 0),
            "warehouses": chosen or all_codes, "all_active_warehouses": not chosen,
            "sku_buffers": overrides, "locations": locations,
            "inventory_items_mapped": int(items)}
