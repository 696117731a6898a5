"""Channel availability against the database: load settings and stock, recompute levels, and
write a ``channel.inventory_level`` event for each level whose value (or Shopify ids) changed
since it was last exported. Runs inside the caller's transaction. ``zero_exported`` sends a
final 0 for levels a channel must stop selling (a mapping removed, the channel deactivated).

Stock is read from the inventory projections (``stock_positions`` summed over lots, and
``stock_settings``); nothing here writes stock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.events import DomainEvent, record
from backroom.inventory.tables import POSITIONS, SETTINGS, WAREHOUSES
from backroom.orders.availability_model import (
    EVENT_TYPE,
    ChannelSetup,
    Level,
    WarehouseStock,
    levels,
    payload,
)
from backroom.orders.availability_tables import (
    CHANNEL_LOCATIONS,
    CHANNEL_WAREHOUSES,
    EXPORTS,
    INVENTORY_ITEMS,
    SKU_BUFFERS,
    STOCK_SETTINGS,
    SYNC_CURSOR,
)
from backroom.orders.tables import CHANNELS

CHUNK = 500
CONSUMER = "channel-availability"  # the sync's cursor row
T = TypeVar("T")
X = EXPORTS.c


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def lock_cursor(conn: Connection) -> int | None:
    """The sync cursor, locked for this transaction (created, never synced, if missing).
    Everything that writes exported values takes it first, so it never interleaves with a
    sync batch that computed from settings it is changing."""
    ins = pg_insert(SYNC_CURSOR) if conn.dialect.name == "postgresql" else sqlite_insert(
        SYNC_CURSOR)
    conn.execute(ins.values(consumer=CONSUMER, last_id=None, updated_at=clock.now())
                 .on_conflict_do_nothing(index_elements=["consumer"]))
    stmt = select(SYNC_CURSOR.c.last_id).where(SYNC_CURSOR.c.consumer == CONSUMER)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    value = conn.execute(stmt).scalar_one()
    return None if value is None else int(value)


def active_channel_ids(conn: Connection) -> list[int]:
    return list(conn.execute(select(CHANNELS.c.id).where(CHANNELS.c.active.is_(True))
                             .order_by(CHANNELS.c.id)).scalars())


def active_warehouses(conn: Connection) -> dict[int, str]:
    w = WAREHOUSES.c
    return {r.id: r.code for r in conn.execute(select(w.id, w.code).where(w.active.is_(True)))}


def load_setups(conn: Connection, channel_ids: Collection[int], sku_ids: Collection[int],
                include_inactive: bool = False) -> list[ChannelSetup]:
    """The active channels among ``channel_ids``, with their settings for ``sku_ids``."""
    c = CHANNELS.c
    stmt = select(c.id, c.code, c.kind).where(c.id.in_(list(channel_ids))).order_by(c.id)
    if not include_inactive:
        stmt = stmt.where(c.active.is_(True))
    rows = conn.execute(stmt).all()
    ids = [r.id for r in rows]
    if not ids:
        return []
    active = active_warehouses(conn)
    explicit = _pairs(conn, CHANNEL_WAREHOUSES.c.warehouse_id, None, ids)
    locations = _pairs(conn, CHANNEL_LOCATIONS.c.warehouse_id, CHANNEL_LOCATIONS.c.location_id,
                       ids)
    buffers = _pairs(conn, SKU_BUFFERS.c.product_id, SKU_BUFFERS.c.buffer, ids, sku_ids)
    items = _pairs(conn, INVENTORY_ITEMS.c.product_id, INVENTORY_ITEMS.c.inventory_item_id,
                   ids, sku_ids)
    s = STOCK_SETTINGS.c
    defaults = {r.channel_id: r.default_buffer for r in conn.execute(
        select(s.channel_id, s.default_buffer).where(s.channel_id.in_(ids)))}
    out = []
    for r in rows:
        chosen = explicit.get(r.id)
        feeding = {w: code for w, code in active.items() if chosen is None or w in chosen}
        out.append(ChannelSetup(r.id, r.code, r.kind, feeding, int(defaults.get(r.id, 0)),
                                buffers.get(r.id, {}), locations.get(r.id, {}),
                                items.get(r.id, {})))
    return out


def _pairs(conn: Connection, key: Any, value: Any, channel_ids: list[int],
           product_ids: Collection[int] | None = None) -> dict[int, dict[int, Any]]:
    """channel id -> {key: value} from the table of ``key`` (value None: {key: key})."""
    table = key.table
    stmt = select(table.c.channel_id, key, value if value is not None else key).where(
        table.c.channel_id.in_(channel_ids))
    if product_ids is not None:
        stmt = stmt.where(table.c.product_id.in_(list(product_ids)))
    out: dict[int, dict[int, Any]] = defaultdict(dict)
    for channel_id, k, v in conn.execute(stmt):
        out[channel_id][k] = int(v)
    return dict(out)


def load_stock(conn: Connection, sku_ids: Collection[int]) -> dict[int, dict[int, WarehouseStock]]:
    """product id -> warehouse id -> its stock (lots summed, with the safety stock)."""
    p, s = POSITIONS.c, SETTINGS.c
    wanted = list(sku_ids)
    totals = conn.execute(select(p.sku_id, p.warehouse_id, func.sum(p.on_hand),
                                 func.sum(p.reserved))
                          .where(p.sku_id.in_(wanted)).group_by(p.sku_id, p.warehouse_id))
    safety = {(r.sku_id, r.warehouse_id): int(r.safety_stock) for r in conn.execute(
        select(s.sku_id, s.warehouse_id, s.safety_stock).where(s.sku_id.in_(wanted)))}
    out: dict[int, dict[int, WarehouseStock]] = defaultdict(dict)
    for sku_id, wid, on_hand, reserved in totals:
        out[sku_id][wid] = WarehouseStock(int(on_hand or 0), int(reserved or 0),
                                          safety.pop((sku_id, wid), 0))
    for (sku_id, wid), qty in safety.items():
        out[sku_id][wid] = WarehouseStock(0, 0, qty)
    return dict(out)


def load_products(conn: Connection, sku_ids: Collection[int]) -> dict[int, tuple[str, bool]]:
    """product id -> (SKU code, active)."""
    p = PRODUCTS.c
    return {r.id: (r.sku, bool(r.active)) for r in conn.execute(
        select(p.id, p.sku, p.active).where(p.id.in_(list(sku_ids))))}


def load_exports(conn: Connection, channel_ids: Collection[int],
                 sku_ids: Collection[int]) -> dict[tuple[int, int], dict[str, Any]]:
    """(channel id, product id) -> {level: the row last exported}."""
    out: dict[tuple[int, int], dict[str, Any]] = defaultdict(dict)
    for r in conn.execute(select(EXPORTS).where(X.channel_id.in_(list(channel_ids)),
                                                X.product_id.in_(list(sku_ids)))):
        out[(r.channel_id, r.product_id)][r.level] = r
    return dict(out)


@dataclass
class ExportCounts:
    levels: int = 0  # (channel, SKU, level) values computed
    exported: int = 0  # channel.inventory_level events written
    unaddressable: int = 0  # Shopify (channel, SKU) pairs without an inventory item


@dataclass
class _Plan:
    events: list[DomainEvent] = field(default_factory=list)
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[dict[str, Any]] = field(default_factory=list)

    def send(self, setup: ChannelSetup, sku: str, level: Level) -> None:
        self.events.append(DomainEvent(EVENT_TYPE, payload(setup, sku, level),
                                       f"channel:{setup.code}"))

    def keep(self, channel_id: int, product_id: int, level: Level, new: bool) -> None:
        row = {"c": channel_id, "p": product_id, "l": level.key, "a": level.available,
               "loc": level.location_id, "item": level.inventory_item_id}
        (self.inserts if new else self.updates).append(row)

    def write(self, conn: Connection) -> None:
        now = clock.now()
        if self.inserts:
            conn.execute(insert(EXPORTS), [
                {"channel_id": r["c"], "product_id": r["p"], "level": r["l"],
                 "available": r["a"], "location_id": r["loc"], "inventory_item_id": r["item"],
                 "exported_at": now} for r in self.inserts])
        key = (X.channel_id == bindparam("c")) & (X.product_id == bindparam("p")) & (
            X.level == bindparam("l"))
        if self.updates:
            conn.execute(update(EXPORTS).where(key).values(
                available=bindparam("a"), location_id=bindparam("loc"),
                inventory_item_id=bindparam("item"), exported_at=now), self.updates)
        if self.deletes:
            conn.execute(delete(EXPORTS).where(key), self.deletes)
        if self.events:
            record(conn, self.events)


def recompute(conn: Connection, scope: Mapping[int, Collection[int]],
              counts: ExportCounts) -> None:
    """Recompute channel id -> product ids, exporting every level that changed."""
    skus = sorted({p for ps in scope.values() for p in ps})
    for chunk in chunks(skus):
        _recompute_chunk(conn, scope, chunk, counts)


def _recompute_chunk(conn: Connection, scope: Mapping[int, Collection[int]], chunk: list[int],
                     counts: ExportCounts) -> None:
    channel_ids = [c for c, ps in scope.items() if ps]
    setups = load_setups(conn, channel_ids, chunk)
    stock, products = load_stock(conn, chunk), load_products(conn, chunk)
    previous = load_exports(conn, channel_ids, chunk)
    plan, in_chunk = _Plan(), set(chunk)
    for setup in setups:
        for pid in sorted(in_chunk.intersection(scope[setup.id])):
            if pid not in products:
                continue
            sku, active = products[pid]
            now = levels(setup, pid, stock.get(pid, {}), active)
            counts.levels += len(now)
            counts.unaddressable += int(setup.is_shopify and pid not in setup.items)
            _compare(plan, setup, sku, pid, now, dict(previous.get((setup.id, pid), {})))
    plan.write(conn)
    counts.exported += len(plan.events)


def _compare(plan: _Plan, setup: ChannelSetup, sku: str, pid: int, now: list[Level],
             before: dict[str, Any]) -> None:
    for level in now:
        old = before.pop(level.key, None)
        if old is None or (old.available, old.location_id, old.inventory_item_id) != (
                level.available, level.location_id, level.inventory_item_id):
            plan.send(setup, sku, level)
            plan.keep(setup.id, pid, level, new=old is None)
    for key, old in sorted(before.items()):  # a level that no longer exists: zero it, forget it
        if old.available:
            plan.send(setup, sku, _zero(old))
        plan.deletes.append({"c": setup.id, "p": pid, "l": key})


def _zero(old: Any) -> Level:
    """The exported row ``old`` at 0, addressed where it was sent."""
    return Level(old.level, (), 0, old.location_id, old.inventory_item_id)


def zero_exported(conn: Connection, channel_id: int, *, product_ids: Collection[int] | None = None,
                  level: str | None = None, forget: bool = False) -> int:
    """Send ``available: 0`` (the sync's own event) for every level of the channel last
    exported with another value — only for ``product_ids`` / ``level`` if given — then store 0
    for them, or with ``forget`` drop them (every matching one, 0 or not). The channel may be
    inactive. Returns the number of events written."""
    setups = load_setups(conn, [channel_id], (), include_inactive=True)
    if not setups:
        return 0
    stmt = select(X.product_id, X.level, X.available, X.location_id, X.inventory_item_id
                  ).where(X.channel_id == channel_id).order_by(X.product_id, X.level)
    if level is not None:
        stmt = stmt.where(X.level == level)
    if product_ids is not None:
        stmt = stmt.where(X.product_id.in_(list(product_ids)))
    rows = conn.execute(stmt).all()
    products: dict[int, tuple[str, bool]] = {}
    for chunk in chunks(sorted({r.product_id for r in rows})):
        products.update(load_products(conn, chunk))
    plan = _Plan()
    for r in rows:
        if r.available:
            plan.send(setups[0], products[r.product_id][0], _zero(r))
        if forget:
            plan.deletes.append({"c": channel_id, "p": r.product_id, "l": r.level})
        elif r.available:
            plan.keep(channel_id, r.product_id, _zero(r), new=False)
    plan.write(conn)
    return len(plan.events)


def universe(conn: Connection, channel_ids: Collection[int]) -> dict[int, set[int]]:
    """Every SKU a channel has something to say about: held in any warehouse, exported
    before, or (Shopify) mapped to an inventory item."""
    stocked = set(conn.execute(select(POSITIONS.c.sku_id).distinct()).scalars())
    out = {c: set(stocked) for c in channel_ids}
    for table in (EXPORTS, INVENTORY_ITEMS):
        for c, pid in conn.execute(select(table.c.channel_id, table.c.product_id).distinct()
                                   .where(table.c.channel_id.in_(list(channel_ids)))):
            out[c].add(pid)
    return out
