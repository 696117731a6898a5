"""Unit of work: one transaction per use case, re-entrant so callers can compose use cases.

``with uow.transaction() as conn`` opens a transaction, or joins the one already open on this
unit of work; only the outermost block commits. Services take a ``UnitOfWork`` and never commit
on their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from backroom.db.engine import make_engine, mark_readonly


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    @classmethod
    def from_url(cls, url: str | None = None) -> UnitOfWork:
        return cls(make_engine(url))

    @classmethod
    def joined(cls, conn: Connection) -> UnitOfWork:
        """A unit of work inside ``conn``'s open transaction (for code called from a hook in
        the middle of a use case): every block joins it; the owner of ``conn`` commits."""
        uow = cls(conn.engine)
        uow._conn = conn
        return uow

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
            return
        with self.engine.connect() as conn:
            self._conn = conn
            try:
                with conn.begin():
                    yield conn
            finally:
                self._conn = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for queries; joins an open transaction if there is one."""
        if self._conn is not None:
            yield self._conn
            return
        with self.engine.connect() as conn:
            mark_readonly(conn, True)
            try:
                yield conn
                conn.rollback()
            finally:
                mark_readonly(conn, False)
