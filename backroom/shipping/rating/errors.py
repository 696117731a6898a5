"""Rating errors: no service can carry a shipment; rate-card files that do not load."""

from __future__ import annotations

from collections.abc import Sequence

from backroom.core.errors import Problem, ValidationFailed
from backroom.shipping.rating.model import Address, Excluded


class NoServiceAvailable(ValidationFailed):
    """No service of any loaded carrier can carry the shipment; ``problems`` say why each not."""

    code = "no_service"


class RateCardInvalid(ValidationFailed):
    """A rate-card directory does not load; each problem names the file, line, field and value.
    Over HTTP it is the server's configuration that is wrong, not the request: 503."""

    code = "rate_card_invalid"
    status = 503
    title = "Rate cards do not load"


def no_service_error(origin: Address, destination: Address,
                     excluded: Sequence[Excluded]) -> NoServiceAvailable:
    """Why nothing could be quoted: packages too big or heavy for every service that serves the
    route, else no carrier serving the route at all. ``problems`` has every service's reason."""
    problems = [Problem(f"{e.carrier}/{e.service}", e.reason) for e in excluded]
    too_big = [e for e in excluded if e.kind == "package"]
    if too_big:
        summary = ("a package is larger or heavier than any service allows: "
                   + "; ".join(f"{e.carrier}/{e.service}: {e.reason}" for e in too_big[:4])
                   + (f"; and {len(too_big) - 4} more" if len(too_big) > 4 else ""))
    elif excluded:
        summary = (f"no carrier serves destination {destination.country} "
                   f"{destination.postal_code} from origin {origin.country} "
                   f"{origin.postal_code}: check the country and postal code")
    else:
        summary = "no carriers are loaded: check the rate-card directory (BACKROOM_RATES_DIR)"
    return NoServiceAvailable(summary, problems=problems)
