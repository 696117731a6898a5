"""Templates (autoescaped Jinja2), the page layout's context and security headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import Connection, Row
from starlette.templating import Jinja2Templates

from backroom.web.auth import CSRF_FIELD, Viewer
from backroom.web.nav import AREAS

AnyRow = Row[*tuple[Any, ...]]  # a result row of any shape

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# No inline scripts or styles anywhere; Bootstrap's icons are data: SVGs in its CSS.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_env.filters["number"] = _number
_env.globals["CSRF_FIELD"] = CSRF_FIELD
templates = Jinja2Templates(env=_env)


def render(request: Request, name: str, viewer: Viewer | None, *, title: str,
           active: str = "", status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``name`` inside the layout; ``viewer`` None means the signed-out layout."""
    full = {"viewer": viewer, "areas": AREAS, "active": active, "title": title, **context}
    return templates.TemplateResponse(request, name, full, status_code=status,
                                      headers=SECURITY_HEADERS)


@dataclass(frozen=True, slots=True)
class Tile:
    """One figure on the overview page."""

    label: str
    value: int
    href: str


@dataclass(frozen=True, slots=True)
class Section:
    """A block another area adds to a page it does not own (e.g. stock on a product page)."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


TileProvider = Callable[[Connection, Viewer], list[Tile]]
ProductSectionProvider = Callable[[Connection, Viewer, int], Section | None]


@dataclass
class Extensions:
    """What areas contribute to pages they do not own; kept on ``app.state.dashboard``.

    Dependencies between areas point one way (catalog <- inventory), so the product page
    (catalog) learns about stock through a provider registered at assembly, not an import.
    """

    overview_tiles: list[TileProvider] = field(default_factory=list)
    product_sections: list[ProductSectionProvider] = field(default_factory=list)


def extensions(request: Request) -> Extensions:
    ext = getattr(request.app.state, "dashboard", None)
    return ext if isinstance(ext, Extensions) else Extensions()


def clean(value: str | None, limit: int = 100) -> str:
    """A query-string value: control characters (NUL breaks PostgreSQL) dropped, trimmed and
    bounded. Forms send '' for empty fields."""
    printable = "".join(ch for ch in (value or "") if ch >= " " and ch != "\x7f")
    return printable.strip()[:limit]
