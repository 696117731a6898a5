"""Importing a file of channel orders: Shopify JSON, WooCommerce JSON or Backroom's CSV.

Each order is parsed and imported on its own: a bad one is reported with its position (and
CSV line) and reason while the good ones are imported, each in its own savepoint; with
``all_or_nothing`` any bad order stops the whole file and nothing is written. Re-importing
the same file is harmless: every order comes back as ``unchanged``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from backroom.core.errors import BackroomError, NotFound, Problem, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.orders import csvformat, shopify, woocommerce
from backroom.orders.channels import get_channel
from backroom.orders.drafts import OrderDraft
from backroom.orders.errors import WrongChannel
from backroom.orders.intake import import_order
from backroom.orders.intake_batch import import_many
from backroom.orders.model import ChannelKind
from backroom.orders.tables import CHANNELS

FORMATS = ("shopify", "woocommerce", "csv")
CHUNK = 200


@dataclass(frozen=True, slots=True)
class Entry:
    """One order of a file: its draft or the problems that stop it."""

    index: int  # 1-based position in the file
    external_id: str
    line: int | None  # first line in a CSV file
    draft: OrderDraft | None
    problems: tuple[Problem, ...] = ()


@dataclass
class BatchResult:
    channel: str
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(item["outcome"] for item in self.items)
        return {k: found.get(k, 0) for k in ("new", "updated", "unchanged", "stale", "error")}

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i["outcome"] == "error"]

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "counts": self.counts, "orders": self.items}


def _json(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValidationFailed.single("file", None, f"is not valid JSON: {exc.msg} (line "
                                      f"{exc.lineno}, column {exc.colno})") from None


def parse_file(fmt: str, text: str) -> list[Entry]:
    """The orders of a file in format ``fmt``, each parsed or with its problems."""
    if fmt == "csv":
        return [Entry(p.index, p.external_id, p.first_line, p.draft, p.problems)
                for p in csvformat.parse(text)]
    if fmt not in FORMATS:
        raise ValidationFailed.single("format", fmt, "must be one of " + ", ".join(FORMATS))
    module = shopify if fmt == "shopify" else woocommerce
    out = []
    for i, data in enumerate(module.orders_in(_json(text)), start=1):
        ext = str(data.get("id", "")) if isinstance(data, dict) else ""
        try:
            out.append(Entry(i, ext, None, module.parse_order(data)))
        except ValidationFailed as exc:
            out.append(Entry(i, ext, None, None, tuple(exc.problems)))
    return out


def default_channel(uow: UnitOfWork, kind: str) -> str:
    """The only channel of ``kind``; an error naming the choices if there is none or several."""
    with uow.read() as conn:
        codes = list(conn.execute(select(CHANNELS.c.code).where(
            CHANNELS.c.kind == kind, CHANNELS.c.active.is_(True)).order_by(CHANNELS.c.code)
        ).scalars())
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise NotFound(f"no {kind} channel: create one with `backroom orders channel-create "
                       f"CODE --kind {kind}`", data={"kind": kind})
    raise ValidationFailed.single("channel", None, f"several {kind} channels ({', '.join(codes)})"
                                  ": name one with --channel")


def _where(entry: Entry) -> str:
    at = f" (line {entry.line})" if entry.line else ""
    ident = f" {entry.external_id!r}" if entry.external_id else ""
    return f"order {entry.index}{ident}{at}"


def _error_item(entry: Entry, problems: Sequence[Problem], message: str) -> dict[str, Any]:
    return {"index": entry.index, "external_id": entry.external_id, "line": entry.line,
            "outcome": "error", "error": message, "problems": [p.as_dict() for p in problems]}


def import_entries(uow: UnitOfWork, channel: str, fmt: str, entries: Sequence[Entry], *,
                   actor: str, all_or_nothing: bool = False,
                   progress: Callable[[int], None] | None = None) -> BatchResult:
    kind = ChannelKind(fmt)
    with uow.read() as conn:
        ch = get_channel(conn, channel)
    if ch.kind != kind.value:
        raise WrongChannel.single("channel", ch.code, f"is a {ch.kind} channel: it does not "
                                  f"take {fmt} files")
    result = BatchResult(ch.code)
    channel = ch.code
    bad = [e for e in entries if e.draft is None]
    if all_or_nothing and bad:
        problems = [Problem(f"{_where(e)}: {p.field}", p.message, p.value, p.line)
                    for e in bad for p in e.problems]
        raise ValidationFailed.of(problems, f"{len(bad)} of {len(entries)} orders are invalid; "
                                  "nothing was imported")
    if all_or_nothing:
        with uow.transaction():
            for entry in entries:
                result.items.append(_one(uow, channel, kind, entry, actor, strict=True))
                if progress:
                    progress(1)
        return result
    good = [e for e in entries if e.draft is not None]
    done = iter(import_many(uow, channel, [e.draft for e in good if e.draft is not None],
                            actor=actor, kind=kind, chunk=CHUNK, progress=progress))
    for entry in entries:
        if entry.draft is None:
            result.items.append(_one(uow, channel, kind, entry, actor, strict=False))
            if progress:
                progress(1)
            continue
        found = next(done)
        result.items.append(_error_item(entry, found.problems, found.message)
                            if isinstance(found, BackroomError)
                            else {"index": entry.index, "line": entry.line, **found.as_dict()})
    return result


def _one(uow: UnitOfWork, channel: str, kind: ChannelKind, entry: Entry, actor: str, *,
         strict: bool) -> dict[str, Any]:
    if entry.draft is None:
        return _error_item(entry, entry.problems, "; ".join(str(p) for p in entry.problems[:5]))
    try:
        outcome = import_order(uow, channel, entry.draft, actor=actor, kind=kind)
    except NotFound:
        raise  # the channel itself is missing: every order would fail the same way
    except BackroomError as exc:
        if strict:
            raise type(exc)(f"{_where(entry)}: {exc.message}; nothing was imported",
                            problems=exc.problems, data=exc.data) from None
        return _error_item(entry, exc.problems, exc.message)
    return {"index": entry.index, "line": entry.line, **outcome.as_dict()}


def import_file(uow: UnitOfWork, fmt: str, text: str, *, channel: str | None = None,
                actor: str = "import", all_or_nothing: bool = False,
                progress: Callable[[int], None] | None = None) -> BatchResult:
    """Parse and import a whole file (see the module docstring)."""
    entries = parse_file(fmt, text)
    header = [e for e in entries if e.index == 0]
    if header:
        raise ValidationFailed.of(list(header[0].problems), "the CSV header is not usable")
    code = channel or default_channel(uow, fmt)
    return import_entries(uow, code, fmt, entries, actor=actor, all_or_nothing=all_or_nothing,
                          progress=progress)
