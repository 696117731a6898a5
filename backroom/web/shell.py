"""Pages of the shell itself: sign in and out, the overview, areas still to come."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backroom.api.auth import authenticate
from backroom.api.deps import get_uow
from backroom.core.errors import Unauthorized
from backroom.web.auth import (
    Viewer,
    clear_session,
    csrf_protected,
    login_nonce_ok,
    page_user,
    safe_next,
    set_login_nonce,
    set_session,
)
from backroom.web.nav import AREAS, Area
from backroom.web.render import extensions, render

router = APIRouter(include_in_schema=False)


def _login_page(request: Request, next_url: str, error: str = "", status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, title="Sign in", next_url=safe_next(next_url),
                      nonce=nonce, error=error, status=status)
    set_login_nonce(response, request, nonce)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, token: str = Form(""), next: str = Form("/"),
          nonce: str = Form("")) -> Response:
    if not login_nonce_ok(request, nonce):
        return _login_page(request, next, "The sign-in form expired. Please try again.", 400)
    try:
        with get_uow(request).read() as conn:
            authenticate(conn, token.strip())
    except Unauthorized:
        return _login_page(request, next, "That token is not valid (or has been revoked).", 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session(response, request, token.strip())
    return response


@router.get("/logout", response_class=HTMLResponse)
def logout_form(request: Request, viewer: Viewer = Depends(page_user())) -> Response:
    return render(request, "logout.html", viewer, title="Sign out")


@router.post("/logout")
def logout(viewer: Viewer = Depends(csrf_protected())) -> Response:
    response = RedirectResponse("/login", status_code=303)
    clear_session(response)
    return response


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, viewer: Viewer = Depends(page_user())) -> Response:
    tiles = []
    with get_uow(request).read() as conn:
        for provider in extensions(request).overview_tiles:
            tiles.extend(provider(conn, viewer))
    upcoming = [a for a in AREAS if not a.built]
    return render(request, "overview.html", viewer, title="Overview", active="overview",
                  tiles=tiles, upcoming=upcoming)


def _coming_soon(area: Area) -> None:
    def page(request: Request, viewer: Viewer = Depends(page_user())) -> Response:
        return render(request, "coming_soon.html", viewer, title=area.label, active=area.key,
                      area=area)

    router.add_api_route(area.path, page, methods=["GET"], response_class=HTMLResponse,
                         name=f"coming_soon_{area.key}")


for _area in AREAS:
    if not _area.built:
        _coming_soon(_area)
