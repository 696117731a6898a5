"""Core statements compiled once per dialect and run straight on the DBAPI connection.

For the few statements on the hottest write path (reserving stock, recording its event):
SQLAlchemy's per-execution bookkeeping costs more than SQLite takes to run the statement.
The SQL is still written with Core and compiled by the dialect, and every bound value still
goes through its column type's bind processor, so what is stored is exactly what
``conn.execute(stmt, params)`` would store. It begins a transaction first if the connection has
none (as Core's autobegin would: BEGIN IMMEDIATE on SQLite), and it bypasses SQLAlchemy's
execution events (and so ``echo`` logging).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, exc
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

_REQUIRED = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter names in the compiled SQL, in positional order
    keys: tuple[tuple[str, Any], ...]  # (key in the caller's params, default) per name
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (index, bind processor)
    positional: bool
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # every key at once, or KeyError


class Prepared:
    """A statement whose compiled form is cached per dialect; see the module docstring."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._cache: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(by_name)
        keys, processors = [], []
        for i, name in enumerate(names):
            bind = by_name[name]
            keys.append((bind.key, _REQUIRED if bind.required else bind.effective_value))
            proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                processors.append((i, proc))
        getter = operator.itemgetter(*(k for k, _ in keys)) if keys else (lambda _p: ())
        pick = getter if len(keys) != 1 else (lambda p: (getter(p),))
        found = _Compiled(compiled.string, names, tuple(keys), tuple(processors),
                          compiled.positional, pick)
        self._cache[(dialect.name, dialect.driver)] = found
        return found

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Run on ``conn``'s DBAPI connection; returns the DBAPI cursor (rowcount, fetchone,
        lastrowid)."""
        c = self._ready(conn)
        return _call(conn, False, c.sql, _args(c, params, None))

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row of ``rows`` with the driver's executemany (no result rows).

        A bind processor's result is reused while consecutive rows hold the very same object
        (one timestamp for a whole batch is converted once, not 10,000 times).
        """
        if not rows:
            return
        c = self._ready(conn)
        memo: dict[int, tuple[Any, Any]] = {}
        _call(conn, True, c.sql, [_args(c, row, memo) for row in rows])

    def _ready(self, conn: Connection) -> _Compiled:
        if not conn.in_transaction():
            conn.begin()  # what Core's autobegin would do (BEGIN IMMEDIATE on SQLite)
        dialect = conn.dialect
        return self._cache.get((dialect.name, dialect.driver)) or self._compile(dialect)


def _args(c: _Compiled, params: Mapping[str, Any],
          memo: dict[int, tuple[Any, Any]] | None) -> Any:
    try:
        values = list(c.pick(params))  # the common case: the caller gave every value
    except KeyError:
        values = _with_defaults(c, params)
    for i, proc in c.processors:
        if memo is None:
            values[i] = proc(values[i])
            continue
        seen = memo.get(i)
        if seen is None or seen[0] is not values[i]:
            seen = memo[i] = (values[i], proc(values[i]))
        values[i] = seen[1]
    return tuple(values) if c.positional else dict(zip(c.names, values, strict=True))


def _with_defaults(c: _Compiled, params: Mapping[str, Any]) -> list[Any]:
    get = params.get
    try:
        return [params[key] if default is _REQUIRED else get(key, default)
                for key, default in c.keys]
    except KeyError as err:
        raise exc.ArgumentError(f"no value for bind parameter {err}") from None


def _call(conn: Connection, many: bool, sql: str, args: Any) -> Any:
    driver: Any = conn.connection.dbapi_connection
    try:
        if not many:
            return driver.execute(sql, args)
        cursor = driver.cursor()
        cursor.executemany(sql, args)
        return cursor
    except conn.dialect.loaded_dbapi.Error as err:
        raise exc.DBAPIError.instance(sql, args, err, conn.dialect.loaded_dbapi.Error) from err
