"""Every API route needs a valid token and the right permission (SQLite and PostgreSQL).

The route list is read from the assembled app, so routes added later are covered automatically.
A route that is deliberately public (e.g. signed webhook intake) must be listed in PUBLIC.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient

from backroom.api.auth import PERMISSIONS, ROLES, Principal
from backroom.db.uow import UnitOfWork
from tests.api.helpers import (
    ApiRoute,
    api_routes,
    assert_problem,
    bearer,
    headers,
    revoke,
    token,
)

# Routes that authenticate some other way; each needs its own test of that way.
PUBLIC: set[tuple[str, str]] = {("POST", "/api/v1/webhooks/tracking/{carrier}"),
                                 ("POST", "/api/v1/webhooks/easypost"),
                                 ("POST", "/api/v1/webhooks/shopify/{channel}"),
                                 ("POST", "/api/v1/webhooks/woocommerce/{channel}")}
# Routes open to any valid token, whatever its role.
ANY_ROLE = {("GET", "/api/v1/me")}


def _permissions(dependant: Dependant) -> set[str]:
    """Permissions named by ``require(...)`` anywhere in a route's dependency tree."""
    found: set[str] = set()
    for dep in dependant.dependencies:
        call: Callable[..., object] | None = dep.call
        if call is not None and inspect.isfunction(call):
            permission = inspect.getclosurevars(call).nonlocals.get("permission")
            if isinstance(permission, str):
                found.add(permission)
        found |= _permissions(dep)
    return found


def _calls(client: TestClient) -> list[tuple[str, str, ApiRoute]]:
    app = client.app
    assert hasattr(app, "routes")
    return [(method, r.path, r) for r in api_routes(app)  # type: ignore[arg-type]
            for method in sorted(r.methods) if (method, r.path) not in PUBLIC]


def test_finds_every_api_route_when_app_is_assembled(client: TestClient) -> None:
    calls = _calls(client)
    listed = {path for _, path, _ in calls}
    openapi_paths = {p for p in client.app.openapi()["paths"]  # type: ignore[attr-defined]
                     if p.startswith("/api/")}
    assert openapi_paths <= listed | {path for _, path in PUBLIC}
    assert ("POST", "/api/v1/warehouses") in {(m, p) for m, p, _ in calls}


def test_answers_401_problem_on_every_route_when_no_token_is_sent(client: TestClient) -> None:
    for method, path, route in _calls(client):
        response = client.request(method, route.concrete_path)
        body = assert_problem(response, 401, "unauthorized")
        assert response.headers.get("www-authenticate") == "Bearer", (method, path)
        assert "token" in body["detail"]


def test_answers_401_on_every_route_when_token_is_unknown(client: TestClient) -> None:
    for method, _path, route in _calls(client):
        response = client.request(method, route.concrete_path, headers=bearer("brk_forged"))
        assert_problem(response, 401, "unauthorized")


def test_every_api_route_names_one_permission_when_app_is_assembled(client: TestClient) -> None:
    for method, path, route in _calls(client):
        permissions = _permissions(route.route.dependant)
        if (method, path) in ANY_ROLE:
            assert permissions == set()
            continue
        assert len(permissions) == 1, (method, path, permissions)
        assert permissions <= set(PERMISSIONS), (method, path, permissions)


def test_answers_403_on_every_route_when_role_lacks_its_permission(client: TestClient,
                                                                  uow: UnitOfWork) -> None:
    secrets = {role: headers(uow.engine, role) for role in ROLES}
    checked = 0
    for method, path, route in _calls(client):
        permissions = _permissions(route.route.dependant)
        if not permissions:
            continue
        permission = permissions.pop()
        lacking = [r for r in ROLES if r != "admin" and r not in PERMISSIONS[permission]]
        for role in lacking:
            response = client.request(method, route.concrete_path, headers=secrets[role])
            body = assert_problem(response, 403, "forbidden")
            assert (body["permission"], body["role"]) == (permission, role), (method, path)
            checked += 1
    assert checked > 0


# POSTs that only compute and change nothing; reachable with a :read permission.
READ_POSTS = {("POST", "/api/v1/shipping/quotes")}


def test_answers_403_on_every_write_when_role_is_read_only(client: TestClient,
                                                           uow: UnitOfWork) -> None:
    read_only = headers(uow.engine, "read-only")
    writes = [(m, r) for m, p, r in _calls(client)
              if m in {"POST", "PUT", "PATCH", "DELETE"} and (m, p) not in READ_POSTS]
    assert writes
    for method, route in writes:
        assert_problem(client.request(method, route.concrete_path, headers=read_only), 403)


def test_read_only_holds_no_write_permission_when_table_is_read() -> None:
    reader = Principal(token_id=1, name="r", role="read-only")
    for permission, roles in PERMISSIONS.items():
        assert roles <= set(ROLES) - {"admin"}, permission
        if not permission.endswith(":read"):
            assert "read-only" not in roles, permission
            assert not reader.can(permission)
    assert reader.can("inventory:read")


def test_admin_holds_every_permission_when_table_is_read() -> None:
    admin = Principal(token_id=1, name="a", role="admin")
    assert all(admin.can(p) for p in PERMISSIONS)
    assert not Principal(1, "w", "warehouse").can("locations:write")
    with pytest.raises(KeyError):
        admin.can("no-such:permission")


def test_answers_401_when_token_is_revoked(client: TestClient, uow: UnitOfWork) -> None:
    token_id, secret = token(uow.engine, "warehouse")
    assert client.get("/api/v1/me", headers=bearer(secret)).json()["role"] == "warehouse"
    revoke(uow.engine, token_id)
    assert_problem(client.get("/api/v1/me", headers=bearer(secret)), 401, "unauthorized")
    assert_problem(client.get("/api/v1/warehouses", headers=bearer(secret)), 401)


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Token brk_x", "bearer   "])
def test_answers_401_when_authorization_header_is_malformed(client: TestClient,
                                                           header: str) -> None:
    assert_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_accepts_any_case_scheme_when_token_is_valid(client: TestClient, uow: UnitOfWork) -> None:
    _, secret = token(uow.engine, "service")
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["role"] == "service"
