"""Channel availability, read side: per SKU what the channel may sell now (computed live from
stock), how it breaks down by warehouse, and per level what was last exported.

A page lists the SKUs the channel has something to say about (held in one of its warehouses,
exported before, or mapped to a Shopify inventory item), by SKU code, keyset-paginated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, union

from backroom.catalog.tables import PRODUCTS
from backroom.core.errors import ValidationFailed
from backroom.inventory.tables import POSITIONS
from backroom.orders.availability import product_id
from backroom.orders.availability_compute import (
    load_exports,
    load_products,
    load_setups,
    load_stock,
)
from backroom.orders.availability_model import (
    ChannelSetup,
    Level,
    WarehouseStock,
    available,
    levels,
)
from backroom.orders.availability_tables import EXPORTS, INVENTORY_ITEMS
from backroom.orders.channels import get_channel

P = PRODUCTS.c


def list_availability(conn: Connection, channel: str, *, sku: str | None = None,
                      limit: int = 50, after: str | None = None) -> tuple[list[dict[str, Any]],
                                                                          bool]:
    """One page of the channel's SKUs (``limit`` items after SKU code ``after``) and whether
    more follow."""
    if not 1 <= limit <= 1000:
        raise ValidationFailed.single("limit", limit, "must be between 1 and 1000")
    ch = get_channel(conn, channel)
    if sku:
        page = [(product_id(conn, sku), sku.strip())]
    else:
        page = _page(conn, ch.id, _feeding(conn, ch.id), limit + 1, after)
    more = len(page) > limit
    page = page[:limit]
    ids = [pid for pid, _ in page]
    setups = load_setups(conn, [ch.id], ids, include_inactive=True)
    stock, products = load_stock(conn, ids), load_products(conn, ids)
    exported = load_exports(conn, [ch.id], ids)
    items = [_item(setups[0], pid, stock.get(pid, {}), products[pid],
                   exported.get((ch.id, pid), {})) for pid, _ in page]
    return items, more


def _feeding(conn: Connection, channel_id: int) -> list[int]:
    return list(load_setups(conn, [channel_id], [], include_inactive=True)[0].warehouses)


def _page(conn: Connection, channel_id: int, warehouse_ids: list[int], size: int,
          after: str | None) -> list[tuple[int, str]]:
    known = union(
        select(POSITIONS.c.sku_id.label("pid")).where(POSITIONS.c.warehouse_id.in_(warehouse_ids)),
        select(EXPORTS.c.product_id.label("pid")).where(EXPORTS.c.channel_id == channel_id),
        select(INVENTORY_ITEMS.c.product_id.label("pid")).where(
            INVENTORY_ITEMS.c.channel_id == channel_id)).subquery()
    stmt = select(P.id, P.sku).join(known, known.c.pid == P.id).order_by(P.sku).limit(size)
    if after is not None:
        stmt = stmt.where(P.sku > after)
    return [(int(r.id), str(r.sku)) for r in conn.execute(stmt)]


def _item(setup: ChannelSetup, pid: int, stock: dict[int, WarehouseStock],
          product: tuple[str, bool], exported: dict[str, Any]) -> dict[str, Any]:
    sku, active = product
    feeding = tuple(sorted(setup.warehouses))
    held = {w: stock.get(w, WarehouseStock()) for w in feeding}
    buffer = setup.buffer_for(pid)
    item: dict[str, Any] = {
        "sku": sku, "active": active, "buffer": buffer,
        "on_hand": sum(s.on_hand for s in held.values()),
        "reserved": sum(s.reserved for s in held.values()),
        "safety_stock": sum(s.safety_stock for s in held.values()),
        "free": sum(s.free for s in held.values()),
        "available": available(stock, feeding, buffer) if active else 0,
        "warehouses": [{"warehouse": setup.warehouses[w], "on_hand": s.on_hand,
                        "reserved": s.reserved, "safety_stock": s.safety_stock, "free": s.free}
                       for w, s in held.items() if w in stock],
        "levels": [_level(setup, lv, exported) for lv in levels(setup, pid, stock, active)]}
    if setup.is_shopify:
        item["inventory_item_id"] = setup.items.get(pid)
    return item


def _level(setup: ChannelSetup, level: Level, exported: dict[str, Any]) -> dict[str, Any]:
    last = exported.get(level.key)
    out: dict[str, Any] = {"level": level.key,
                           "warehouses": [setup.warehouses[w] for w in level.warehouse_ids],
                           "available": level.available,
                           "exported": None if last is None else last.available}
    if level.location_id is not None:
        out["location_id"] = level.location_id
        out["inventory_item_id"] = level.inventory_item_id
    return out
