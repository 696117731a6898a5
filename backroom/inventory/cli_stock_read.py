"""``backroom stock levels|positions|moves|reservations|transfers``: reports, tables or --json.

Each report follows the keyset pages of ``queries`` up to ``--limit`` rows and says on stderr
when more rows exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import typer

from backroom.cli.common import JsonOption, emit, err_console, get_uow, handle_errors
from backroom.core.errors import ValidationFailed
from backroom.core.money import from_minor
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.inventory import queries

LimitOption = typer.Option(200, "--limit", min=1, help="At most this many rows.")


@contextmanager
def open_uow() -> Iterator[UnitOfWork]:
    """A unit of work on the configured database, its engine closed afterwards."""
    uow = get_uow()
    try:
        yield uow
    finally:
        uow.engine.dispose()


def money(minor: int | None) -> str:
    if minor is None:
        return ""
    currency = get_settings().base_currency.upper()
    return f"{from_minor(minor, currency)} {currency}"


def _collect(fetch: Callable[[int, Any], queries.Page], limit: int) -> list[dict[str, Any]]:
    """Follow pages until ``limit`` rows; tell the user (stderr) when rows were left out."""
    items: list[dict[str, Any]] = []
    after = None
    while True:
        page = fetch(min(limit - len(items), queries.MAX_LIMIT), after)
        items.extend(page.items)
        if page.next_after is None:
            return items
        if len(items) >= limit:
            err_console.print(f"(first {limit} rows; raise --limit or narrow the filters "
                              "for more)", highlight=False)
            return items
        after = page.next_after


def _when(name: str, raw: str | None) -> datetime | None:
    """ISO-8601 date or datetime; without an offset it is read as UTC."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.single(name, raw, "must be an ISO-8601 date or datetime, e.g. "
                                      "2025-01-31 or 2025-01-31T08:00:00+02:00") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def show_reservations(rows: list[dict[str, Any]], as_json: bool, title: str) -> None:
    emit(rows, as_json, title=title,
         columns=["id", "warehouse", "sku", "lot", "qty", "open", "state", "reference",
                  "created"],
         rows=[(r["id"], r["warehouse"], r["sku"], r["lot"], r["qty"], r["open_qty"],
                r["state"], r["reference"], f"{r['created_at']:%Y-%m-%d %H:%M}") for r in rows])


def levels(sku: str | None = typer.Option(None, "--sku"),
           location: str | None = typer.Option(None, "--location"),
           warehouse: str | None = typer.Option(None, "--warehouse"),
           lot: str | None = typer.Option(None, "--lot"),
           include_virtual: bool = typer.Option(False, "--include-virtual",
                                                help="Also SUPPLIER, CUSTOMER, TRANSIT, LOSS, "
                                                     "RETURNS balances."),
           limit: int = LimitOption, as_json: bool = JsonOption) -> None:
    """Stock per location, SKU and lot."""
    with handle_errors(as_json), open_uow() as uow, uow.read() as conn:
        rows = _collect(lambda n, after: queries.list_levels(
            conn, sku=sku, location=location, warehouse=warehouse, lot=lot,
            physical_only=not include_virtual, limit=n, after=after), limit)
    emit(rows, as_json, title="stock levels",
         columns=["location", "warehouse", "kind", "sku", "lot", "expiry", "on hand",
                  "reserved"],
         rows=[(r["location"], r["warehouse"], r["kind"], r["sku"], r["lot"], r["expiry"],
                r["on_hand"], r["reserved"]) for r in rows])


def positions(sku: str | None = typer.Option(None, "--sku"),
              warehouse: str | None = typer.Option(None, "--warehouse"),
              by_lot: bool = typer.Option(False, "--by-lot", help="One row per lot."),
              limit: int = LimitOption, as_json: bool = JsonOption) -> None:
    """Sales buckets per warehouse and SKU: available = on hand - reserved - safety stock."""
    with handle_errors(as_json), open_uow() as uow, uow.read() as conn:
        rows = _collect(lambda n, after: queries.positions(
            conn, sku=sku, warehouse=warehouse, by_lot=by_lot, limit=n, after=after), limit)
    lot_cols = ["lot", "expiry"] if by_lot else []
    emit(rows, as_json, title="stock positions",
         columns=["warehouse", "sku", *lot_cols, "on hand", "reserved", "safety", "available",
                  "quarantined", "incoming"],
         rows=[(r["warehouse"], r["sku"], *[r[c] for c in lot_cols], r["on_hand"],
                r["reserved"], r["safety_stock"], r["available"], r["quarantined"],
                r["incoming"]) for r in rows])


def moves(sku: str | None = typer.Option(None, "--sku"),
          reference: str | None = typer.Option(None, "--reference"),
          location: str | None = typer.Option(None, "--location", help="Either end."),
          reason: str | None = typer.Option(None, "--reason"),
          since: str | None = typer.Option(None, "--since", help="ISO date/datetime (UTC "
                                           "unless an offset is given), inclusive"),
          until: str | None = typer.Option(None, "--until", help="ISO date/datetime, "
                                           "exclusive"),
          limit: int = typer.Option(50, "--limit", min=1),
          as_json: bool = JsonOption) -> None:
    """The move ledger, newest first."""
    with handle_errors(as_json), open_uow() as uow, uow.read() as conn:
        start, end = _when("since", since), _when("until", until)
        rows = _collect(lambda n, after: queries.list_moves(
            conn, sku=sku, reference=reference, location=location, reason=reason, since=start,
            until=end, limit=n, after_id=after), limit)
    emit(rows, as_json, title="stock moves",
         columns=["id", "done", "sku", "lot", "qty", "from", "to", "reason", "reference",
                  "value"],
         rows=[(r["id"], f"{r['done_at']:%Y-%m-%d %H:%M}" if r["done_at"] else "", r["sku"],
                r["lot"], r["qty"], r["from"], r["to"], r["reason"], r["reference"],
                money(r["value_minor"])) for r in rows])


def reservations(reference: str | None = typer.Option(None, "--reference"),
                 sku: str | None = typer.Option(None, "--sku"),
                 warehouse: str | None = typer.Option(None, "--warehouse"),
                 state: str | None = typer.Option(None, "--state",
                                                  help="active, consumed or released"),
                 limit: int = LimitOption, as_json: bool = JsonOption) -> None:
    """Reservations, newest first."""
    with handle_errors(as_json), open_uow() as uow, uow.read() as conn:
        rows = _collect(lambda n, after: queries.list_reservations(
            conn, reference=reference, sku=sku, warehouse=warehouse, state=state, limit=n,
            after_id=after), limit)
    show_reservations(rows, as_json, "reservations")


def transfers(state: str | None = typer.Option(None, "--state",
                                               help="in_transit, received or cancelled"),
              warehouse: str | None = typer.Option(None, "--warehouse", help="Either end."),
              reference: str | None = typer.Option(None, "--reference"),
              limit: int = LimitOption, as_json: bool = JsonOption) -> None:
    """Transfers between warehouses, newest first."""
    with handle_errors(as_json), open_uow() as uow, uow.read() as conn:
        rows = _collect(lambda n, after: queries.list_transfers(
            conn, state=state, warehouse=warehouse, reference=reference, limit=n,
            after_id=after), limit)
    emit(rows, as_json, title="transfers",
         columns=["id", "from", "to", "state", "reference", "lines", "created"],
         rows=[(r["id"], r["from_warehouse"], r["to_warehouse"], r["state"], r["reference"],
                ", ".join(f"{ln['sku']}{'/' + ln['lot'] if ln['lot'] else ''} × {ln['qty']}"
                          for ln in r["lines"]),
                f"{r['created_at']:%Y-%m-%d %H:%M}") for r in rows])


def register(app: typer.Typer) -> None:
    """Add the report commands to the ``stock`` command group."""
    for name, command in (("levels", levels), ("positions", positions), ("moves", moves),
                          ("reservations", reservations), ("transfers", transfers)):
        app.command(name)(command)
