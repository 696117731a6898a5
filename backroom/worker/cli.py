"""``backroom worker [--once] [--interval S] [--without NAME]``."""

from __future__ import annotations

import typer

from backroom.cli.common import JsonOption, console, emit, get_uow, handle_errors
from backroom.core.errors import ValidationFailed
from backroom.worker.loop import CONSUMERS, Cycle, run_cycle, run_forever


def worker(once: bool = typer.Option(False, "--once", help="One cycle, then exit."),
           interval: float = typer.Option(2.0, "--interval", min=0.1,
                                          help="Seconds between the starts of two cycles."),
           without: list[str] = typer.Option([], "--without", help="Skip a consumer: books, "
                                             "availability or allocation; repeatable."),
           as_json: bool = JsonOption) -> None:
    """Run the background work: post the books, export channel availability, allocate ready
    orders. Safe to stop and start at any time."""
    with handle_errors(as_json):
        unknown = sorted(set(without) - set(CONSUMERS))
        if unknown:
            raise ValidationFailed.single("--without", unknown[0], "is not a consumer; choose "
                                          + ", ".join(CONSUMERS))
        names = [n for n in CONSUMERS if n not in without]
        uow = get_uow()
        if once:
            cycle = run_cycle(uow, names)
            _print(cycle, as_json)
            raise typer.Exit(1 if cycle.errors else 0)
        console.print(f"worker: {', '.join(names)} every {interval:g} s (Ctrl-C stops)")
        try:
            run_forever(uow, names, interval, lambda c: _print(c, as_json, quiet=True))
        except KeyboardInterrupt:
            console.print("worker stopped")


def _print(cycle: Cycle, as_json: bool, quiet: bool = False) -> None:
    if as_json:
        emit(cycle.as_dict(), True)
        return
    busy = {k: v for k, v in cycle.results.items() if any(v.values())}
    if quiet and not busy and not cycle.errors:
        return
    for name, values in (cycle.results if not quiet else busy).items():
        console.print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in values.items()),
                      highlight=False)
    for name, error in cycle.errors.items():
        console.print(f"[red]{name} failed:[/] {error}", highlight=False)
