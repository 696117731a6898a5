"""Shipment use cases: create (with rate shopping), buy a label, void it, buy many, manifest.

Each use case is one transaction on the unit of work; ``batch_buy`` runs one per shipment so a
failure costs only that shipment. Buying calls the provider while the shipment row is locked,
so two clerks can never buy two labels for one shipment; if the purchase cannot be stored the
label is voided at the provider again (best effort) before the error is raised. Creating and
buying write through ``purchases`` (set-based, for one shipment or a batch: ``rate_spec`` and
``Adapters`` let a caller rate a whole batch with each distinct quote computed once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from backroom.core import clock
from backroom.core.errors import (
    BackroomError,
    Conflict,
    NotFound,
    ProblemCollector,
    ValidationFailed,
)
from backroom.core.events import DomainEvent, record
from backroom.core.money import from_minor
from backroom.db.uow import UnitOfWork
from backroom.shipping import queries
from backroom.shipping.adapters import PROVIDERS, get_adapter
from backroom.shipping.adapters.base import CarrierAdapter, LabelRef, RateQuote, RateRequest
from backroom.shipping.model import (
    LABELLED_STATES,
    Address,
    ContentLine,
    Package,
    ShipmentState,
    transition,
    validate_address,
    validate_contents,
    validate_packages,
)
from backroom.shipping.purchases import Rated, buy_drafts, draft_of_row, insert_shipments, iso
from backroom.shipping.queries import AnyRow
from backroom.shipping.tables import MANIFESTS, PACKAGES, SHIPMENTS
from backroom.shipping.tracking import inputs_from, record_tracking

log = logging.getLogger("backroom.shipping")
_S = SHIPMENTS.c
_P = PACKAGES.c


class PromiseUnreachable(ValidationFailed):
    """No service delivers by the promised date; ``fastest`` says what would come closest."""

    code = "promise_unreachable"


@dataclass(frozen=True, slots=True)
class ShipmentSpec:
    reference: str
    warehouse: str
    ship_to: Address
    packages: tuple[Package, ...]
    provider: str = "ratecard"
    carrier: str | None = None  # with service: ship exactly this; without: cheapest on time
    service: str | None = None
    promised_date: date | None = None
    contents: tuple[ContentLine, ...] = ()
    ready_at: datetime | None = None  # default: now


def validate_spec(spec: ShipmentSpec) -> ShipmentSpec:
    """The spec normalized, or ``ValidationFailed`` with every problem in it."""
    problems = ProblemCollector()
    reference = spec.reference.strip() if isinstance(spec.reference, str) else ""
    if not reference or len(reference) > 128:
        problems.add("reference", "is required, at most 128 characters", spec.reference)
    address = validate_address(spec.ship_to, "ship_to", problems)
    validate_packages(list(spec.packages), problems)
    validate_contents(list(spec.contents), problems)
    if spec.provider not in PROVIDERS:
        problems.add("provider", f"must be one of {', '.join(PROVIDERS)}", spec.provider)
    if (spec.carrier is None) != (spec.service is None):
        problems.add("service" if spec.service is None else "carrier",
                     "carrier and service go together: give both, or neither to ship the "
                     "cheapest service that meets the promise")
    if spec.ready_at is not None and spec.ready_at.tzinfo is None:
        problems.add("ready_at", "must include a timezone", spec.ready_at)
    problems.raise_if_any()
    return ShipmentSpec(**{**_fields(spec), "reference": reference, "ship_to": address})


def _fields(spec: ShipmentSpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in ShipmentSpec.__dataclass_fields__}


def _quote_text(q: RateQuote) -> str:
    return (f"{q.carrier} {q.service}, {from_minor(q.amount_minor, q.currency)} {q.currency}, "
            f"delivered {q.estimated_delivery or 'date unknown'}")


def choose_quote(quotes: list[RateQuote], promise: date | None) -> RateQuote:
    """The cheapest quote delivering by ``promise`` (earlier delivery breaks ties)."""
    if not quotes:
        raise ValidationFailed.single("service", None, "no service can carry this shipment")
    far = date.max
    meeting = [q for q in quotes if promise is None
               or (q.estimated_delivery is not None and q.estimated_delivery <= promise)]
    if not meeting:
        fastest = min(quotes, key=lambda q: (q.estimated_delivery or far, q.amount_minor))
        raise PromiseUnreachable(
            f"no service delivers by {promise}; the fastest is {_quote_text(fastest)}",
            data={"promised_date": iso(promise), "fastest": {
                "carrier": fastest.carrier, "service": fastest.service,
                "estimated_delivery": iso(fastest.estimated_delivery),
                "cost": str(from_minor(fastest.amount_minor, fastest.currency)),
                "currency": fastest.currency}})
    currencies = sorted({q.currency for q in meeting})
    if len(currencies) > 1:
        raise ValidationFailed.single("carrier", ", ".join(currencies), "prices are in more "
                                      "than one currency: name the carrier and service")
    return min(meeting, key=lambda q: (q.amount_minor, q.estimated_delivery or far,
                                       q.carrier, q.service))


class Adapters:
    """The providers' adapters for one batch of shipments with one ready time: an adapter
    that can (the rate cards) remembers its quotes for the batch (``memoized``)."""

    def __init__(self) -> None:
        self._made: dict[str, CarrierAdapter] = {}

    def __call__(self, provider: str) -> CarrierAdapter:
        found = self._made.get(provider)
        if found is None:
            found = get_adapter(provider)
            memoized = getattr(found, "memoized", None)
            if callable(memoized):
                found = memoized()
            self._made[provider] = found
        return found


def rate_spec(spec: ShipmentSpec, origin: tuple[int, Address], ready_at: datetime,
              adapter_for: Callable[[str], CarrierAdapter]) -> Rated:
    """A validated spec (``validate_spec``) rated from ``origin`` (warehouse id, address):
    the service given, or the cheapest meeting the promise (``PromiseUnreachable``)."""
    at = spec.ready_at or ready_at
    request = RateRequest(origin[1], spec.ship_to, spec.packages, at, carrier=spec.carrier,
                          service=spec.service)
    quotes = adapter_for(spec.provider).rate(request)
    if spec.carrier is not None and not quotes:
        raise ValidationFailed.single("service", f"{spec.carrier} {spec.service}",
                                      "is not offered for this shipment by that provider")
    # A service named by the caller is honoured even if it misses the promise (the shipment
    # is then flagged delayed when its label is bought); otherwise the promise decides.
    quote = choose_quote(quotes, None if spec.carrier else spec.promised_date)
    contents = tuple({"sku": c.sku.strip(), "name": c.name, "qty": c.qty}
                     for c in spec.contents)
    return Rated(spec.reference, spec.warehouse.strip().upper(), origin[0], origin[1],
                 spec.ship_to, spec.packages,
                 spec.provider, contents, spec.promised_date, quote, at)


def create_shipment(uow: UnitOfWork, spec: ShipmentSpec) -> dict[str, Any]:
    """A draft shipment with its service chosen (given, or cheapest meeting the promise)."""
    spec = validate_spec(spec)
    with uow.read() as conn:
        origin = queries.load_origin(conn, spec.warehouse)
    rated = rate_spec(spec, origin, clock.now(), Adapters())
    with uow.transaction() as conn:
        (draft,) = insert_shipments(conn, [rated])
        return queries.get_shipment(conn, draft.id)


def _lock(conn: Connection, shipment_id: int) -> AnyRow:
    row = conn.execute(select(SHIPMENTS).where(_S.id == shipment_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"no shipment {shipment_id}", data={"shipment_id": shipment_id})
    return row


def buy_label(uow: UnitOfWork, shipment_id: int) -> dict[str, Any]:
    """Buy the label of a draft shipment: tracking number(s), cost, and the label itself."""
    with uow.transaction() as conn:
        row = _lock(conn, shipment_id)
        if row.state != ShipmentState.DRAFT:
            raise Conflict(f"shipment {shipment_id} is {row.state}: only a draft shipment can "
                           "get a label", data={"shipment_id": shipment_id, "state": row.state})
        (outcome,) = buy_drafts(conn, [draft_of_row(conn, row, clock.now())], Adapters())
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def void_label(uow: UnitOfWork, shipment_id: int) -> dict[str, Any]:
    """Cancel a shipment: void its label at the provider (a draft simply is cancelled)."""
    with uow.transaction() as conn:
        row = _lock(conn, shipment_id)
        state = ShipmentState(row.state)
        if row.manifest_id is not None:
            raise Conflict(f"shipment {shipment_id} was handed to the carrier on manifest "
                           f"{row.manifest_id}; it can no longer be voided",
                           data={"shipment_id": shipment_id, "manifest_id": row.manifest_id})
        try:
            transition(state, ShipmentState.VOIDED)
        except ValueError:
            raise Conflict(f"shipment {shipment_id} is {state}: only a draft or a label not "
                           "yet scanned by the carrier can be voided",
                           data={"shipment_id": shipment_id, "state": state.value}) from None
        if state in LABELLED_STATES:
            get_adapter(row.provider).void(LabelRef(row.carrier, row.tracking_number,
                                                    row.external_id))
        now = clock.now()
        conn.execute(update(SHIPMENTS).where(_S.id == shipment_id).values(
            state=ShipmentState.VOIDED.value, voided_at=now, updated_at=now))
        refund = (None if row.cost_minor is None
                  else str(from_minor(row.cost_minor, row.currency)))
        record(conn, [DomainEvent("shipment.voided", {
            "shipment_id": shipment_id, "reference": row.reference, "carrier": row.carrier,
            "tracking_number": row.tracking_number, "previous_state": state.value,
            "refund": refund, "currency": row.currency}, f"shipment:{shipment_id}")])
        return queries.get_shipment(conn, shipment_id)


@dataclass
class BatchResult:
    bought: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"bought": len(self.bought), "failed": len(self.failed),
                "shipments": self.bought, "errors": self.failed}


Progress = Callable[[int, dict[str, Any] | None, dict[str, Any] | None], None]


def batch_buy(uow: UnitOfWork, shipment_ids: Iterable[int],
              progress: Progress | None = None) -> BatchResult:
    """Buy the label of each shipment in its own transaction; failures are reported per
    shipment and never undo the others. ``progress(id, shipment, error)`` after each."""
    result = BatchResult()
    for shipment_id in dict.fromkeys(shipment_ids):
        shipment = error = None
        try:
            shipment = buy_label(uow, shipment_id)
            result.bought.append(shipment)
        except BackroomError as exc:
            error = {"shipment_id": shipment_id, "code": exc.code, "message": exc.message}
        except Exception:  # a bug or outage for one shipment must not lose the others
            log.exception("buying the label of shipment %s failed", shipment_id)
            error = {"shipment_id": shipment_id, "code": "internal_error",
                     "message": "an unexpected error occurred; it has been logged"}
        if error is not None:
            result.failed.append(error)
        if progress is not None:
            progress(shipment_id, shipment, error)
    return result


def pending_ids(uow: UnitOfWork, warehouse: str | None = None,
                carrier: str | None = None) -> list[int]:
    """Draft shipments (no label yet), oldest first."""
    with uow.read() as conn:
        stmt = select(_S.id).where(_S.state == ShipmentState.DRAFT.value).order_by(_S.id)
        if warehouse is not None:
            stmt = stmt.where(_S.warehouse_id == queries.load_origin(conn, warehouse)[0])
        if carrier is not None:
            stmt = stmt.where(func.lower(_S.carrier) == carrier.strip().lower())
        return [int(i) for i in conn.execute(stmt).scalars()]


def create_manifest(uow: UnitOfWork, carrier: str, ship_date: date,
                    warehouse: str) -> dict[str, Any]:
    """Close out the day: every labelled shipment of ``carrier`` from ``warehouse`` bought on or
    before ``ship_date`` and not on a manifest yet goes on a new one."""
    with uow.transaction() as conn:
        warehouse_id, _ = queries.load_origin(conn, warehouse)
        end = datetime.combine(ship_date + timedelta(days=1), time(0), tzinfo=UTC)
        rows = conn.execute(
            select(_S.id, _S.carrier).where(
                func.lower(_S.carrier) == carrier.strip().lower(),
                _S.warehouse_id == warehouse_id, _S.manifest_id.is_(None),
                _S.state.in_([s.value for s in LABELLED_STATES]), _S.purchased_at < end)
            .order_by(_S.id).with_for_update()).all()
        if not rows:
            raise ValidationFailed.single(
                "carrier", carrier, f"has no labelled shipments from {warehouse.upper()} on or "
                f"before {ship_date} that are not on a manifest yet")
        ids = [r.id for r in rows]
        carrier = rows[0].carrier  # as the shipments spell it
        weights = conn.execute(select(func.count(), func.sum(_P.weight_g))
                               .where(_P.shipment_id.in_(ids))).one()
        manifest_id = conn.execute(insert(MANIFESTS).values(
            carrier=carrier, warehouse_id=warehouse_id, ship_date=ship_date,
            shipment_count=len(ids), package_count=int(weights[0]),
            total_weight_g=int(weights[1]), created_at=clock.now())
            .returning(MANIFESTS.c.id)).scalar_one()
        conn.execute(update(SHIPMENTS).where(_S.id.in_(ids)).values(manifest_id=manifest_id))
        record(conn, [DomainEvent("manifest.created", {
            "manifest_id": manifest_id, "carrier": carrier, "warehouse": warehouse.upper(),
            "ship_date": ship_date.isoformat(), "shipment_ids": ids},
            f"manifest:{manifest_id}")])
        return manifest_summary(conn, manifest_id)


def manifest_summary(conn: Connection, manifest_id: int) -> dict[str, Any]:
    data = queries.manifest_data(conn, manifest_id)
    return {"id": data.manifest_id, "carrier": data.carrier, "warehouse": data.warehouse,
            "ship_date": data.ship_date, "shipments": data.shipment_count,
            "packages": len(data.rows), "total_weight_g": data.total_weight_g,
            "shipment_ids": sorted({r.shipment_id for r in data.rows})}


def refresh_tracking(uow: UnitOfWork, shipment_id: int) -> dict[str, Any]:
    """Ask the shipment's provider for its scans and record the new ones."""
    with uow.read() as conn:
        shipment = queries.get_shipment(conn, shipment_id)
    if shipment["tracking_number"] is None:
        raise Conflict(f"shipment {shipment_id} has no tracking number yet (state "
                       f"{shipment['state']})", data={"shipment_id": shipment_id})
    label = LabelRef(shipment["carrier"], shipment["tracking_number"], shipment["external_id"])
    found = get_adapter(shipment["provider"]).track(label)
    result = record_tracking(uow, shipment["carrier"], inputs_from(found),
                             source=shipment["provider"])
    return result.as_dict()
