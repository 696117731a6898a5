"""Read side of shipments: details, lists, label and manifest data, origin addresses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.core.money import from_minor
from backroom.inventory.tables import WAREHOUSES
from backroom.shipping.labels import LabelData, LabelPackage, ManifestData, ManifestRow
from backroom.shipping.model import LABELLED_STATES, Address, ContentLine, ShipmentState
from backroom.shipping.tables import MANIFESTS, PACKAGES, SHIPMENTS, TRACKING_EVENTS

AnyRow = Row[*tuple[Any, ...]]  # a result row of any shape
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_S = SHIPMENTS.c
_P = PACKAGES.c
_W = WAREHOUSES.c
_ADDRESS_FIELDS = ("name", "company", "line1", "line2", "city", "region", "postal_code",
                   "country", "phone", "email", "residential")
_LIST_COLUMNS = (_S.id, _S.reference, _W.code.label("warehouse"), _S.provider, _S.carrier,
                 _S.service, _S.state, _S.tracking_number, _S.ship_to_name,
                 _S.ship_to_postal_code, _S.ship_to_country, _S.promised_date,
                 _S.estimated_delivery, _S.cost_minor, _S.currency, _S.delay_reason,
                 _S.created_at, _S.purchased_at)


def load_origin(conn: Connection, warehouse_code: str) -> tuple[int, Address]:
    """The warehouse's id and its address as a sender."""
    code = warehouse_code.strip().upper()
    row = conn.execute(select(_W.id, _W.name, _W.address_line1, _W.address_line2, _W.city,
                              _W.region, _W.postal_code, _W.country, _W.active)
                       .where(_W.code == code)).first()
    if row is None:
        raise NotFound(f"unknown warehouse {warehouse_code!r}", data={"warehouse": code})
    if not row.active:
        raise Conflict(f"warehouse {code} is inactive", data={"warehouse": code})
    return int(row.id), _warehouse_address(row)


def _warehouse_address(row: AnyRow) -> Address:
    return Address(name=row.name, line1=row.address_line1 or row.name, line2=row.address_line2,
                   city=row.city, region=row.region, postal_code=row.postal_code,
                   country=row.country, residential=False)


def ship_to(row: AnyRow) -> Address:
    m = row._mapping
    return Address(**{name: m[f"ship_to_{name}"] for name in _ADDRESS_FIELDS})


def _money(minor: int | None, currency: str) -> str | None:
    return None if minor is None else str(from_minor(minor, currency))


def _summary(row: AnyRow) -> dict[str, Any]:
    out = dict(row._mapping)
    out["cost"] = _money(out["cost_minor"], out["currency"])
    out["delayed"] = out["delay_reason"] is not None
    return out


def list_shipments(conn: Connection, *, state: str | None = None, carrier: str | None = None,
                   reference: str | None = None, limit: int = DEFAULT_LIMIT,
                   after_id: int | None = None) -> list[dict[str, Any]]:
    """Shipments newest first (by id), a page at a time: pass the last id as ``after_id``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.single("limit", limit, f"must be between 1 and {MAX_LIMIT}")
    if state is not None and state not in set(ShipmentState):
        raise ValidationFailed.single("state", state, "must be one of "
                                      + ", ".join(s.value for s in ShipmentState))
    stmt = (select(*_LIST_COLUMNS).join(WAREHOUSES, _W.id == _S.warehouse_id)
            .order_by(_S.id.desc()).limit(limit))
    if state is not None:
        stmt = stmt.where(_S.state == state)
    if carrier is not None:
        stmt = stmt.where(func.lower(_S.carrier) == carrier.strip().lower())
    if reference is not None:
        stmt = stmt.where(_S.reference == reference)
    if after_id is not None:
        stmt = stmt.where(_S.id < after_id)
    return [_summary(r) for r in conn.execute(stmt)]


def _shipment_row(conn: Connection, shipment_id: int) -> AnyRow:
    row = conn.execute(_ROWS, {"ids": [shipment_id]}).first()
    if row is None:
        raise NotFound(f"no shipment {shipment_id}", data={"shipment_id": shipment_id})
    return row


_ROWS = (select(SHIPMENTS, _W.code.label("warehouse")).join(WAREHOUSES, _W.id == _S.warehouse_id)
         .where(_S.id.in_(bindparam("ids", expanding=True))))
_PACKAGES = (select(_P.shipment_id, _P.package_no, _P.length_mm, _P.width_mm, _P.height_mm,
                    _P.weight_g, _P.billed_weight_g, _P.tracking_number)
             .where(_P.shipment_id.in_(bindparam("ids", expanding=True)))
             .order_by(_P.shipment_id, _P.package_no))
_T = TRACKING_EVENTS.c
_EVENTS = (select(_T.shipment_id, _T.status, _T.occurred_at, _T.location, _T.description,
                  _T.estimated_delivery, _T.source, _T.applied, _T.received_at)
           .where(_T.shipment_id.in_(bindparam("ids", expanding=True)))
           .order_by(_T.shipment_id, _T.occurred_at, _T.id))
_DETAIL_FIELDS = ("id", "reference", "warehouse", "provider", "carrier", "service", "state",
                  "tracking_number", "promised_date", "estimated_delivery", "cost_minor",
                  "currency", "external_id", "label_url", "manifest_id", "delay_reason",
                  "delayed_at", "last_event_at", "created_at", "updated_at", "purchased_at",
                  "voided_at", "delivered_at")


def _by_shipment(conn: Connection, stmt: Any, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        for r in conn.execute(stmt, {"ids": ids[start:start + 500]}):
            item = dict(r._mapping)
            out[item.pop("shipment_id")].append(item)
    return out


def packages(conn: Connection, shipment_id: int) -> list[dict[str, Any]]:
    return _by_shipment(conn, _PACKAGES, [shipment_id])[shipment_id]


def packages_of(conn: Connection, shipment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The packages of each shipment, in package order."""
    return _by_shipment(conn, _PACKAGES, list(dict.fromkeys(shipment_ids)))


def tracking_history(conn: Connection, shipment_id: int) -> list[dict[str, Any]]:
    return _by_shipment(conn, _EVENTS, [shipment_id])[shipment_id]


def get_shipment(conn: Connection, shipment_id: int) -> dict[str, Any]:
    """One shipment with its address, packages, contents and tracking history."""
    return get_shipments(conn, [shipment_id])[shipment_id]


def get_shipments(conn: Connection, shipment_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``get_shipment`` for many shipments with three queries; ``NotFound`` names the first
    unknown id."""
    ids = list(dict.fromkeys(shipment_ids))
    rows = {r.id: r for start in range(0, len(ids), 500)
            for r in conn.execute(_ROWS, {"ids": ids[start:start + 500]})}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFound(f"no shipment {missing[0]}", data={"shipment_id": missing[0]})
    boxes = _by_shipment(conn, _PACKAGES, ids)
    scans = _by_shipment(conn, _EVENTS, ids)
    return {i: detail(rows[i]._mapping, boxes[i], scans[i]) for i in ids}


def detail(m: Mapping[Any, Any], boxes: list[dict[str, Any]],
           scans: list[dict[str, Any]]) -> dict[str, Any]:
    """A shipment as ``get_shipment`` shows it, from its row (with ``warehouse``, the code),
    packages and tracking events."""
    out = {k: m[k] for k in _DETAIL_FIELDS}
    out["cost"] = _money(m["cost_minor"], m["currency"])
    out["delayed"] = m["delay_reason"] is not None
    out["ship_to"] = {name: m[f"ship_to_{name}"] for name in _ADDRESS_FIELDS}
    out["contents"] = list(m["contents"] or [])
    out["packages"] = boxes
    out["events"] = scans
    return out


def label_data(conn: Connection, shipment_id: int) -> LabelData:
    """What the label, packing slip and ZPL show; only for a shipment with a bought label."""
    row = _shipment_row(conn, shipment_id)
    if row.state not in LABELLED_STATES:
        raise Conflict(f"shipment {shipment_id} has no label (state {row.state})",
                       data={"shipment_id": shipment_id, "state": row.state})
    _, origin = load_origin_by_id(conn, row.warehouse_id)
    pkgs = tuple(LabelPackage(p["package_no"], p["tracking_number"] or row.tracking_number,
                              p["weight_g"], p["length_mm"], p["width_mm"], p["height_mm"])
                 for p in packages(conn, shipment_id))
    contents = tuple(ContentLine(c["sku"], c["name"], c["qty"]) for c in row.contents or [])
    purchased: datetime = row.purchased_at
    return LabelData(shipment_id=row.id, reference=row.reference, carrier=row.carrier,
                     service=row.service, ship_from=origin, ship_to=ship_to(row),
                     ship_date=purchased.date(), packages=pkgs, contents=contents)


def load_origin_by_id(conn: Connection, warehouse_id: int) -> tuple[str, Address]:
    row = conn.execute(select(_W.code, _W.name, _W.address_line1, _W.address_line2, _W.city,
                              _W.region, _W.postal_code, _W.country)
                       .where(_W.id == warehouse_id)).one()
    return row.code, _warehouse_address(row)


def manifest_data(conn: Connection, manifest_id: int) -> ManifestData:
    """A stored manifest's rows, one per package, in shipment and package order."""
    head = conn.execute(select(MANIFESTS).where(MANIFESTS.c.id == manifest_id)).first()
    if head is None:
        raise NotFound(f"no manifest {manifest_id}", data={"manifest_id": manifest_id})
    code, origin = load_origin_by_id(conn, head.warehouse_id)
    rows = conn.execute(
        select(_S.id, _P.package_no, _P.tracking_number, _S.tracking_number.label("master"),
               _S.service, _P.weight_g, _S.reference, _S.ship_to_postal_code,
               _S.ship_to_country)
        .join(PACKAGES, _P.shipment_id == _S.id).where(_S.manifest_id == manifest_id)
        .order_by(_S.id, _P.package_no))
    items = tuple(ManifestRow(r.id, r.package_no, r.tracking_number or r.master, r.service,
                              r.weight_g, r.reference, r.ship_to_postal_code, r.ship_to_country)
                  for r in rows)
    return ManifestData(manifest_id=head.id, carrier=head.carrier, warehouse=code,
                        origin_lines=tuple(origin.lines()), ship_date=head.ship_date,
                        rows=items)
