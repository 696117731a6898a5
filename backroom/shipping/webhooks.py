"""Signed tracking webhooks: Backroom's own format and EasyPost's ``tracker.updated``.

Backroom format (any carrier or tracking aggregator can send it)::

    POST /api/v1/webhooks/tracking/{carrier}
    X-Backroom-Timestamp: 1764166500            (Unix seconds)
    X-Backroom-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">

with the secret ``BACKROOM_TRACKING_WEBHOOK_SECRET``. The timestamp is signed too, so a
captured request cannot be replayed with a fresh one; requests more than 5 minutes from our
clock are refused. EasyPost signs the raw body with the webhook secret
(``BACKROOM_EASYPOST_WEBHOOK_SECRET``): ``X-Hmac-Signature: hmac-sha256-hex=<hex>``.
Signatures are compared in constant time; a bad one is 401 and nothing is read or stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from datetime import datetime
from typing import Any

from backroom.core.errors import BackroomError, ProblemCollector, Unauthorized, ValidationFailed
from backroom.shipping.adapters.easypost import result_from_tracker
from backroom.shipping.tracking import TrackingInput, build_input, inputs_from

SIGNATURE_HEADER = "X-Backroom-Signature"
TIMESTAMP_HEADER = "X-Backroom-Timestamp"
EASYPOST_HEADER = "X-Hmac-Signature"
MAX_SKEW_S = 300
MAX_EVENTS = 1000


class BadSignature(Unauthorized):
    code = "bad_signature"
    title = "Signature check failed"


class WebhookNotConfigured(BackroomError):
    code = "webhook_not_configured"
    status = 503
    title = "Webhook not configured"


def _secret_bytes(secret: str, name: str) -> bytes:
    if not secret:
        raise WebhookNotConfigured(f"this webhook is disabled: set {name} to enable it")
    return unicodedata.normalize("NFKD", secret).encode()


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Backroom-Signature`` value for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(_secret_bytes(secret, "the secret"), message, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(body: bytes, signature: str | None, timestamp: str | None, secret: str,
           now: datetime) -> None:
    """Raise ``BadSignature`` unless the request is signed with ``secret`` and fresh."""
    key = _secret_bytes(secret, "BACKROOM_TRACKING_WEBHOOK_SECRET")
    if not signature or not timestamp:
        raise BadSignature(f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header")
    try:
        sent = int(timestamp.strip())
    except ValueError:
        raise BadSignature(f"{TIMESTAMP_HEADER} must be Unix seconds") from None
    expected = "sha256=" + hmac.new(key, timestamp.strip().encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise BadSignature("signature does not match the body")
    if abs(now.timestamp() - sent) > MAX_SKEW_S:
        raise BadSignature(f"timestamp is more than {MAX_SKEW_S} s from the server's clock; "
                           "refusing a possible replay")


def sign_easypost(body: bytes, secret: str) -> str:
    digest = hmac.new(_secret_bytes(secret, "the secret"), body, hashlib.sha256)
    return "hmac-sha256-hex=" + digest.hexdigest()


def verify_easypost(body: bytes, signature: str | None, secret: str) -> None:
    key = _secret_bytes(secret, "BACKROOM_EASYPOST_WEBHOOK_SECRET")
    if not signature:
        raise BadSignature(f"missing {EASYPOST_HEADER} header")
    expected = "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise BadSignature("signature does not match the body")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed.single("body", None, "is not valid JSON") from None


def parse_events(body: bytes) -> list[TrackingInput]:
    """``{"events": [{tracking_number, status, occurred_at, location?, description?,
    estimated_delivery?, event_id?}, …]}`` or one such object; every problem reported."""
    data = _json(body)
    items = data.get("events") if isinstance(data, dict) and "events" in data else [data]
    if not isinstance(items, list) or not items or len(items) > MAX_EVENTS:
        raise ValidationFailed.single("events", None,
                                      f"must be a list of 1 to {MAX_EVENTS} event objects")
    problems = ProblemCollector()
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.add(f"events[{i}]", "must be an object")
            continue
        built = build_input(item, f"events[{i}].", problems)
        if built is not None:
            out.append(built)
    problems.raise_if_any()
    return out


def parse_easypost(body: bytes) -> tuple[str, list[TrackingInput]] | None:
    """(carrier, scans) of a ``tracker.created``/``tracker.updated`` Event; None for others."""
    data = _json(body)
    if not isinstance(data, dict) or data.get("object") != "Event":
        raise ValidationFailed.single("object", None, "must be an EasyPost Event")
    if data.get("description") not in ("tracker.created", "tracker.updated"):
        return None
    tracker = data.get("result")
    if not isinstance(tracker, dict) or not isinstance(tracker.get("carrier"), str):
        raise ValidationFailed.single("result", None, "must be a Tracker with a carrier")
    return tracker["carrier"], inputs_from(result_from_tracker(tracker))
