"""Dashboard assembly: static assets, templates and the pages of each area."""

from __future__ import annotations

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    """Attach the dashboard's routes and static files to ``app``."""
