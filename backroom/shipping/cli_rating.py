"""``backroom ship …``: carriers, quotes and rate shopping, rate-card validation."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import typer
from rich.table import Table

from backroom.cli.common import JsonOption, console, emit, err_console, get_uow, handle_errors
from backroom.core.errors import Problem, ProblemCollector, ValidationFailed
from backroom.shipping.rating import present
from backroom.shipping.rating.errors import NoServiceAvailable
from backroom.shipping.rating.loader import problems_in, rates_dir, read_rate_dir
from backroom.shipping.rating.model import Address, Choice, Package, QuoteSet
from backroom.shipping.rating.quote import choose
from backroom.shipping.rating.services import carriers, quote_shipment, warehouse_address

app = typer.Typer(help="Shipping: carriers, rate quotes and rate shopping.", no_args_is_help=True)

_PACKAGE = re.compile(r"^\s*(\d+)\s*[x×X]\s*(\d+)\s*[x×X]\s*(\d+)\s*:\s*(-?\d+)\s*$")


def parse_package(text: str, index: int, problems: ProblemCollector) -> Package:
    """``300x200x100:1200`` → a package of 300 × 200 × 100 mm weighing 1200 g (a 1 mm, 1 g
    placeholder after recording a problem, so later packages keep their numbers)."""
    match = _PACKAGE.match(text)
    if match is None:
        problems.add(f"packages[{index}]", "--package must be LENGTHxWIDTHxHEIGHT:WEIGHT in mm "
                     "and g, e.g. 300x200x100:1200", text)
        return Package(1, 1, 1, 1)
    length, width, height, weight = (int(g) for g in match.groups())
    return Package(length, width, height, weight)


def _date(text: str, name: str, problems: ProblemCollector) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.add(name, "must be a date YYYY-MM-DD", text)
        return None


def _datetime(text: str, problems: ProblemCollector) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        problems.add("--ready-at", "must be a date and time such as 2026-11-27T15:00+00:00", text)
        return None
    if value.tzinfo is None:
        problems.add("--ready-at", "needs a time zone offset, e.g. 2026-11-27T15:00+00:00", text)
        return None
    return value


def _origin(warehouse: str, country: str, postal: str, lat: float | None,
            lon: float | None) -> Address:
    if warehouse and (country or postal):
        raise ValidationFailed.single("--from", warehouse, "give a warehouse code or "
                                      "--from-country/--from-postal, not both")
    if warehouse:
        return warehouse_address(get_uow(), warehouse)
    if not (country and postal):
        raise ValidationFailed.single("--from", None, "give a warehouse code (--from WH1) or "
                                      "--from-country and --from-postal")
    return Address(country, postal, False, lat, lon)


@app.command("quote")
def quote(from_warehouse: str = typer.Option("", "--from", help="Warehouse code to ship from."),
          from_country: str = typer.Option("", "--from-country"),
          from_postal: str = typer.Option("", "--from-postal"),
          from_lat: float | None = typer.Option(None, "--from-lat"),
          from_lon: float | None = typer.Option(None, "--from-lon"),
          to_country: str = typer.Option(..., "--to-country", help="ISO code, e.g. US"),
          to_postal: str = typer.Option(..., "--to-postal"),
          residential: bool = typer.Option(False, "--residential"),
          to_lat: float | None = typer.Option(None, "--to-lat"),
          to_lon: float | None = typer.Option(None, "--to-lon"),
          package: list[str] = typer.Option(..., "--package", help="LxWxH:WEIGHT in mm and g, "
                                            "e.g. 300x200x100:1200; repeatable."),
          promise: str = typer.Option("", "--promise", help="Promised delivery date YYYY-MM-DD."),
          ready_at: str = typer.Option("", "--ready-at", help="When the parcels are ready "
                                       "(ISO date-time with offset; default: now)."),
          carrier: list[str] = typer.Option([], "--carrier", help="Limit to carrier codes."),
          choose_: bool = typer.Option(False, "--choose", help="Pick the cheapest service "
                                       "that meets the promise; exit 1 if none does."),
          as_json: bool = JsonOption) -> None:
    """Quote every service for a shipment, with breakdown and delivery date."""
    choice: Choice | None = None
    with handle_errors(as_json):
        problems = ProblemCollector()
        packages = [parse_package(p, i, problems) for i, p in enumerate(package)]
        promised = _date(promise, "--promise", problems)
        ready = _datetime(ready_at, problems)
        origin = _origin(from_warehouse, from_country, from_postal, from_lat, from_lon)
        destination = Address(to_country, to_postal, residential, to_lat, to_lon)
        try:
            quotes = quote_shipment(origin, destination, packages,
                                    promise=promised, ready_at=ready, carriers=carrier or None)
        except ValidationFailed as exc:
            if not problems or isinstance(exc, NoServiceAvailable):
                raise
            raise ValidationFailed.of(problems.problems + exc.problems) from None
        problems.raise_if_any()
        choice = choose(quotes) if choose_ else None
        _show_quotes(quotes, choice, as_json)
    if choice is not None and not choice.meets_promise:
        raise typer.Exit(1)


def _show_quotes(quotes: QuoteSet, choice: Choice | None, as_json: bool) -> None:
    data: dict[str, Any] = present.quote_set_dict(quotes)
    if choice is not None:
        data["choice"] = present.choice_dict(choice)
    if as_json:
        emit(data, True)
        return
    console.print(_quote_table(data))
    for item in data["excluded"]:
        console.print(f"[dim]- {item['carrier']}/{item['service']}: {item['reason']}[/]",
                      highlight=False)
    if choice is not None:
        style = "bold green" if choice.meets_promise else "bold red"
        console.print(f"[{style}]{choice.message}[/]", highlight=False)


def _quote_table(data: dict[str, Any]) -> Table:
    promise = data["promise"]
    title = "Quotes" + (f" (promise: delivered by {promise})" if promise else "")
    table = Table(title=title, title_justify="left")
    for name in ("service", "zone", "billable", "base", "surcharges", "total", "delivered"):
        table.add_column(name, justify="right" if name in ("base", "total") else "left")
    for q in data["quotes"]:
        extras = "\n".join(f"{_SHORT.get(line['code'], line['code'])} {line['amount']}"
                           for line in q["lines"][1:])
        mark = "" if not promise else (" [green]✓[/]" if q["meets_promise"] else " [red]✗[/]")
        table.add_row(f"{q['carrier']} {q['service']}", q["zone"],
                      f"{q['billable_weight']} {q['weight_unit']}", q["lines"][0]["amount"],
                      extras, f"[bold]{q['total']}[/] {q['currency']}",
                      q["delivery_date"] + mark)
    return table


_SHORT = {"residential": "residential", "remote_area": "remote", "fuel": "fuel",
          "additional_handling": "handling", "oversize": "oversize"}


@app.command("carriers")
def list_carriers(as_json: bool = JsonOption) -> None:
    """List the loaded carriers (BACKROOM_RATES_DIR, default: the samples) and their services."""
    with handle_errors(as_json):
        items = [present.carrier_dict(card) for card in carriers()]
        rows = [[f"{c['code']} {s['code']}", s["name"], c["currency"], ",".join(s["zones"]),
                 _transit(s["transit_days"]), s["pickup_cutoff"], s["max_weight"] or ""]
                for c in items for s in c["services"]]
        emit({"directory": str(rates_dir()), "items": items}, as_json,
             title=f"Carriers in {rates_dir()}",
             columns=["service", "name", "currency", "zones", "transit days", "cut-off",
                      "max weight"], rows=rows)


def _transit(days: dict[str, int]) -> str:
    values = sorted(set(days.values()))
    return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"


@app.command("validate-rates")
def validate_rates(directory: str = typer.Argument(..., help="A rate-card directory."),
                   as_json: bool = JsonOption) -> None:
    """Check a rate-card directory and report every problem (file, line, field, value)."""
    with handle_errors(as_json):
        problems = problems_in(directory)
        if problems:
            _report_problems(directory, problems, as_json)
            raise typer.Exit(2)
        book = read_rate_dir(directory)
        services = sum(len(c.services) for c in book.cards)
        data = {"ok": True, "directory": book.directory, "problems": [],
                "carriers": [c.code for c in book.cards], "services": services}
        if as_json:
            emit(data, True)
        else:
            console.print(f"[green]ok[/]: {len(book.cards)} carriers, {services} services in "
                          f"{book.directory}", highlight=False)


def _report_problems(directory: str, problems: list[Problem], as_json: bool) -> None:
    if as_json:
        emit({"ok": False, "directory": directory,
              "problems": [p.as_dict() for p in problems]}, True)
        return
    err_console.print(f"[bold red]{len(problems)} problem(s)[/] in {directory}:",
                      highlight=False)
    for problem in problems:
        err_console.print(f"  - {problem}", highlight=False)
