"""``backroom shipments …``: create, buy labels (one or many), void, print, manifest, track."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backroom.cli.common import JsonOption, console, emit, err_console, get_uow, handle_errors
from backroom.core.errors import Problem, ProblemCollector, ValidationFailed
from backroom.shipping import queries, services, tracking
from backroom.shipping.labels.zpl import render_zpl
from backroom.shipping.model import Address, ContentLine, Package

app = typer.Typer(help="Shipments: create, buy and void labels, print labels and packing slips, "
                       "end-of-day manifests, tracking.", no_args_is_help=True)

_LIST_COLUMNS = ["id", "reference", "carrier", "service", "state", "tracking", "to", "cost",
                 "estimate", "delayed"]
_SPEC_KEYS = {"reference", "warehouse", "ship_to", "packages", "provider", "carrier", "service",
              "promised_date", "contents", "ready_at"}


def _typed(data: dict[str, Any], key: str, kind: type, where: str,
           problems: ProblemCollector) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        problems.add(f"{where}{key}", f"must be a {kind.__name__}", value)
        return None
    return value


def _packages(items: Any, where: str, problems: ProblemCollector) -> tuple[Package, ...]:
    if not isinstance(items, list):
        problems.add(f"{where}packages", "must be a list of {length_mm, width_mm, height_mm, "
                                         "weight_g}")
        return ()
    out = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.add(f"{where}packages[{i}]", "must be an object")
            continue
        dims: list[Any] = [item.get(k) for k in ("length_mm", "width_mm", "height_mm",
                                                  "weight_g")]
        out.append(Package(*dims))  # validated by the service, which reports each field
    return tuple(out)


def _contents(items: Any, where: str, problems: ProblemCollector) -> tuple[ContentLine, ...]:
    if items is None:
        return ()
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.add(f"{where}contents", "must be a list of {sku, name, qty}")
        return ()
    return tuple(ContentLine(i.get("sku", ""), i.get("name", ""), i.get("qty")) for i in items)


def spec_from_dict(data: Any, where: str, problems: ProblemCollector) -> services.ShipmentSpec:
    """A shipment spec from one JSON object (see docs/shipping.md); problems collected."""
    if not isinstance(data, dict):
        problems.add(where.rstrip(".") or "shipment", "must be a JSON object")
        data = {}
    for key in sorted(set(data) - _SPEC_KEYS):
        problems.add(f"{where}{key}", "is not a shipment field")
    ship_to = data.get("ship_to")
    if not isinstance(ship_to, dict):
        problems.add(f"{where}ship_to", "must be an address object")
        ship_to = {}
    promised = tracking.parse_date(_typed(data, "promised_date", str, where, problems),
                                   f"{where}promised_date", problems)
    ready = _typed(data, "ready_at", str, where, problems)
    return services.ShipmentSpec(
        reference=_typed(data, "reference", str, where, problems) or "",
        warehouse=_typed(data, "warehouse", str, where, problems) or "",
        ship_to=Address.from_dict(ship_to, f"{where}ship_to", problems),
        packages=_packages(data.get("packages"), where, problems),
        provider=_typed(data, "provider", str, where, problems) or "ratecard",
        carrier=_typed(data, "carrier", str, where, problems),
        service=_typed(data, "service", str, where, problems),
        promised_date=promised, contents=_contents(data.get("contents"), where, problems),
        ready_at=tracking.parse_time(ready, f"{where}ready_at", problems) if ready else None)


def _specs(items: list[Any], numbered: bool) -> list[services.ShipmentSpec]:
    """Every item as a checked spec, or one error listing the problems of all of them."""
    problems = ProblemCollector()
    specs = []
    for i, item in enumerate(items):
        where = f"[{i}]." if numbered else ""
        before = len(problems.problems)
        spec = spec_from_dict(item, where, problems)
        if len(problems.problems) > before:
            continue
        try:
            specs.append(services.validate_spec(spec))
        except ValidationFailed as exc:
            for p in exc.problems:
                problems.add(where + p.field, p.message, p.value, p.line)
    problems.raise_if_any()
    return specs


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed.single("file", str(path), f"is not a readable JSON file: {exc}")\
            from None


def _row(s: dict[str, Any]) -> list[Any]:
    cost = f"{s['cost']} {s['currency']}" if s["cost"] is not None else ""
    to = f"{s['ship_to_name']}, {s['ship_to_postal_code']} {s['ship_to_country']}"
    return [s["id"], s["reference"], s["carrier"], s["service"], s["state"],
            s["tracking_number"] or "", to, cost, s["estimated_delivery"] or "",
            s["delay_reason"] or ""]


def _show(shipment: dict[str, Any], as_json: bool, verb: str = "") -> None:
    if as_json:
        emit(shipment, True)
        return
    if verb:
        console.print(f"{verb} shipment [bold]{shipment['id']}[/]")
    table = Table(show_header=False, title=f"Shipment {shipment['id']}")
    for key, value in shipment.items():
        if key == "ship_to":
            value = ", ".join(str(v) for k, v in value.items() if v and k != "residential")
        elif key == "packages":
            value = "; ".join(f"#{p['package_no']} {p['length_mm']}×{p['width_mm']}×"
                              f"{p['height_mm']} mm {p['weight_g']} g "
                              f"{p['tracking_number'] or ''}" for p in value)
        elif key == "contents":
            value = ", ".join(f"{c['qty']} × {c['sku']}" for c in value)
        elif key == "events":
            value = "\n".join(f"{e['occurred_at']:%Y-%m-%d %H:%M} {e['status']} {e['location']}"
                              for e in value)
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@app.command("create")
def create(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                       help="JSON: one shipment object, or a list of them."),
           as_json: bool = JsonOption) -> None:
    """Create shipments from a JSON file: all of them, or none if any is bad."""
    with handle_errors(as_json):
        data = _read_json(file)
        items = data if isinstance(data, list) else [data]
        specs = _specs(items, isinstance(data, list))
        uow = get_uow()
        with uow.transaction():
            created = [services.create_shipment(uow, spec) for spec in specs]
    if as_json:
        emit(created if isinstance(data, list) else created[0], True)
        return
    for shipment in created:
        console.print(f"created shipment [bold]{shipment['id']}[/] ({shipment['reference']}): "
                      f"{shipment['carrier']} {shipment['service']}, estimated delivery "
                      f"{shipment['estimated_delivery'] or 'unknown'}")


@app.command("buy")
def buy(shipment_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Buy the label of a draft shipment."""
    with handle_errors(as_json):
        _show(services.buy_label(get_uow(), shipment_id), as_json, verb="bought the label of")


@app.command("void")
def void(shipment_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Void a shipment's label (or cancel a draft)."""
    with handle_errors(as_json):
        _show(services.void_label(get_uow(), shipment_id), as_json, verb="voided")


@app.command("batch-buy")
def batch_buy(ids: list[int] = typer.Argument(None, help="Shipment ids."),
              all_pending: bool = typer.Option(False, "--all-pending",
                                               help="Every draft shipment."),
              warehouse: str | None = typer.Option(None, "--warehouse"),
              carrier: str | None = typer.Option(None, "--carrier"),
              as_json: bool = JsonOption) -> None:
    """Buy many labels, one transaction each: a failure costs only its shipment (exit 1)."""
    with handle_errors(as_json):
        if bool(ids) == all_pending:
            raise ValidationFailed.single("ids", None, "give shipment ids or --all-pending")
        todo = services.pending_ids(get_uow(), warehouse, carrier) if all_pending else ids
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=True,
                      disable=as_json or not todo) as bar:
            task = bar.add_task("buying labels", total=len(todo))
            result = services.batch_buy(get_uow(), todo,
                                        lambda *_: bar.advance(task))
    if as_json:
        emit(result.as_dict(), True)
    else:
        console.print(f"bought {len(result.bought)} labels, {len(result.failed)} failed")
        for error in result.failed:
            err_console.print(f"  - shipment {error['shipment_id']}: {error['message']}",
                              highlight=False)
    raise typer.Exit(1 if result.failed else 0)


def _done(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        emit(data, True)
    else:
        console.print(text, highlight=False)


def _write(out: Path, data: bytes | str) -> None:
    try:
        out.write_bytes(data if isinstance(data, bytes) else data.encode())
    except OSError as exc:
        raise ValidationFailed.single("out", str(out), f"cannot be written: {exc.strerror}")\
            from None


@app.command("label")
def label(shipment_id: int = typer.Argument(...),
          fmt: str = typer.Option("pdf", "--format", help="pdf (4×6) or zpl (thermal)."),
          out: Path = typer.Option(..., "--out", help="File to write."),
          as_json: bool = JsonOption) -> None:
    """Write the 4×6 label(s) of a shipment as PDF or ZPL."""
    with handle_errors(as_json):
        if fmt not in ("pdf", "zpl"):
            raise ValidationFailed.single("format", fmt, "must be pdf or zpl")
        with get_uow().read() as conn:
            data = queries.label_data(conn, shipment_id)
        from backroom.shipping.labels.pdf import render_label  # ReportLab: loaded when used

        _write(out, render_label(data) if fmt == "pdf" else render_zpl(data))
    _done({"file": str(out), "format": fmt, "labels": data.package_count}, as_json,
          f"wrote {data.package_count} label(s) to {out}")


@app.command("slip")
def slip(shipment_id: int = typer.Argument(...),
         out: Path = typer.Option(..., "--out"),
         page: str = typer.Option("letter", "--page", help="letter or a4"),
         as_json: bool = JsonOption) -> None:
    """Write the packing slip of a shipment (PDF)."""
    with handle_errors(as_json):
        if page not in ("letter", "a4"):
            raise ValidationFailed.single("page", page, "must be letter or a4")
        with get_uow().read() as conn:
            data = queries.label_data(conn, shipment_id)
        from backroom.shipping.labels.slip import render_slip

        _write(out, render_slip(data, page))
    _done({"file": str(out)}, as_json, f"wrote {out}")


@app.command("manifest")
def manifest(carrier: str = typer.Option(..., "--carrier"),
             day: str = typer.Option(..., "--date", help="Ship date, YYYY-MM-DD."),
             warehouse: str = typer.Option(..., "--warehouse"),
             out_dir: Path = typer.Option(Path("."), "--out-dir", file_okay=False),
             as_json: bool = JsonOption) -> None:
    """Close out a carrier's day: a new manifest as PDF and CSV in --out-dir."""
    with handle_errors(as_json):
        ship_date = _date(day)
        out_dir.mkdir(parents=True, exist_ok=True)
        uow = get_uow()
        summary = services.create_manifest(uow, carrier, ship_date, warehouse)
        with uow.read() as conn:
            data = queries.manifest_data(conn, summary["id"])
        pdf = out_dir / f"manifest-{data.manifest_id}.pdf"
        csv_ = out_dir / f"manifest-{data.manifest_id}.csv"
        from backroom.shipping.labels.manifest import render_manifest_csv, render_manifest_pdf

        _write(pdf, render_manifest_pdf(data))
        _write(csv_, render_manifest_csv(data))
    summary["files"] = [str(pdf), str(csv_)]
    _done(summary, as_json, f"manifest {summary['id']}: {summary['shipments']} shipments, "
          f"{summary['packages']} packages; wrote {pdf} and {csv_}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.single("date", text, "must be a date like 2026-11-26") from None


@app.command("track-import")
def track_import(file: Path = typer.Argument(..., exists=True, dir_okay=False),
                 skip_invalid: bool = typer.Option(False, "--skip-invalid"),
                 as_json: bool = JsonOption) -> None:
    """Record scans from a CSV: carrier,tracking_number,status,occurred_at,location,description.

    Bad rows are listed with their line numbers; nothing is written if any is bad (exit 2)
    unless --skip-invalid."""
    with handle_errors(as_json):
        result = tracking.import_tracking_csv(get_uow(), file.read_bytes(),
                                              skip_invalid=skip_invalid)
    if as_json:
        emit(result, True)
        return
    console.print(f"recorded {result['recorded']} scans ({result['duplicates']} duplicates), "
                  f"{len(result['state_changes'])} state changes, skipped "
                  f"{result['invalid_rows']} bad rows")
    for error in result["errors"]:
        err_console.print(f"  - {Problem(**error)}", highlight=False)


@app.command("track")
def track(shipment_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Fetch a shipment's scans from its provider and record the new ones."""
    with handle_errors(as_json):
        result = services.refresh_tracking(get_uow(), shipment_id)
    _done(result, as_json, f"recorded {result['recorded']} new scans, "
          f"{len(result['state_changes'])} state changes")


@app.command("check-delays")
def check_delays(as_json: bool = JsonOption) -> None:
    """Flag late shipments (estimate after promise, or no scan for N business days)."""
    with handle_errors(as_json):
        flagged = tracking.check_delays(get_uow())
    _done({"delayed": flagged}, as_json,
          f"{len(flagged)} newly delayed shipments" + (f": {flagged}" if flagged else ""))


@app.command("list")
def list_(state: str | None = typer.Option(None, "--state"),
          carrier: str | None = typer.Option(None, "--carrier"),
          reference: str | None = typer.Option(None, "--reference"),
          limit: int = typer.Option(100, "--limit", min=1, max=500),
          as_json: bool = JsonOption) -> None:
    """List shipments, newest first."""
    with handle_errors(as_json), get_uow().read() as conn:
        items = queries.list_shipments(conn, state=state, carrier=carrier, reference=reference,
                                       limit=limit)
    emit(items, as_json, title="Shipments", columns=_LIST_COLUMNS, rows=[_row(s) for s in items])


@app.command("show")
def show(shipment_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """One shipment with its packages and tracking history."""
    with handle_errors(as_json), get_uow().read() as conn:
        _show(queries.get_shipment(conn, shipment_id), as_json)


__all__ = ["app", "spec_from_dict"]
