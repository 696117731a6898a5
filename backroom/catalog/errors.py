"""Catalog-specific errors (the common ones live in ``backroom.core.errors``)."""

from __future__ import annotations

from backroom.core.errors import BackroomError


class UnsupportedMediaType(BackroomError):
    """An import was sent in a format other than CSV."""

    code = "unsupported_media_type"
    status = 415
    title = "Unsupported media type"
