"""ASGI entry point for uvicorn: ``backroom.api.asgi:app``."""

from backroom.api.app import create_app

app = create_app()
