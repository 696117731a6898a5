"""Label providers by name. ``ratecard`` is built in; ``easypost`` needs an API key in settings.

Tests and embedders swap a provider with ``install(name, adapter)`` (it returns the previous
one, like ``clock.set_clock``); ``install(name, None)`` goes back to the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from backroom.core.errors import ValidationFailed
from backroom.shipping.adapters.base import CarrierAdapter

if TYPE_CHECKING:
    from backroom.shipping.rating.model import RateCard

PROVIDERS = ("ratecard", "easypost")
_installed: dict[str, CarrierAdapter] = {}


def _default_cards() -> Sequence[RateCard]:
    """The rate cards of ``BACKROOM_RATES_DIR`` (default: the bundled samples), cached."""
    from backroom.shipping.rating.loader import load_rate_book

    return load_rate_book().cards


def get_adapter(name: str) -> CarrierAdapter:
    """The adapter for provider ``name``; a clear error for an unknown or unconfigured one."""
    if name in _installed:
        return _installed[name]
    if name == "ratecard":
        from backroom.shipping.adapters.ratecard import RateCardAdapter

        return RateCardAdapter(_default_cards)
    if name == "easypost":
        from backroom.shipping.adapters.easypost import EasyPostAdapter

        return EasyPostAdapter.from_settings()
    raise ValidationFailed.single("provider", name, f"must be one of {', '.join(PROVIDERS)}")


def install(name: str, adapter: CarrierAdapter | None) -> CarrierAdapter | None:
    """Use ``adapter`` for provider ``name`` (None: the default); returns the previous one."""
    if name not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r}")
    previous = _installed.pop(name, None)
    if adapter is not None:
        _installed[name] = adapter
    return previous
