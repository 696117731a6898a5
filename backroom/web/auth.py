"""Dashboard sessions: the API token in an HttpOnly cookie, per-page roles, CSRF tokens.

The session *is* the API token (``backroom_token`` cookie, HttpOnly, SameSite=Strict), so the
API and the pages share one notion of who is calling. Every POST form carries a CSRF token: an
HMAC of the cookie's token under a server key, which an attacker on another site can neither
read nor compute. The server key is ``BACKROOM_SECRET_KEY`` when set, otherwise a random key
stored once per database in ``app_settings`` (``dashboard_secret``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request, Response
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from backroom.api.auth import Principal, authenticate
from backroom.api.deps import get_uow
from backroom.core.errors import Unauthorized
from backroom.core.settings import get_settings
from backroom.db.tables import APP_SETTINGS

COOKIE = "backroom_token"
LOGIN_CSRF_COOKIE = "backroom_login_csrf"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = 12 * 3600
SERVER_KEY_SETTING = "dashboard_secret"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user of a page and the CSRF token their forms must carry."""

    principal: Principal
    csrf_token: str

    def can(self, permission: str) -> bool:
        return self.principal.can(permission)


class LoginRequired(Exception):
    """No valid session: the handler redirects to the login page."""

    def __init__(self, next_url: str, *, clear_cookie: bool = False) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.clear_cookie = clear_cookie


class PageError(Exception):
    """A user-facing error page (403, 404, ...), rendered inside the layout."""

    def __init__(self, status: int, title: str, message: str, viewer: Viewer | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message
        self.viewer = viewer


def server_key(request: Request) -> bytes:
    """The key CSRF tokens are derived with (cached on the app after the first request)."""
    cached = getattr(request.app.state, "dashboard_key", None)
    if isinstance(cached, bytes):
        return cached
    configured = get_settings().secret_key.get_secret_value()
    key = configured.encode() if configured else _stored_key(request).encode()
    request.app.state.dashboard_key = key
    return key


def _stored_key(request: Request) -> str:
    uow = get_uow(request)
    s = APP_SETTINGS.c
    query = select(s.value).where(s.key == SERVER_KEY_SETTING)
    with uow.read() as conn:
        found = conn.execute(query).scalar_one_or_none()
    if found:
        return str(found)
    try:
        with uow.transaction() as conn:
            conn.execute(insert(APP_SETTINGS).values(key=SERVER_KEY_SETTING,
                                                     value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another process created it first; use theirs
    with uow.read() as conn:
        return str(conn.execute(query).scalar_one())


def csrf_token_for(request: Request, secret: str) -> str:
    return hmac.new(server_key(request), b"csrf:" + secret.encode(), hashlib.sha256).hexdigest()


def current_viewer(request: Request) -> Viewer:
    """The signed-in viewer, or ``LoginRequired`` (never a 500 for a bad or missing cookie)."""
    cached = getattr(request.state, "viewer", None)
    if isinstance(cached, Viewer):
        return cached
    secret = request.cookies.get(COOKIE)
    if not secret:
        raise LoginRequired(_here(request))
    try:
        with get_uow(request).read() as conn:
            principal = authenticate(conn, secret)
    except Unauthorized:
        raise LoginRequired(_here(request), clear_cookie=True) from None
    viewer = Viewer(principal, csrf_token_for(request, secret))
    request.state.viewer = viewer
    return viewer


def page_user(permission: str | None = None) -> Callable[[Request], Viewer]:
    """Dependency for a page: a signed-in viewer holding ``permission`` (if given)."""

    def dependency(request: Request) -> Viewer:
        viewer = current_viewer(request)
        if permission is not None and not viewer.can(permission):
            raise PageError(403, "Not allowed",
                            f"Your role ({viewer.principal.role}) cannot open this page: it "
                            f"needs the '{permission}' permission. Ask an administrator for a "
                            "token with a suitable role.", viewer)
        return viewer

    dependency.__name__ = f"page_{(permission or 'any').replace(':', '_')}"
    return dependency


def csrf_protected(permission: str | None = None) -> Callable[[Request], Awaitable[Viewer]]:
    """Dependency for a POST form: signed in, holds ``permission``, and the CSRF token matches."""
    check = page_user(permission)

    async def dependency(request: Request) -> Viewer:
        viewer = check(request)
        form = await request.form()
        sent = form.get(CSRF_FIELD)
        if not isinstance(sent, str) or not hmac.compare_digest(sent, viewer.csrf_token):
            raise PageError(403, "Form expired",
                            "This form could not be verified (it may be old or come from "
                            "another site). Go back, reload the page and try again.", viewer)
        return viewer

    return dependency


def safe_next(value: str | None) -> str:
    """A local path to go to after login; anything else (other sites, schemes) becomes '/'."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(ch) < 32 for ch in value):
        return "/"
    return value


def login_url(next_url: str) -> str:
    next_url = safe_next(next_url)
    return "/login" if next_url == "/" else "/login?" + urlencode({"next": next_url})


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, secret: str) -> None:
    response.set_cookie(COOKIE, secret, max_age=SESSION_MAX_AGE, path="/", httponly=True,
                        samesite="strict", secure=_secure(request))


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def set_login_nonce(response: Response, request: Request, nonce: str) -> None:
    """The login form has no session to derive a CSRF token from: double-submit a nonce."""
    response.set_cookie(LOGIN_CSRF_COOKIE, nonce, max_age=3600, path="/login", httponly=True,
                        samesite="strict", secure=_secure(request))


def login_nonce_ok(request: Request, sent: str) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())
