"""``backroom channels …``: what each sales channel may sell (available-to-sell), its buffers,
warehouses and Shopify mappings, and the sync that exports changed levels.

Creating channels and mapping order SKUs stay under ``backroom orders`` (``channel-create``,
``channels``, ``map-sku``): they are about orders coming in; these are about stock going out.
"""

from __future__ import annotations

from typing import Any

import typer

from backroom.cli.common import JsonOption, console, emit, examples, get_uow, handle_errors
from backroom.core.errors import ValidationFailed
from backroom.orders import availability, channels
from backroom.orders.availability_queries import list_availability
from backroom.orders.availability_sync import sync_availability

app = typer.Typer(help="Channel availability: available-to-sell per channel, buffers, "
                       "warehouses, Shopify locations and inventory items, sync.",
                  no_args_is_help=True,
                  epilog=examples("backroom channels availability --channel SHOP-US",
                                  "backroom channels buffer SHOP-US 5",
                                  "backroom channels buffer SHOP-US --sku MUG-RED 2",
                                  "backroom channels map-location SHOP-US EWR 65432101",
                                  "backroom channels map-item SHOP-US MUG-RED 808950810",
                                  "backroom channels unmap-location SHOP-US EWR",
                                  "backroom channels deactivate SHOP-US",
                                  "backroom channels sync"))
_LOOSE = {"ignore_unknown_options": True}  # so "-1" reaches the service and gets a clear error


def _say(result: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        emit(result, True)
    else:
        console.print(text, highlight=False)


def _whole(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValidationFailed.single(name, raw, "must be a whole number") from None


@app.command("availability")
def show_availability(channel: str | None = typer.Option(None, "--channel",
                                                          help="Default: every channel."),
                      sku: str | None = typer.Option(None, "--sku"),
                      limit: int = typer.Option(200, "--limit", min=1, max=1000,
                                                help="SKUs per channel."),
                      as_json: bool = JsonOption) -> None:
    """Available-to-sell now (live from stock) and the value last exported, per level."""
    with handle_errors(as_json):
        uow = get_uow()
        codes = [channel] if channel else [c["code"] for c in channels.list_channels(uow)]
        out: list[dict[str, Any]] = []
        with uow.read() as conn:
            for code in codes:
                items, more = list_availability(conn, code, sku=sku, limit=limit)
                out.append({"channel": code.strip().upper(), "items": items, "more": more})
    if as_json:
        emit(out if channel is None else out[0], True)
        return
    for c in out:
        emit(c, False, title=f"Available to sell on {c['channel']}",
             columns=["sku", "level", "on hand", "reserved", "safety", "buffer", "available",
                      "exported"], rows=_rows(c["items"]))
        if c["more"]:
            console.print(f"(more SKUs than --limit {limit}; narrow with --sku or raise "
                          "--limit)")


def _rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    return [[it["sku"], _label(lv), it["on_hand"], it["reserved"], it["safety_stock"],
             it["buffer"], lv["available"], "" if lv["exported"] is None else lv["exported"]]
            for it in items for lv in it["levels"] or [_unaddressed(it)]]


def _label(level: dict[str, Any]) -> str:
    loc = level.get("location_id")
    return str(level["level"]) if loc is None else f"loc {loc}"


def _unaddressed(item: dict[str, Any]) -> dict[str, Any]:
    """A Shopify SKU with no inventory item (or no mapped location): shown, never exported."""
    return {"level": "unmapped", "available": item["available"], "exported": None}


@app.command("buffer", context_settings=_LOOSE)
def buffer(channel: str = typer.Argument(...),
           qty: str | None = typer.Argument(None, help="Units held back from the channel."),
           sku: str | None = typer.Option(None, "--sku", help="Only this SKU (an override "
                                                             "of the channel's default)."),
           clear: bool = typer.Option(False, "--clear", help="Remove the SKU's override."),
           as_json: bool = JsonOption) -> None:
    """Hold back QTY units of every SKU (or of --sku) from CHANNEL."""
    with handle_errors(as_json):
        if clear == (qty is not None):
            raise ValidationFailed.single("qty", qty, "give QTY, or --clear with --sku")
        value = None if qty is None else _whole("buffer", qty)
        result = availability.set_buffer(get_uow(), channel, value, sku=sku)
    what = f"SKU {result['sku']}" if result["sku"] else "every SKU"
    _say(result, as_json,
         f"{result['channel']}: buffer of {what} is "
         f"{'the default again' if result['buffer'] is None else result['buffer']}")


@app.command("warehouses")
def warehouses(channel: str = typer.Argument(...),
               codes: list[str] = typer.Argument(None, help="Warehouses feeding the channel."),
               every: bool = typer.Option(False, "--all", help="Every active warehouse (the "
                                                               "default)."),
               as_json: bool = JsonOption) -> None:
    """Choose the warehouses whose stock CHANNEL may sell."""
    with handle_errors(as_json):
        if every == bool(codes):
            raise ValidationFailed.single("warehouses", codes or None,
                                          "name the warehouses, or --all")
        result = availability.set_warehouses(get_uow(), channel, [] if every else codes)
    _say(result, as_json,
         f"{result['channel']} sells stock of: {', '.join(result['warehouses']) or '(none)'}"
         + (" (every active warehouse)" if result["all_active_warehouses"] else ""))


@app.command("map-location", context_settings=_LOOSE)
def map_location(channel: str = typer.Argument(...), warehouse: str = typer.Argument(...),
                 location_id: str = typer.Argument(..., help="Shopify location id (or gid)."),
                 as_json: bool = JsonOption) -> None:
    """Report WAREHOUSE's stock to the Shopify CHANNEL under LOCATION_ID."""
    with handle_errors(as_json):
        result = availability.map_location(get_uow(), channel, warehouse, location_id)
    _say(result, as_json,
         f"{result['channel']}: {result['warehouse']} → location {result['location_id']}")


@app.command("map-item", context_settings=_LOOSE)
def map_item(channel: str = typer.Argument(...), sku: str = typer.Argument(...),
             inventory_item_id: str = typer.Argument(..., help="Shopify inventory item id."),
             as_json: bool = JsonOption) -> None:
    """The Shopify inventory item of SKU on CHANNEL."""
    with handle_errors(as_json):
        result = availability.map_item(get_uow(), channel, sku, inventory_item_id)
    _say(result, as_json,
         f"{result['channel']}: {result['sku']} → inventory item {result['inventory_item_id']}")


def _zeros(result: dict[str, Any]) -> str:
    n = result.get("exported") or result.get("levels_zeroed") or 0
    return f" ({n} level{'' if n == 1 else 's'} set to 0)" if n else ""


@app.command("unmap-location")
def unmap_location(channel: str = typer.Argument(...), warehouse: str = typer.Argument(...),
                   as_json: bool = JsonOption) -> None:
    """Stop reporting WAREHOUSE's stock to the Shopify CHANNEL (its levels there go to 0)."""
    with handle_errors(as_json):
        result = availability.unmap_location(get_uow(), channel, warehouse)
    _say(result, as_json, f"{result['channel']}: {result['warehouse']} no longer reported at "
                          f"location {result['location_id']}{_zeros(result)}")


@app.command("unmap-item")
def unmap_item(channel: str = typer.Argument(...), sku: str = typer.Argument(...),
               as_json: bool = JsonOption) -> None:
    """Forget SKU's Shopify inventory item on CHANNEL (its levels there go to 0)."""
    with handle_errors(as_json):
        result = availability.unmap_item(get_uow(), channel, sku)
    _say(result, as_json, f"{result['channel']}: {result['sku']} no longer mapped to inventory "
                          f"item {result['inventory_item_id']}{_zeros(result)}")


@app.command("deactivate")
def deactivate(channel: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Stop CHANNEL: no orders taken, every level it sells set to 0, skipped by the sync."""
    with handle_errors(as_json):
        result = channels.set_channel_active(get_uow(), channel, False)
    _say(result, as_json, f"{result['code']} is deactivated"
                          f"{'' if result['changed'] else ' (it already was)'}{_zeros(result)}")


@app.command("activate")
def activate(channel: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Reactivate CHANNEL; the next sync sends its live levels again."""
    with handle_errors(as_json):
        result = channels.set_channel_active(get_uow(), channel, True)
    _say(result, as_json, f"{result['code']} is active"
                          + ("; run `backroom channels sync` to send its levels"
                             if result["changed"] else " (it already was)"))


@app.command("settings")
def settings(channel: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """CHANNEL's buffers, warehouses and Shopify locations."""
    with handle_errors(as_json):
        view = availability.channel_settings(get_uow(), channel)
    if as_json:
        emit(view, True)
        return
    console.print(f"[bold]{view['channel']}[/] ({view['kind']}): default buffer "
                  f"{view['default_buffer']}; warehouses {', '.join(view['warehouses'])}"
                  f"{' (all active)' if view['all_active_warehouses'] else ''}; "
                  f"{view['inventory_items_mapped']} inventory items mapped", highlight=False)
    if view["sku_buffers"]:
        emit(view, False, title="Buffer overrides", columns=["sku", "buffer"],
             rows=[[b["sku"], b["buffer"]] for b in view["sku_buffers"]])
    if view["locations"]:
        emit(view, False, title="Shopify locations", columns=["warehouse", "location_id"],
             rows=[[loc["warehouse"], loc["location_id"]] for loc in view["locations"]])


@app.command("sync")
def sync(every: bool = typer.Option(False, "--all", help="Recompute every SKU of every "
                                                        "channel, not only what changed."),
         as_json: bool = JsonOption) -> None:
    """Export the levels that changed since the last sync (channel.inventory_level events)."""
    with handle_errors(as_json):
        result = sync_availability(get_uow(), full=every).as_dict()
    _say(result, as_json,
         f"{'full recompute, ' if result['full'] else ''}{result['events']} events read, "
         f"{result['levels']} levels computed, {result['exported']} exported"
         + (f", {result['unaddressable']} Shopify SKUs without an inventory item"
            if result["unaddressable"] else "")
         + (f", waiting for {result['gaps']} outbox ids" if result["gaps"] else ""))
