"""Dependencies every router uses: the unit of work, auth by permission, idempotent writes.

Read routes: ``principal: Principal = Depends(require("inventory:read"))`` and
``uow: UnitOfWork = Depends(get_uow)``.

Write routes (every POST): ``ctx: WriteContext = Depends(write_context("inventory:write"))``
then ``return ctx.run(lambda uow: service(uow, ...), status_code=201)``. ``run`` executes the
service inside one transaction together with the ``Idempotency-Key`` record, so a retried
request replays the stored answer and never repeats the effect.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic_core import to_jsonable_python
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from backroom.api.auth import Principal, authenticate
from backroom.core import clock
from backroom.core.errors import Unauthorized, ValidationFailed
from backroom.db.tables import IDEMPOTENCY
from backroom.db.uow import UnitOfWork

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEM = IDEMPOTENCY
_PENDING = 0


def to_jsonable(value: Any) -> Any:
    """JSON-ready data, encoded exactly as FastAPI encodes what read routes return (pydantic):
    ``Decimal`` stays exact as a string (never a float), UTC datetimes end in ``Z``."""
    return to_jsonable_python(value, fallback=jsonable_encoder)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_uow(request: Request) -> UnitOfWork:
    """A fresh unit of work per request (cheap: it shares the app's engine)."""
    return UnitOfWork(get_engine(request))


def bearer_secret(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # The dashboard's session cookie may authenticate reads only: a write authenticated by a
    # cookie alone could be forged cross-site, so writes need the Authorization header.
    if request.method in ("GET", "HEAD"):
        return request.cookies.get("backroom_token") or None
    return None


def current_principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    with UnitOfWork(get_engine(request)).read() as conn:
        principal = authenticate(conn, bearer_secret(request))
    request.state.principal = principal
    return principal


def require(permission: str) -> Callable[[Request], Principal]:
    """Dependency: the caller must be authenticated and hold ``permission``."""

    def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        principal.require(permission)
        return principal

    dependency.__name__ = f"require_{permission.replace(':', '_').replace('-', '_')}"
    return dependency


class WriteContext:
    """Runs one write use case with idempotency, inside a single transaction."""

    def __init__(self, uow: UnitOfWork, principal: Principal, key: str | None, method: str,
                 path: str, body_hash: str) -> None:
        self.uow = uow
        self.principal = principal
        self.key = key
        self.method = method
        self.path = path
        self.body_hash = body_hash

    def run(self, fn: Callable[[UnitOfWork], Any], *, status_code: int = 200) -> JSONResponse:
        if self.key is None:
            with self.uow.transaction():
                result = fn(self.uow)
            return JSONResponse(to_jsonable(result), status_code=status_code)
        try:
            with self.uow.transaction() as conn:
                replay = self._lookup(conn)
                if replay is not None:
                    return replay
                record_id = conn.execute(insert(_IDEM).values(
                    token_id=self.principal.token_id, key=self.key, method=self.method,
                    path=self.path, request_hash=self.body_hash, status_code=_PENDING,
                    response_body="", created_at=clock.now()).returning(_IDEM.c.id)).scalar_one()
                body = to_jsonable(fn(self.uow))
                conn.execute(update(_IDEM).where(_IDEM.c.id == record_id).values(
                    status_code=status_code, response_body=json.dumps(body)))
            return JSONResponse(body, status_code=status_code)
        except IntegrityError:
            # A concurrent request with the same key committed first: replay its answer.
            with self.uow.read() as conn:
                replay = self._lookup(conn)
            if replay is None:
                raise
            return replay

    def _lookup(self, conn: Any) -> JSONResponse | None:
        row = conn.execute(select(_IDEM.c.method, _IDEM.c.path, _IDEM.c.request_hash,
                                  _IDEM.c.status_code, _IDEM.c.response_body)
                           .where(_IDEM.c.token_id == self.principal.token_id,
                                  _IDEM.c.key == self.key)).first()
        if row is None:
            return None
        if (row.method, row.path, row.request_hash) != (self.method, self.path, self.body_hash):
            raise ValidationFailed.single(
                IDEMPOTENCY_HEADER, self.key,
                "was already used for a different request; use a new key for a new request")
        return JSONResponse(json.loads(row.response_body), status_code=row.status_code,
                            headers={"Idempotent-Replayed": "true"})


def write_context(permission: str) -> Callable[..., Awaitable[WriteContext]]:
    """Dependency factory for POST routes that change state."""

    async def dependency(request: Request,
                         principal: Principal = Depends(require(permission))) -> WriteContext:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not 1 <= len(key) <= 255:
            raise ValidationFailed.single(IDEMPOTENCY_HEADER, key, "must be 1-255 characters")
        body = await request.body()
        digest = hashlib.sha256(body).hexdigest()
        return WriteContext(get_uow(request), principal, key, request.method,
                            request.url.path, digest)

    dependency.__name__ = f"write_{permission.replace(':', '_')}"
    return dependency


__all__ = ["Principal", "Unauthorized", "WriteContext", "get_uow", "require", "write_context"]
