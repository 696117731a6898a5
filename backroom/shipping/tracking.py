"""Tracking: carrier scans move shipments, record estimates and raise ``shipment.delayed``.

Scans arrive by webhook, CSV or polling a provider. Each is stored once per shipment (its
``dedupe_key``: the sender's event id, or a hash of status, time, place and text), so a repeat
is a no-op. Scans are ordered by their own time: one older than the newest already seen is
stored but never moves the state back. A shipment is flagged delayed at most once: when its
estimate passes the promise, when it is delivered after the promise, or (``check_delays``)
when no scan has been seen for N business days.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from backroom.core import clock
from backroom.core.errors import ProblemCollector, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.shipping.adapters.base import TrackingUpdate, TrackResult
from backroom.shipping.model import (
    TRACKED_STATES,
    DelayFacts,
    ShipmentState,
    TrackingStatus,
    apply_event,
    delay_reason,
)
from backroom.shipping.queries import AnyRow
from backroom.shipping.tables import PACKAGES, SHIPMENTS, TRACKING_EVENTS

_S = SHIPMENTS.c
_P = PACKAGES.c
_T = TRACKING_EVENTS.c
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class TrackingInput:
    tracking_number: str
    update: TrackingUpdate
    line: int | None = None  # where it came from in a CSV, for messages


@dataclass
class TrackingResult:
    received: int = 0
    recorded: int = 0
    duplicates: int = 0
    unmatched: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    delayed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "recorded": self.recorded,
                "duplicates": self.duplicates, "unmatched": self.unmatched,
                "state_changes": self.changes, "delayed": self.delayed}


def event_key(status: TrackingStatus, occurred_at: datetime, location: str, description: str,
              event_id: str | None = None) -> str:
    """The sender's event id if it has one, else a hash of what the scan says."""
    if event_id:
        return "id-" + event_id[:120]
    raw = "|".join([status.value, occurred_at.astimezone(UTC).isoformat(), location.strip(),
                    description.strip()])
    return "h-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def parse_time(value: Any, where: str, problems: ProblemCollector,
               line: int | None = None) -> datetime | None:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    problems.add(where, "must be an ISO 8601 time with a timezone, e.g. 2026-11-26T14:05:00Z",
                 value, line)
    return None


def parse_date(value: Any, where: str, problems: ProblemCollector,
               line: int | None = None) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.add(where, "must be a date like 2026-11-28", value, line)
        return None


def build_input(data: dict[str, Any], where: str, problems: ProblemCollector,
                line: int | None = None) -> TrackingInput | None:
    """One scan from a webhook object or CSV row; problems are collected, None if any."""
    before = len(problems.problems)
    number = data.get("tracking_number")
    if not isinstance(number, str) or not 1 <= len(number.strip()) <= 64:
        problems.add(f"{where}tracking_number", "is required, at most 64 characters", number,
                     line)
    status: TrackingStatus | None = None
    try:
        status = TrackingStatus.parse(str(data.get("status") or ""))
    except ValueError:
        problems.add(f"{where}status", "must be one of " + ", ".join(TrackingStatus),
                     data.get("status"), line)
    occurred = parse_time(data.get("occurred_at"), f"{where}occurred_at", problems, line)
    estimate = parse_date(data.get("estimated_delivery"), f"{where}estimated_delivery",
                          problems, line)
    texts = {k: data.get(k) or "" for k in ("location", "description", "event_id")}
    for key, value in texts.items():
        if not isinstance(value, str):
            problems.add(f"{where}{key}", "must be text", value, line)
    if len(problems.problems) > before or status is None or occurred is None:
        return None
    location, description = texts["location"].strip(), texts["description"].strip()
    key = event_key(status, occurred, location, description, texts["event_id"].strip() or None)
    update_ = TrackingUpdate(status, occurred, key, location[:200], description[:500], estimate)
    return TrackingInput(str(number).strip(), update_, line)


def inputs_from(result: TrackResult) -> list[TrackingInput]:
    """A provider's tracking result as inputs; its overall estimate goes with the newest scan."""
    events = sorted(result.events, key=lambda u: u.occurred_at)
    if events and result.estimated_delivery and events[-1].estimated_delivery is None:
        events[-1] = replace(events[-1], estimated_delivery=result.estimated_delivery)
    return [TrackingInput(result.tracking_number, e) for e in events]


def resolve(conn: Connection, carrier: str, numbers: Iterable[str]) -> dict[str, int]:
    """Shipment id per tracking number of ``carrier`` (shipment or package number)."""
    wanted = sorted(set(numbers))
    found: dict[str, int] = {}
    same_carrier = func.lower(_S.carrier) == carrier.strip().lower()
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i:i + _CHUNK]
        for sid, number in conn.execute(select(_P.shipment_id, _P.tracking_number)
                                        .join(SHIPMENTS, _S.id == _P.shipment_id)
                                        .where(same_carrier, _P.tracking_number.in_(chunk))):
            found[number] = sid
        for sid, number in conn.execute(select(_S.id, _S.tracking_number)
                                        .where(same_carrier, _S.tracking_number.in_(chunk))):
            found[number] = sid
    return found


def record_tracking(uow: UnitOfWork, carrier: str, inputs: Sequence[TrackingInput],
                    source: str = "webhook") -> TrackingResult:
    """Store scans of ``carrier`` and apply them, in one transaction. Unknown tracking numbers
    are listed in ``unmatched`` (carriers report labels that are not ours)."""
    result = TrackingResult(received=len(inputs))
    with uow.transaction() as conn:
        ids = resolve(conn, carrier, (i.tracking_number for i in inputs))
        record_resolved(conn, ids, inputs, source, result)
    return result


def record_resolved(conn: Connection, ids: dict[str, int], inputs: Sequence[TrackingInput],
                    source: str, result: TrackingResult) -> None:
    by_shipment: dict[int, list[TrackingUpdate]] = {}
    for item in inputs:
        sid = ids.get(item.tracking_number)
        if sid is None:
            result.unmatched.append(item.tracking_number)
        else:
            by_shipment.setdefault(sid, []).append(item.update)
    now = clock.now()
    for sid in sorted(by_shipment):  # lock in id order: concurrent intakes never deadlock
        _apply_all(conn, sid, by_shipment[sid], source, now, result)


@dataclass
class _Progress:
    state: ShipmentState
    latest_at: datetime | None
    estimate: date | None
    delivered_at: datetime | None


def _apply_all(conn: Connection, sid: int, updates: list[TrackingUpdate], source: str,
               now: datetime, result: TrackingResult) -> None:
    row = conn.execute(select(SHIPMENTS).where(_S.id == sid).with_for_update()).one()
    keys = {u.dedupe_key for u in updates}
    seen = set(conn.execute(select(_T.dedupe_key).where(
        _T.shipment_id == sid, _T.dedupe_key.in_(sorted(keys)))).scalars())
    p = _Progress(ShipmentState(row.state), row.last_event_at, row.estimated_delivery,
                  row.delivered_at)
    rows, events = [], []
    for u in sorted(updates, key=lambda u: u.occurred_at):
        if u.dedupe_key in seen:
            result.duplicates += 1
            continue
        seen.add(u.dedupe_key)
        outcome = apply_event(p.state, p.latest_at, u.status, u.occurred_at)
        rows.append({"shipment_id": sid, "dedupe_key": u.dedupe_key, "status": u.status.value,
                     "occurred_at": u.occurred_at, "location": u.location,
                     "description": u.description, "estimated_delivery": u.estimated_delivery,
                     "source": source, "applied": outcome.new_state is not None,
                     "received_at": now})
        if outcome.is_latest:
            p.latest_at = u.occurred_at
            p.estimate = u.estimated_delivery or p.estimate
        if outcome.new_state is not None:
            events.extend(_status_events(row, p.state, outcome.new_state, u))
            result.changes.append({"shipment_id": sid, "from": p.state.value,
                                   "to": outcome.new_state.value})
            p.state = outcome.new_state
            if p.state is ShipmentState.DELIVERED:
                p.delivered_at = u.occurred_at
    if not rows:
        return
    conn.execute(insert(TRACKING_EVENTS), rows)
    result.recorded += len(rows)
    conn.execute(update(SHIPMENTS).where(_S.id == sid).values(
        state=p.state.value, last_event_at=p.latest_at, estimated_delivery=p.estimate,
        delivered_at=p.delivered_at, updated_at=now))
    record(conn, events)
    if flag_delay(conn, sid, now, get_settings().stale_scan_business_days, include_stale=False):
        result.delayed.append(sid)


def _status_events(row: AnyRow, old: ShipmentState, new: ShipmentState,
                   u: TrackingUpdate) -> list[DomainEvent]:
    """``shipment.status_changed`` for every move, plus ``shipment.delivered`` on delivery."""
    payload = {"shipment_id": row.id, "reference": row.reference, "carrier": row.carrier,
               "tracking_number": row.tracking_number, "from": old.value, "to": new.value,
               "occurred_at": u.occurred_at.isoformat(), "location": u.location}
    out = [DomainEvent("shipment.status_changed", payload, f"shipment:{row.id}")]
    if new is ShipmentState.DELIVERED:
        out.append(DomainEvent("shipment.delivered", payload, f"shipment:{row.id}"))
    return out


def flag_delay(conn: Connection, sid: int, now: datetime, stale_days: int,
               include_stale: bool = True) -> bool:
    """Flag the shipment delayed and raise ``shipment.delayed`` if it is late and not flagged
    yet; True if this call flagged it. Scan silence counts only with ``include_stale``."""
    row = conn.execute(select(SHIPMENTS).where(_S.id == sid)).one()
    if row.delayed_at is not None:
        return False
    facts = DelayFacts(state=ShipmentState(row.state), promised_date=row.promised_date,
                       estimated_delivery=row.estimated_delivery,
                       last_scan_at=(row.last_event_at or row.purchased_at)
                       if include_stale else None,
                       delivered_on=row.delivered_at.date() if row.delivered_at else None)
    reason = delay_reason(facts, now, stale_days)
    if reason is None:
        return False
    done = conn.execute(update(SHIPMENTS).where(_S.id == sid, _S.delayed_at.is_(None))
                        .values(delayed_at=now, delay_reason=reason.value))
    if done.rowcount != 1:
        return False  # a concurrent check flagged it first
    record(conn, [DomainEvent("shipment.delayed", {
        "shipment_id": sid, "reference": row.reference, "carrier": row.carrier,
        "tracking_number": row.tracking_number, "reason": reason.value,
        "promised_date": _iso(row.promised_date),
        "estimated_delivery": _iso(row.estimated_delivery),
        "last_scan_at": _iso(row.last_event_at or row.purchased_at)}, f"shipment:{sid}")])
    return True


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def check_delays(uow: UnitOfWork, now: datetime | None = None,
                 stale_days: int | None = None) -> list[int]:
    """Flag every late shipment not flagged yet (idempotent); returns the newly flagged ids."""
    now = now or clock.now()
    days = stale_days if stale_days is not None else get_settings().stale_scan_business_days
    # Calendar days never exceed business days, so this is a superset of the silent ones.
    silent_since = now - timedelta(days=days)
    last_scan = func.coalesce(_S.last_event_at, _S.purchased_at)
    flagged = []
    with uow.transaction() as conn:
        candidates = conn.execute(select(_S.id).where(
            _S.delayed_at.is_(None), _S.state.in_([s.value for s in TRACKED_STATES]),
            or_(_S.estimated_delivery > _S.promised_date, last_scan < silent_since))
            .order_by(_S.id)).scalars().all()
        for sid in candidates:
            if flag_delay(conn, sid, now, days):
                flagged.append(sid)
    return flagged


# ---------------------------------------------------------------------------------------------
# CSV import: carrier,tracking_number,status,occurred_at,location,description

CSV_COLUMNS = ("carrier", "tracking_number", "status", "occurred_at", "location", "description")
CSV_OPTIONAL = ("estimated_delivery", "event_id")


def parse_tracking_csv(data: bytes,
                       problems: ProblemCollector) -> tuple[list[tuple[str, TrackingInput]], int]:
    """(carrier, scan) per good row and the number of rows; bad rows go to ``problems`` with
    their line numbers."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add("file", "is not UTF-8 text")
        return [], 0
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS + CSV_OPTIONAL]
    if missing or unknown:
        problems.add("header", f"needs columns {', '.join(CSV_COLUMNS)} (optional: "
                     f"{', '.join(CSV_OPTIONAL)}); missing {missing}, unknown {unknown}",
                     ",".join(header), 1)
        return [], 0
    out = []
    count = 0
    for row in reader:
        count += 1
        line = reader.line_num
        values = {(k or "").strip(): (v or "").strip() for k, v in row.items()
                  if isinstance(v, str)}
        carrier = values.get("carrier", "")
        if not carrier:
            problems.add("carrier", "is required", None, line)
        item = build_input(values, "", problems, line)
        if item is not None and carrier:
            out.append((carrier, item))
    if count == 0:
        problems.add("file", "has no rows")
    return out, count


def import_tracking_csv(uow: UnitOfWork, data: bytes, *,
                        skip_invalid: bool = False) -> dict[str, Any]:
    """Record the scans of a CSV in one transaction. Any bad row (unparsable, or a tracking
    number no shipment has) refuses the whole file, unless ``skip_invalid``."""
    problems = ProblemCollector()
    rows, count = parse_tracking_csv(data, problems)
    result = TrackingResult(received=count)
    with uow.transaction() as conn:
        by_carrier: dict[str, list[TrackingInput]] = {}
        for carrier, item in rows:
            by_carrier.setdefault(carrier, []).append(item)
        resolved = {c: resolve(conn, c, (i.tracking_number for i in items))
                    for c, items in by_carrier.items()}
        for carrier, items in by_carrier.items():
            for item in items:
                if item.tracking_number not in resolved[carrier]:
                    problems.add("tracking_number", f"no {carrier} shipment has this number",
                                 item.tracking_number, item.line)
        bad = {p.line for p in problems.problems}
        whole_file = None in bad or 1 in bad  # unreadable, no header, or no rows
        if problems and (not skip_invalid or whole_file or len(bad) >= count):
            summary = (None if whole_file else f"{len(bad)} of {count} rows are invalid; "
                       "nothing was imported")
            raise ValidationFailed.of(sorted(problems.problems, key=lambda p: p.line or 0),
                                      summary)
        for carrier, items in sorted(by_carrier.items()):
            good = [i for i in items if i.line not in bad]
            record_resolved(conn, resolved[carrier], good, "csv", result)
    out = result.as_dict()
    out["invalid_rows"] = len(bad)
    out["errors"] = [p.as_dict() for p in sorted(problems.problems, key=lambda p: p.line or 0)]
    return out
