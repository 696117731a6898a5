"""Gross margin by month, SKU and/or sales channel, aggregated in SQL from the journal lines.

Revenue is the net credit of income accounts; COGS is the net debit of the account with the
``cogs`` role; year-end closing entries are left out. Dimensions combine (``channel,month``).

- **month**: the entry's date.
- **sku**: the SKU a line carries (stock moves carry it; order payments do not, so revenue
  shows under "(none)" when split by SKU).
- **channel**: the channel a line carries if its event named one; otherwise it is found
  through the outbox: a ``stock_move:N`` entry (COGS of a shipment) belongs to the channel of
  the ``order.shipped`` event whose ``move_ids`` hold N, an ``order:N`` entry (``order.paid``,
  ``order.refunded``) to the channel of order N's ``order.created`` (or ``order.shipped``)
  event. What none of them attributes is "(none)": a restocked return or goods out to
  returns (other moves than the shipment's), a landed cost on goods already sold, a shipment
  whose ``order.shipped`` event names no channel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, String, case, cast, func, select

from backroom.accounting.closing import closing_entries
from backroom.accounting.tables import ACCOUNTS, ENTRIES, LINES
from backroom.core.errors import ValidationFailed
from backroom.db.tables import OUTBOX

DIMENSIONS = ("month", "sku", "channel")
NONE = "(none)"
Key = tuple[str, ...]


def parse_by(by: str | Sequence[str]) -> tuple[str, ...]:
    """``"channel,month"`` → ("channel", "month"); each dimension at most once."""
    parts = [p.strip() for p in by.split(",")] if isinstance(by, str) else [*by]
    if not parts or any(p not in DIMENSIONS for p in parts) or len(set(parts)) != len(parts):
        raise ValidationFailed.single("by", ",".join(parts), "must be one or more of "
                                      f"{', '.join(DIMENSIONS)}, separated by commas "
                                      "(e.g. channel,month)")
    return tuple(parts)


@dataclass
class Channels:
    """Which sales channel an order and a shipped stock move belong to (from the outbox)."""

    orders: dict[int, str] = field(default_factory=dict)
    moves: dict[int, str] = field(default_factory=dict)

    def of(self, source_ref: str) -> str:
        kind, _, number = source_ref.partition(":")
        if not number.isdigit():
            return ""
        if kind == "stock_move":
            return self.moves.get(int(number), "")
        if kind == "order":
            return self.orders.get(int(number), "")
        return ""


def load_channels(conn: Connection) -> Channels:
    """Orders and moves by channel, from ``order.created`` and ``order.shipped`` events."""
    o = OUTBOX.c
    out = Channels()
    stmt = select(o.type, o.payload["order_id"].as_integer().label("order_id"),
                  o.payload["channel"].as_string().label("channel"),
                  o.payload["move_ids"].label("move_ids")
                  ).where(o.type.in_(("order.created", "order.shipped"))).order_by(o.id)
    for row in conn.execute(stmt):
        channel = str(row.channel or "")
        if not channel:
            continue
        if row.order_id is not None:
            out.orders.setdefault(int(row.order_id), channel)
        if row.type == "order.shipped" and isinstance(row.move_ids, list):
            for move_id in row.move_ids:
                if isinstance(move_id, int):
                    out.moves[move_id] = channel
    return out


def _month(conn: Connection) -> Any:
    ln = LINES.c
    if conn.dialect.name == "postgresql":
        return func.to_char(ln.entry_date, "YYYY-MM")
    return func.substr(cast(ln.entry_date, String), 1, 7)


def _query(conn: Connection, dims: tuple[str, ...], start: date | None,
           end: date | None) -> Any:
    a, ln, e = ACCOUNTS.c, LINES.c, ENTRIES.c
    cols: list[Any] = []
    if "month" in dims:
        cols.append(_month(conn).label("month"))
    if "sku" in dims:
        cols.append(ln.sku_id.label("sku"))
    if "channel" in dims:
        cols += [ln.channel.label("channel"),
                 case((ln.channel == "", e.source_ref), else_="").label("ref")]
    revenue = case((a.type == "income", ln.credit - ln.debit), else_=0)
    cogs = case((a.role == "cogs", ln.debit - ln.credit), else_=0)
    stmt = (select(*cols, func.sum(revenue).label("r"), func.sum(cogs).label("c"))
            .join(ACCOUNTS, a.id == ln.account_id)
            .where((a.type == "income") | (a.role == "cogs")).group_by(*cols))
    if "channel" in dims:
        stmt = stmt.join(ENTRIES, e.id == ln.entry_id)
    closing = list(closing_entries(conn))
    if closing:
        stmt = stmt.where(ln.entry_id.not_in(closing))
    if start:
        stmt = stmt.where(ln.entry_date >= start)
    if end:
        stmt = stmt.where(ln.entry_date <= end)
    return stmt


def _value(dim: str, row: Any, channels: Channels | None) -> str:
    if dim == "channel":
        found = row.channel or (channels.of(row.ref) if channels and row.ref else "")
        return str(found or NONE)
    raw = getattr(row, dim)
    return str(raw) if raw not in (None, "") else NONE


def margin_rows(conn: Connection, *, by: str | Sequence[str], start: date | None,
                end: date | None) -> list[tuple[Key, int, int]]:
    """(key per dimension, revenue, COGS) in minor units, sorted by key."""
    dims = parse_by(by)
    channels = load_channels(conn) if "channel" in dims else None
    acc: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for row in conn.execute(_query(conn, dims, start, end)):
        key = tuple(_value(d, row, channels) for d in dims)
        acc[key][0] += int(row.r or 0)
        acc[key][1] += int(row.c or 0)
    if "sku" in dims:
        acc = _sku_codes(conn, acc, dims.index("sku"))
    return [(k, v[0], v[1]) for k, v in sorted(acc.items())]


def _sku_codes(conn: Connection, acc: dict[Key, list[int]], at: int) -> dict[Key, list[int]]:
    from backroom.inventory.valuation import sku_codes

    ids = sorted({int(k[at]) for k in acc if k[at].isdigit()})
    codes = sku_codes(conn, ids) if ids else {}
    out: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for key, (rev, cogs) in acc.items():
        name = codes.get(int(key[at]), key[at]) if key[at].isdigit() else key[at]
        merged = out[(*key[:at], name, *key[at + 1:])]
        merged[0] += rev
        merged[1] += cogs
    return out
