"""The dashboard shell: sign in and out, sessions, CSRF, roles, navigation, assets."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from backroom.api.app import create_app
from backroom.api.auth import PERMISSIONS, revoke_token
from backroom.core.settings import Settings
from backroom.db.tables import API_TOKENS, APP_SETTINGS
from backroom.db.uow import UnitOfWork
from backroom.web import auth as web_auth
from backroom.web.auth import safe_next
from backroom.web.nav import AREAS
from tests.web.html import input_values
from tests.web.seed import Store, make_token

PAGES = ["/", "/products", "/products/MUG-RED", "/locations", "/stock", "/orders", "/logout"]


def _login(client: TestClient, token: str, next_url: str = "/") -> httpx.Response:
    form = input_values(client.get("/login", params={"next": next_url}).text)
    return client.post("/login", data={**form, "token": token})


def test_page_redirects_to_login_when_no_cookie(client: TestClient,
                                                subtests: pytest.Subtests) -> None:
    for path in PAGES:
        with subtests.test(path=path):
            response = client.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login")


def test_login_redirect_keeps_the_page_and_query_when_signed_out(client: TestClient) -> None:
    response = client.get("/stock", params={"q": "MUG", "warehouse": "MAIN"})
    assert response.headers["location"] == "/login?next=%2Fstock%3Fq%3DMUG%26warehouse%3DMAIN"


def test_page_redirects_and_drops_cookie_when_token_is_unknown(client: TestClient) -> None:
    client.cookies.set("backroom_token", "brk_not-a-real-token")
    response = client.get("/products")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fproducts"
    assert 'backroom_token=""' in response.headers["set-cookie"]


def test_page_redirects_to_login_when_token_was_revoked(client: TestClient, uow: UnitOfWork,
                                                        sign_in: Callable[[str], str]) -> None:
    sign_in("warehouse")
    assert client.get("/").status_code == 200
    with uow.transaction() as conn:
        token_id = conn.execute(select(API_TOKENS.c.id)).scalar_one()
        revoke_token(conn, token_id)
    assert client.get("/").status_code == 303


def test_login_shows_error_when_token_is_bad(client: TestClient) -> None:
    response = _login(client, "brk_wrong")
    assert response.status_code == 401
    assert "not valid" in response.text
    assert "backroom_token" not in client.cookies


def test_login_sets_strict_http_only_cookie_when_token_is_valid(client: TestClient,
                                                                uow: UnitOfWork) -> None:
    token = make_token(uow, "warehouse", "Dock tablet 3")
    response = client.post("/login", data={**input_values(client.get("/login").text),
                                           "token": f"  {token} "})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"backroom_token={token};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    page = client.get("/")
    assert page.status_code == 200 and "Dock tablet 3" in page.text
    assert client.get("/api/v1/me").json()["name"] == "Dock tablet 3"  # one session for both


def test_login_returns_to_requested_page_when_next_is_local(client: TestClient,
                                                            uow: UnitOfWork) -> None:
    response = _login(client, make_token(uow), "/stock?q=MUG")
    assert response.headers["location"] == "/stock?q=MUG"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil",
                                    "javascript:alert(1)", "", "/\r\nSet-Cookie:x=1"])
def test_next_falls_back_to_overview_when_it_leaves_the_site(target: str) -> None:
    assert safe_next(target) == "/"


def test_login_refused_when_form_nonce_is_missing(client: TestClient, uow: UnitOfWork) -> None:
    response = client.post("/login", data={"token": make_token(uow), "nonce": "forged"})
    assert response.status_code == 400
    assert "expired" in response.text
    assert "backroom_token" not in client.cookies


def test_logout_clears_cookie_when_csrf_token_matches(client: TestClient,
                                                      sign_in: Callable[[str], str]) -> None:
    sign_in("warehouse")
    csrf = input_values(client.get("/").text)["csrf_token"]
    response = client.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "backroom_token" not in client.cookies
    assert client.get("/").status_code == 303


def test_logout_refused_when_csrf_token_is_wrong(client: TestClient, subtests: pytest.Subtests,
                                                 sign_in: Callable[[str], str]) -> None:
    sign_in("warehouse")
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}):
        with subtests.test(data=data):
            response = client.post("/logout", data=data)
            assert response.status_code == 403
            assert "could not be verified" in response.text
            assert client.get("/").status_code == 200


def test_csrf_token_differs_per_session_and_key_is_stored_when_first_used(
        client: TestClient, uow: UnitOfWork, sign_in: Callable[[str], str]) -> None:
    sign_in("warehouse")
    first = input_values(client.get("/").text)["csrf_token"]
    sign_in("service")
    second = input_values(client.get("/").text)["csrf_token"]
    assert first != second and len(first) == 64
    with uow.read() as conn:
        stored = conn.execute(select(APP_SETTINGS.c.value)
                              .where(APP_SETTINGS.c.key == "dashboard_secret")).scalar_one()
    assert len(stored) == 64
    other_app = TestClient(create_app(uow.engine), follow_redirects=False)
    other_app.cookies.set("backroom_token", client.cookies["backroom_token"])
    assert input_values(other_app.get("/").text)["csrf_token"] == second


def test_csrf_tokens_use_configured_key_when_secret_key_is_set(
        client: TestClient, uow: UnitOfWork, sign_in: Callable[[str], str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(secret_key=SecretStr("configured-key"))
    monkeypatch.setattr(web_auth, "get_settings", lambda: settings)
    token = sign_in("warehouse")
    expected = hmac.new(b"configured-key", b"csrf:" + token.encode(), hashlib.sha256).hexdigest()
    assert input_values(client.get("/").text)["csrf_token"] == expected
    with uow.read() as conn:
        assert conn.execute(select(APP_SETTINGS.c.key)).all() == []


def test_nav_lists_every_area_when_signed_in(warehouse_client: TestClient) -> None:
    html = warehouse_client.get("/").text
    for area in AREAS:
        assert f'href="{area.path}">{area.label}</a>' in html
    assert [a.label for a in AREAS] == ["Overview", "Products", "Locations", "Stock", "Orders",
                                        "Fulfillment", "Shipping", "Warehouse", "Service",
                                        "Accounting"]


def test_area_says_coming_later_when_not_built_yet(warehouse_client: TestClient,
                                                   subtests: pytest.Subtests) -> None:
    upcoming = [a for a in AREAS if not a.built]
    assert len(upcoming) == 3
    for area in upcoming:
        with subtests.test(area=area.key):
            response = warehouse_client.get(area.path)
            assert response.status_code == 200
            assert "coming in a later release" in response.text and area.summary in response.text


def test_inventory_pages_show_friendly_403_when_role_lacks_permission(
        client: TestClient, store: Store, sign_in: Callable[[str], str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PERMISSIONS, "inventory:read", frozenset({"warehouse"}))
    sign_in("service")
    for path in ("/stock", "/locations"):
        response = client.get(path)
        assert response.status_code == 403
        assert "text/html" in response.headers["content-type"]
        assert "inventory:read" in response.text and "Sign out" in response.text
    assert client.get("/products").status_code == 200
    product = client.get("/products/MUG-RED").text
    assert "By location" not in product
    overview = client.get("/").text
    assert "Active products" in overview and "Units on hand" not in overview


def test_pages_send_security_headers_when_rendered(warehouse_client: TestClient) -> None:
    response = warehouse_client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_bootstrap_is_served_from_the_installed_package_when_pages_link_it(
        warehouse_client: TestClient) -> None:
    html = warehouse_client.get("/").text
    for url in ("/static/vendor/bootstrap/css/bootstrap.min.css",
                "/static/vendor/bootstrap/js/bootstrap.bundle.min.js", "/static/app/backroom.css"):
        assert url in html
        response = warehouse_client.get(url)
        assert response.status_code == 200 and len(response.content) > 200
