"""Fixtures: every storage test runs on SQLite and on a real PostgreSQL the run starts itself."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backroom.db.engine import make_engine
from backroom.db.migrate import upgrade
from backroom.db.uow import UnitOfWork
from tests.pgserver import PgServer, find_bindir

pytest_plugins = ["tests.web.live"]  # the ``chromium`` fixture for every browser test
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("BACKROOM_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL server binaries not found but BACKROOM_REQUIRE_POSTGRES is set")
        yield None
        return
    server = PgServer.start(bindir)
    try:
        engine = create_engine(server.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE backroom_template"))
        engine.dispose()
        template = make_engine(server.url_for("backroom_template"))
        upgrade(template)
        template.dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database URL: a fresh SQLite file or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "backroom.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: PgServer | None = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("PostgreSQL server binaries not installed")
    name = f"t_{os.getpid()}_{next(_counter)}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE backroom_template'))
    try:
        yield server.url_for(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def uow(db_url: str) -> Iterator[UnitOfWork]:
    unit = UnitOfWork(make_engine(db_url, pool_size=5))
    try:
        yield unit
    finally:
        unit.engine.dispose()


@pytest.fixture
def cli_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI (which reads ``BACKROOM_DATABASE_URL``) pointed at this test's database."""
    from backroom.core.settings import get_settings

    monkeypatch.setenv("BACKROOM_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()
