"""Top-level commands: init, serve, audit, bench and API tokens."""

from __future__ import annotations

import typer

from backroom.cli.common import console, emit, get_uow, handle_errors

token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


def init(demo: bool = typer.Option(False, "--demo", help="Seed a small demo store if empty."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Create or migrate the database (Alembic); optionally seed a demo store."""
    from backroom.core.settings import get_settings
    from backroom.db.migrate import current_revision, upgrade

    with handle_errors(as_json):
        uow = get_uow()
        before = current_revision(uow.engine)
        upgrade(uow.engine)
        after = current_revision(uow.engine)
        seeded = None
        if demo:
            from backroom.demo.seed import seed_demo

            seeded = seed_demo(uow)
        data = {"database": get_settings().safe_database_url(), "revision_before": before,
                "revision": after, "demo": seeded}
        if as_json:
            emit(data, True)
        else:
            console.print(f"database [bold]{data['database']}[/] at revision {after}"
                          + (" (created)" if before is None else ""))
            if seeded:
                console.print(f"demo store: {seeded}")


def serve(host: str = typer.Option("127.0.0.1", "--host"),
          port: int = typer.Option(8000, "--port"),
          workers: int = typer.Option(1, "--workers", min=1),
          admin_token: bool = typer.Option(False, "--admin-token",
                                           help="Mint an admin token and print it."),
          worker: bool = typer.Option(False, "--worker", help="Also run the background "
                                      "worker (books, channel stock, allocation) in this "
                                      "process, every 5 s.")) -> None:
    """Serve the HTTP API and the dashboard with uvicorn."""
    import uvicorn

    from backroom.api.auth import create_token

    with handle_errors():
        if admin_token:
            uow = get_uow()
            with uow.transaction() as conn:
                _, secret = create_token(conn, "admin", "dashboard (serve --admin-token)")
            console.print(f"admin token: [bold]{secret}[/]")
        console.print(f"Backroom on [bold]http://{host}:{port}[/]  (API docs at /docs)")
        if worker:
            _start_worker()
    uvicorn.run("backroom.api.asgi:app", host=host, port=port, workers=workers,
                log_level="info", proxy_headers=False)


def _start_worker() -> None:
    import threading

    from backroom.worker.loop import CONSUMERS, run_forever

    names = list(CONSUMERS)
    thread = threading.Thread(target=run_forever, args=(get_uow(), names, 5.0, lambda _c: None),
                              name="backroom-worker", daemon=True)
    thread.start()
    console.print(f"background worker: {', '.join(names)} every 5 s")


def audit(as_json: bool = typer.Option(False, "--json")) -> None:
    """Recompute everything checkable from the ledger; exit 1 if any invariant is broken."""
    from backroom.accounting.audit import run_all

    with handle_errors(as_json):
        report = run_all(get_uow())
    if as_json:
        emit(report.as_dict(), True)
    else:
        for check in report.checks:
            mark = "[green]ok[/]" if check.ok else "[bold red]FAIL[/]"
            console.print(f"{mark} {check.name}: {check.summary}")
            for line in check.discrepancies[:50]:
                console.print(f"    {line}", highlight=False)
    raise typer.Exit(0 if report.ok else 1)


def bench(suite: str = typer.Argument(..., help="Benchmark suite: inventory, rating, routing, "
                                     "picking, packing, sourcing, pipeline, accounting"),
          as_json: bool = typer.Option(False, "--json"),
          quick: bool = typer.Option(False, "--quick", help="Smaller sizes, for a smoke run."),
          postgres_url: str = typer.Option("", "--postgres-url",
                                           help="PostgreSQL to measure (default: start one)"),
          instances: str = typer.Option("", "--instances",
                                        help="routing: folder of CVRPLIB/Solomon instances"),
          orders: int = typer.Option(0, "--orders", min=0,
                                     help="pipeline: how many orders (default 10,000)")) -> None:
    """Run a benchmark suite and print each figure beside its baseline."""
    from backroom.bench.runner import run_suite

    extra: dict[str, object] = {"instances": instances} if instances else {}
    if orders:
        extra["orders"] = orders
    with handle_errors(as_json):
        run_suite(suite, as_json=as_json, quick=quick, postgres_url=postgres_url or None,
                  **extra)


@token_app.command("create")
def token_create(role: str = typer.Option(..., "--role", help="admin, warehouse, service, "
                                          "accounting, integration or read-only"),
                 name: str = typer.Option("", "--name"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Create an API token; the secret is printed once and never stored."""
    from backroom.api.auth import create_token

    with handle_errors(as_json):
        with get_uow().transaction() as conn:
            token_id, secret = create_token(conn, role, name)
        data = {"id": token_id, "role": role, "name": name or role, "token": secret}
        if as_json:
            emit(data, True)
        else:
            console.print(f"token {token_id} ({role}): [bold]{secret}[/]")
            console.print("Store it now: it cannot be shown again.")


@token_app.command("list")
def token_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List tokens (never their secrets)."""
    from sqlalchemy import select

    from backroom.db.tables import API_TOKENS

    t = API_TOKENS.c
    with handle_errors(as_json), get_uow().read() as conn:
        rows = conn.execute(select(t.id, t.name, t.role, t.prefix, t.created_at, t.revoked_at)
                            .order_by(t.id)).all()
    data = [dict(r._mapping) for r in rows]
    emit(data, as_json, title="API tokens",
         columns=["id", "name", "role", "prefix", "created", "revoked"],
         rows=[(r.id, r.name, r.role, r.prefix + "…", r.created_at, r.revoked_at) for r in rows])


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(...),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Revoke a token by id."""
    from backroom.api.auth import revoke_token
    from backroom.core.errors import NotFound

    with handle_errors(as_json):
        with get_uow().transaction() as conn:
            if not revoke_token(conn, token_id):
                raise NotFound(f"no active token with id {token_id}")
        emit({"revoked": token_id}, as_json)
