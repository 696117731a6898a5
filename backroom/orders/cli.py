"""``backroom orders …``: list, show, hold, release, cancel, channels and SKU mapping."""

from __future__ import annotations

from typing import Any

import typer

from backroom.cli.common import JsonOption, console, emit, get_uow, handle_errors
from backroom.core.errors import ValidationFailed
from backroom.orders import channels, queries, services

app = typer.Typer(help="Sales orders: list, show, hold, release, cancel; channels and SKU "
                       "mapping.", no_args_is_help=True)
ACTOR = "cli"


@app.command("list")
def list_(state: str | None = typer.Option(None, "--state"),
          channel: str | None = typer.Option(None, "--channel"),
          hold: str | None = typer.Option(None, "--hold", help="Only orders with an active "
                                                              "hold of this kind."),
          limit: int = typer.Option(50, "--limit", min=1, max=1000),
          as_json: bool = JsonOption) -> None:
    """Orders, newest first."""
    with handle_errors(as_json), get_uow().read() as conn:
        items = queries.list_orders(conn, state=state, channel=channel, hold=hold,
                                    limit=limit)
    emit(items, as_json, title="Orders",
         columns=["id", "channel", "number", "state", "payment", "fulfillment", "total",
                  "placed"],
         rows=[[o["id"], o["channel"], o["number"], o["state"], o["payment_state"],
                o["fulfillment_state"], f"{o['total']} {o['currency']}",
                o["placed_at"].strftime("%Y-%m-%d %H:%M")] for o in items])


@app.command("show")
def show(order: str = typer.Argument(..., help="Order id or CHANNEL:EXTERNAL_ID."),
         as_json: bool = JsonOption) -> None:
    """One order with its lines, holds and history."""
    with handle_errors(as_json):
        uow = get_uow()
        with uow.read() as conn:
            view = queries.get_order(conn, services.find_order_id(conn, order))
    _show(view, as_json)


def _show(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(view, True)
        return
    console.print(f"[bold]{view['number']}[/] (id {view['id']}, {view['channel']} "
                  f"{view['external_id']}): {view['state']}, payment {view['payment_state']}, "
                  f"fulfillment {view['fulfillment_state']}, total {view['amounts']['total']} "
                  f"{view['currency']}", highlight=False)
    ship = view["ship_to"]
    console.print(f"ship to: {ship['name']}, {ship['line1']}, {ship['postal_code']} "
                  f"{ship['city']}, {ship['country']}", highlight=False)
    emit(view["lines"], False, title="Lines",
         columns=["line", "sku", "channel sku", "qty", "open", "reserved", "shipped",
                  "cancelled", "unit price"],
         rows=[[ln["id"], ln["sku"] or "?", ln["channel_sku"], ln["qty"], ln["open"],
                ln["reserved"], ln["shipped"], ln["cancelled"], ln["unit_price"]]
               for ln in view["lines"]])
    active = [h for h in view["holds"] if h["active"]]
    for h in active:
        console.print(f"hold {h['id']} [bold]{h['kind']}[/]: {h['reason']}", highlight=False)
    for entry in view["history"][-10:]:
        console.print(f"  {entry['at']:%Y-%m-%d %H:%M} {entry['actor']}: {entry['action']} "
                      f"{entry['note']}", highlight=False)


@app.command("hold")
def hold(order: str = typer.Argument(...),
         kind: str = typer.Option("manual", "--kind", help="fraud_review, address_problem, "
                                  "payment_pending, unknown_sku or manual"),
         reason: str = typer.Option(..., "--reason"), as_json: bool = JsonOption) -> None:
    """Put an order on hold."""
    with handle_errors(as_json):
        result = services.place_hold(get_uow(), order, kind, reason, ACTOR)
    _show(result["order"], as_json)


@app.command("release")
def release(order: str = typer.Argument(...),
            hold_id: int | None = typer.Argument(None, help="Default: every active hold (or "
                                                            "every one of --kind)."),
            kind: str | None = typer.Option(None, "--kind"),
            note: str = typer.Option("", "--note"), as_json: bool = JsonOption) -> None:
    """Release a hold (or all of them)."""
    with handle_errors(as_json):
        uow = get_uow()
        view = (services.release_hold(uow, order, hold_id, ACTOR, note) if hold_id is not None
                else services.release_holds(uow, order, ACTOR, kind=kind, note=note))
    _show(view, as_json)


def _line_spec(text: str) -> tuple[int, int | None]:
    line, _, qty = text.partition(":")
    if not line.strip().isdigit() or (qty and not qty.strip().isdigit()):
        raise ValidationFailed.single("--line", text, "must be LINE_ID or LINE_ID:QTY")
    return int(line), int(qty) if qty else None


@app.command("cancel")
def cancel(order: str = typer.Argument(...),
           line: list[str] = typer.Option([], "--line", help="LINE_ID or LINE_ID:QTY; "
                                          "repeatable. Default: the whole order."),
           reason: str = typer.Option(..., "--reason"), as_json: bool = JsonOption) -> None:
    """Cancel an order or some of its lines (reservations are released)."""
    with handle_errors(as_json):
        lines = [_line_spec(t) for t in line] or None
        result = services.cancel_order(get_uow(), order, reason=reason, actor=ACTOR,
                                       lines=lines)
    _show(result["order"], as_json)


@app.command("map-sku")
def map_sku(channel: str = typer.Argument(...),
            external: str = typer.Argument(..., help="The channel's SKU, or variant:ID "
                                                     "(Shopify) / product:ID (WooCommerce)."),
            sku: str = typer.Argument(..., help="The catalog SKU."),
            as_json: bool = JsonOption) -> None:
    """Map a channel SKU to a product; orders waiting on it are resolved and released."""
    with handle_errors(as_json):
        result = channels.map_sku(get_uow(), channel, external, sku, ACTOR)
    emit(result, as_json) if as_json else console.print(
        f"{result['channel']} {result['external']} → {result['sku']}: "
        f"{len(result['orders_updated'])} orders updated, "
        f"{len(result['orders_released'])} released", highlight=False)


@app.command("channels")
def list_channels(as_json: bool = JsonOption) -> None:
    """Sales channels and whether their webhook secret is set."""
    with handle_errors(as_json):
        items = channels.list_channels(get_uow())
    emit(items, as_json, title="Channels",
         columns=["code", "kind", "name", "currency", "webhook secret"],
         rows=[[c["code"], c["kind"], c["name"], c["currency"] or "any",
                _secret_note(c)] for c in items])


def _secret_note(view: dict[str, Any]) -> str:
    if "webhook_secret_env" not in view:
        return "-"
    return ("set" if view["webhook_secret_set"] else "missing") + \
        f" ({view['webhook_secret_env']})"


@app.command("channel-create")
def channel_create(code: str = typer.Argument(...),
                   kind: str = typer.Option(..., "--kind",
                                            help="shopify, woocommerce, csv or api"),
                   name: str = typer.Option("", "--name"),
                   currency: str | None = typer.Option(None, "--currency",
                                                       help="Orders must be in this currency."),
                   as_json: bool = JsonOption) -> None:
    """Create a sales channel."""
    with handle_errors(as_json):
        view = channels.create_channel(get_uow(), code, kind, name, currency)
    if as_json:
        emit(view, True)
        return
    console.print(f"channel {view['code']} ({view['kind']}) created", highlight=False)
    if "webhook_secret_env" in view:
        console.print(f"webhooks: POST {view['webhook_path']}, signed with the secret in "
                      f"{view['webhook_secret_env']}", highlight=False)
