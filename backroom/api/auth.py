"""Bearer tokens and least-privilege roles.

A token is shown once at creation; only its SHA-256 is stored, and it is compared by looking up
the hash (constant-time with respect to the secret). Each route names one permission; each role
grants a fixed set of permissions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from backroom.core import clock
from backroom.core.errors import Forbidden, Unauthorized, ValidationFailed
from backroom.db.tables import API_TOKENS

TOKEN_PREFIX = "brk_"  # noqa: S105 - a public marker, not a secret

# permission -> roles that hold it. "admin" holds everything.
PERMISSIONS: dict[str, frozenset[str]] = {
    "accounting:read": frozenset({"accounting", "read-only"}),
    "accounting:write": frozenset({"accounting"}),
    "accounting:close": frozenset(),
    "catalog:read": frozenset({"warehouse", "service", "accounting", "integration", "read-only"}),
    "catalog:write": frozenset({"integration"}),
    "fulfillment:read": frozenset({"warehouse", "service", "integration", "read-only"}),
    "fulfillment:write": frozenset({"warehouse"}),
    "inventory:read": frozenset({"warehouse", "service", "accounting", "integration",
                                 "read-only"}),
    "inventory:write": frozenset({"warehouse", "integration"}),
    "locations:write": frozenset(),
    "orders:read": frozenset({"warehouse", "service", "accounting", "integration", "read-only"}),
    "orders:write": frozenset({"service", "integration"}),
    "routes:read": frozenset({"warehouse", "integration", "read-only"}),
    "routes:write": frozenset({"warehouse", "integration"}),
    "shipping:read": frozenset({"warehouse", "service", "accounting", "integration",
                                "read-only"}),
    "shipping:write": frozenset({"warehouse", "integration"}),
    "tokens:manage": frozenset(),
}
ROLES = ("admin", "warehouse", "service", "accounting", "integration", "read-only")


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: int
    name: str
    role: str

    def can(self, permission: str) -> bool:
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")
        return self.role == "admin" or self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"role {self.role!r} may not do {permission!r}",
                            data={"permission": permission, "role": self.role})


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(conn: Connection, role: str, name: str) -> tuple[int, str]:
    """Create a token for ``role``; returns (id, secret). The secret is not stored."""
    if role not in ROLES:
        raise ValidationFailed.single("role", role, f"must be one of {', '.join(ROLES)}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    result = conn.execute(insert(API_TOKENS).values(
        name=name or role, role=role, prefix=secret[:12], token_hash=hash_token(secret),
        created_at=clock.now()).returning(API_TOKENS.c.id))
    return int(result.scalar_one()), secret


def authenticate(conn: Connection, secret: str | None) -> Principal:
    """The principal for a presented secret, or ``Unauthorized``."""
    if not secret:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    t = API_TOKENS.c
    row = conn.execute(select(t.id, t.name, t.role, t.revoked_at)
                       .where(t.token_hash == hash_token(secret))).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked token")
    return Principal(token_id=row.id, name=row.name, role=row.role)


def revoke_token(conn: Connection, token_id: int) -> bool:
    t = API_TOKENS.c
    result = conn.execute(update(API_TOKENS).where(t.id == token_id,
                                                           t.revoked_at.is_(None))
                          .values(revoked_at=clock.now()))
    return result.rowcount == 1
