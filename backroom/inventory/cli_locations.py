"""``backroom locations …`` commands: thin wrappers over the location use cases and queries."""

from __future__ import annotations

from typing import Any

import typer

from backroom.cli.common import console, emit, get_uow, handle_errors
from backroom.core.errors import NotFound
from backroom.inventory import location_queries as queries
from backroom.inventory import locations as services

app = typer.Typer(help="Warehouses and locations: create warehouses, lay out bins, list.",
                  no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command("warehouse-create")
def warehouse_create(
    code: str = typer.Argument(..., help="Up to 16 upper-case letters, digits or '-', e.g. WH1"),
    name: str = typer.Option(..., "--name"),
    postal_code: str = typer.Option(..., "--postal-code"),
    country: str = typer.Option(..., "--country", help="ISO 3166-1 alpha-2, e.g. US"),
    address: str = typer.Option("", "--address", help="Street address (first line)"),
    address2: str = typer.Option("", "--address2", help="Second address line"),
    city: str = typer.Option("", "--city"),
    region: str = typer.Option("", "--region", help="State, province or county"),
    lat: float | None = typer.Option(None, "--lat", help="Latitude, -90..90"),
    lon: float | None = typer.Option(None, "--lon", help="Longitude, -180..180"),
    as_json: bool = JSON,
) -> None:
    """Create a warehouse with its INPUT, PACK, OUTPUT and QUARANTINE locations."""
    spec = services.WarehouseSpec(code=code, name=name, postal_code=postal_code, country=country,
                                  address_line1=address, address_line2=address2, city=city,
                                  region=region, latitude=lat, longitude=lon)
    with handle_errors(as_json):
        created = services.create_warehouse(get_uow(), spec)
    if as_json:
        emit(created, True)
        return
    console.print(f"warehouse [bold]{created['code']}[/] created with locations "
                  + ", ".join(created["standard_locations"].values()), highlight=False)


@app.command("warehouses")
def warehouses(as_json: bool = JSON) -> None:
    """List every warehouse with its number of bins."""
    with handle_errors(as_json), get_uow().read() as conn:
        items: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = queries.list_warehouses(conn, queries.MAX_LIMIT, after)
            items.extend(page.items)
            if page.next_after is None:
                break
            after = page.next_after
    emit(items, as_json, title="Warehouses",
         columns=["code", "name", "city", "postal code", "country", "bins", "active"],
         rows=[(w["code"], w["name"], w["city"], w["postal_code"], w["country"], w["bins"],
                "yes" if w["active"] else "no") for w in items])


@app.command("bins")
def bins(
    warehouse: str = typer.Argument(..., help="Warehouse code, e.g. WH1"),
    spec: str = typer.Argument(..., help="Layout: AISLES x BAYS x LEVELS, e.g. 'A-J x 1-30 x 1-4'"),
    zone: str = typer.Option("", "--zone", help="Zone of every bin (or zone=NAME in the spec)"),
    as_json: bool = JSON,
) -> None:
    """Create storage bins from a layout spec; bins that already exist are left as they are."""
    with handle_errors(as_json):
        result = services.create_bins(get_uow(), warehouse, spec, zone)
    if as_json:
        emit(result, True)
        return
    zone_text = f" in zone {result['zone']}" if result["zone"] else ""
    console.print(f"{result['warehouse']}: created {result['created']} bins{zone_text}, "
                  f"{result['existing']} already existed", highlight=False)


@app.command("add-bin")
def add_bin(
    warehouse: str = typer.Argument(..., help="Warehouse code"),
    aisle: str = typer.Option(..., "--aisle", help="Letters, e.g. A or AB"),
    bay: int = typer.Option(..., "--bay"),
    level: int = typer.Option(..., "--level"),
    zone: str = typer.Option("", "--zone"),
    name: str = typer.Option("", "--name"),
    as_json: bool = JSON,
) -> None:
    """Add one storage bin at an aisle, bay and level."""
    with handle_errors(as_json):
        created = services.add_location(get_uow(), warehouse, aisle, bay, level, zone, name)
    if as_json:
        emit(created, True)
        return
    console.print(f"bin [bold]{created['code']}[/] created", highlight=False)


@app.command("deactivate")
def deactivate(code: str = typer.Argument(..., help="Location code"), as_json: bool = JSON) -> None:
    """Retire a physical location; refused while it holds stock."""
    with handle_errors(as_json):
        location = services.deactivate_location(get_uow(), code)
    if as_json:
        emit(location, True)
        return
    console.print(f"location [bold]{location['code']}[/] is inactive", highlight=False)


@app.command("list")
def list_locations(
    warehouse: str = typer.Option("", "--warehouse", help="Only this warehouse's locations"),
    kind: str = typer.Option("", "--kind", help="input, storage, pack, output, quarantine, "
                                                "supplier, customer, transit, loss, returns"),
    search: str = typer.Option("", "--search", help="Part of the code or name"),
    limit: int = typer.Option(100, "--limit", min=1, max=queries.MAX_LIMIT),
    after: str = typer.Option("", "--after", help="Continue after this location code"),
    as_json: bool = JSON,
) -> None:
    """List locations by code; with --json, prints {"items": [...], "next_after": ...}."""
    with handle_errors(as_json), get_uow().read() as conn:
        page = queries.list_locations(conn, warehouse or None, kind or None, search or None,
                                      limit, after or None)
    if as_json:
        emit({"items": page.items, "next_after": page.next_after}, True)
        return
    emit(page.items, False, title="Locations",
         columns=["code", "warehouse", "kind", "zone", "aisle", "bay", "level", "active"],
         rows=[(loc["code"], loc["warehouse"], loc["kind"], loc["zone"], loc["aisle"],
                loc["bay"], loc["level"], "yes" if loc["active"] else "no")
               for loc in page.items])
    if page.next_after is not None:
        console.print(f"more: add --after {page.next_after}", highlight=False)


@app.command("show")
def show(code: str = typer.Argument(..., help="A location code, or a warehouse code"),
         as_json: bool = JSON) -> None:
    """Show one location (with what it holds), or one warehouse if CODE names a warehouse."""
    with handle_errors(as_json), get_uow().read() as conn:
        try:
            data = queries.get_location(conn, code)
        except NotFound:
            try:
                data = queries.get_warehouse(conn, code)
            except NotFound:
                raise NotFound(f"no location or warehouse with code {code!r}",
                               data={"code": code}) from None
    if as_json:
        emit(data, True)
        return
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        console.print(f"[bold]{key}[/]: {'' if value is None else value}", highlight=False)
