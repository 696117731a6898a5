"""``backroom token create/list/revoke`` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from backroom.api.auth import authenticate
from backroom.cli.app import app
from backroom.core.errors import Unauthorized
from backroom.db.tables import API_TOKENS
from backroom.db.uow import UnitOfWork
from tests.api.helpers import cli_database

runner = CliRunner()


@pytest.fixture
def cli(db_url: str) -> Iterator[None]:
    with cli_database(db_url):
        yield


def _run(*args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def _create(role: str, name: str = "") -> dict[str, Any]:
    args = ["token", "create", "--role", role, "--json"] + (["--name", name] if name else [])
    data: dict[str, Any] = json.loads(_run(*args).stdout)
    return data


def test_prints_a_working_secret_once_when_token_is_created(cli: None, uow: UnitOfWork) -> None:
    created = _create("warehouse", "scanner 3")
    assert created["token"].startswith("brk_")
    assert (created["role"], created["name"]) == ("warehouse", "scanner 3")
    with uow.read() as conn:
        principal = authenticate(conn, created["token"])
        stored = conn.execute(select(API_TOKENS.c.token_hash)).scalar_one()
    assert (principal.token_id, principal.role) == (created["id"], "warehouse")
    assert created["token"] not in stored


def test_prints_the_secret_for_people_when_json_is_not_asked(cli: None) -> None:
    out = _run("token", "create", "--role", "read-only").stdout
    assert "brk_" in out
    assert "cannot be shown again" in out


def test_lists_tokens_without_secrets_when_listed(cli: None) -> None:
    first = _create("admin")
    second = _create("service", "helpdesk")
    listed = json.loads(_run("token", "list", "--json").stdout)
    assert [(t["id"], t["role"], t["name"]) for t in listed] == [
        (first["id"], "admin", "admin"), (second["id"], "service", "helpdesk")]
    assert all(t["revoked_at"] is None for t in listed)
    text = _run("token", "list", "--json").stdout + _run("token", "list").stdout
    assert first["token"] not in text and second["token"] not in text
    assert all("token_hash" not in t for t in listed)


def test_stops_authenticating_when_token_is_revoked(cli: None, uow: UnitOfWork) -> None:
    created = _create("integration")
    assert json.loads(_run("token", "revoke", str(created["id"]), "--json").stdout) == {
        "revoked": created["id"]}
    with uow.read() as conn, pytest.raises(Unauthorized):
        authenticate(conn, created["token"])
    listed = json.loads(_run("token", "list", "--json").stdout)
    assert listed[0]["revoked_at"] is not None


def test_exits_2_when_revoking_an_unknown_or_revoked_token(cli: None) -> None:
    created = _create("admin")
    _run("token", "revoke", str(created["id"]))
    again = _run("token", "revoke", str(created["id"]), code=2)
    assert "no active token" in again.stderr
    _run("token", "revoke", "999", code=2)


def test_exits_2_and_stores_nothing_when_role_is_unknown(cli: None, uow: UnitOfWork) -> None:
    result = _run("token", "create", "--role", "superuser", code=2)
    assert "role" in result.stderr
    as_json = _run("token", "create", "--role", "superuser", "--json", code=2)
    assert json.loads(as_json.stderr)["code"] == "validation_failed"
    with uow.read() as conn:
        assert conn.execute(select(func.count()).select_from(API_TOKENS)).scalar_one() == 0
