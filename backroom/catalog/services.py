"""Catalog use cases: create, update, (de)activate and bulk-import products.

Every use case goes through the same two steps: ``_plan`` checks all rows against each other
and the database and collects every problem; ``_apply`` writes the valid rows set-based, a
thousand at a time (executemany on SQLite, ``unnest`` arrays on PostgreSQL), so an import of ten
thousand rows costs a few dozen statements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from backroom.catalog import queries
from backroom.catalog.model import ImportRow, ProductSpec, changed_fields, gtin_key, spec_values
from backroom.catalog.queries import StoredProduct, among, chunks, load_specs
from backroom.catalog.tables import BARCODES, PACKAGINGS, PRODUCTS
from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork

Progress = Callable[[int, int], None]
_CHILD_FIELDS = {"barcodes", "inner_qty", "case_qty"}


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    invalid_rows: int
    errors: list[Problem] = field(default_factory=list)

    @property
    def valid_rows(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "invalid_rows": self.invalid_rows, "errors": [p.as_dict() for p in self.errors]}


@dataclass(slots=True)
class _Candidate:
    line: int | None
    spec: ProductSpec
    stored: StoredProduct | None
    problems: list[Problem]
    changed: list[str] = field(default_factory=list)


def _currency() -> str:
    return get_settings().base_currency.upper()


# ---------------------------------------------------------------------------------------------
# Use cases


def create_product(uow: UnitOfWork, spec: ProductSpec) -> dict[str, Any]:
    """Create a new SKU; ``Conflict`` if the code is taken, ``ValidationFailed`` if bad."""
    with uow.transaction() as conn:
        if load_specs(conn, [spec.sku]):
            raise Conflict(f"product {spec.sku!r} already exists", data={"sku": spec.sku})
        _run(conn, [ImportRow(spec.sku, spec_values(spec))], skip_invalid=False)
        return _view(conn, spec.sku)


def update_product(uow: UnitOfWork, sku: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change the given fields of ``sku`` (others keep their values)."""
    with uow.transaction() as conn:
        if not load_specs(conn, [sku]):
            raise NotFound(f"no product {sku!r}", data={"sku": sku})
        _run(conn, [ImportRow(sku, dict(changes))], skip_invalid=False)
        return _view(conn, sku)


def deactivate_product(uow: UnitOfWork, sku: str) -> dict[str, Any]:
    return update_product(uow, sku, {"active": False})


def activate_product(uow: UnitOfWork, sku: str) -> dict[str, Any]:
    return update_product(uow, sku, {"active": True})


def import_products(uow: UnitOfWork, rows: Sequence[ImportRow], *, skip_invalid: bool = False,
                    progress: Progress | None = None) -> ImportResult:
    """Create or update (by SKU) every row in one transaction.

    If any row is bad, nothing is written and ``ValidationFailed`` lists every problem with its
    line, field and value; with ``skip_invalid`` the good rows are written and the bad ones
    are returned in ``ImportResult.errors``.
    """
    with uow.transaction() as conn:
        return _run(conn, rows, skip_invalid=skip_invalid, progress=progress)


def _view(conn: Connection, sku: str) -> dict[str, Any]:
    product = queries.get_product(conn, sku, _currency())
    if product is None:  # pragma: no cover - written in this very transaction
        raise NotFound(f"no product {sku!r}")
    return product


def _run(conn: Connection, rows: Sequence[ImportRow], *, skip_invalid: bool,
         progress: Progress | None = None) -> ImportResult:
    candidates = _plan(conn, rows)
    bad = [c for c in candidates if c.problems]
    errors = [p for c in bad for p in c.problems]
    if bad and not skip_invalid:
        if len(rows) == 1 and rows[0].line is None:
            raise ValidationFailed.of(errors)
        raise ValidationFailed(f"{len(bad)} of {len(rows)} rows are invalid; nothing was written",
                               problems=errors, data={"rows": len(rows), "invalid_rows": len(bad)})
    good = [c for c in candidates if not c.problems]
    created, updated = _apply(conn, good, progress)
    return ImportResult(created=created, updated=updated,
                        unchanged=len(good) - created - updated, invalid_rows=len(bad),
                        errors=errors)


# ---------------------------------------------------------------------------------------------
# Checking


def _plan(conn: Connection, rows: Sequence[ImportRow]) -> list[_Candidate]:
    stored = load_specs(conn, [r.sku for r in rows if r.sku], lock=True)
    candidates = _candidates(rows, stored)
    _check_barcodes_in_batch(candidates)
    _check_barcode_owners(conn, candidates)
    _check_tracking(conn, candidates)
    for c in candidates:
        c.problems = [p if p.line is not None else replace(p, line=c.line) for p in c.problems]
    return candidates


def _candidates(rows: Sequence[ImportRow], stored: dict[str, StoredProduct]) -> list[_Candidate]:
    first_line: dict[str, int | None] = {}
    out: list[_Candidate] = []
    for row in rows:
        base = stored.get(row.sku)
        spec = (base.spec if base else ProductSpec(sku=row.sku)).with_changes(row.values)
        unreadable = {p.field for p in row.problems}
        problems = list(row.problems)
        if "row" not in unreadable:  # a row with the wrong number of cells says nothing more
            problems += [p for p in spec.problems() if p.field not in unreadable]
        if row.sku and row.sku in first_line:
            where = f" (first on line {first_line[row.sku]})" if first_line[row.sku] else ""
            problems.append(Problem("sku", f"appears more than once{where}", row.sku))
        first_line.setdefault(row.sku, row.line)
        changed = changed_fields(base.spec, spec) if base else []
        out.append(_Candidate(row.line, spec, base, problems, changed))
    return out


def _check_barcodes_in_batch(candidates: list[_Candidate]) -> None:
    first: dict[str, _Candidate] = {}
    for c in candidates:
        for barcode in c.spec.barcodes:
            key = gtin_key(barcode.code)
            other = first.setdefault(key, c)
            if other is not c and other.spec.sku != c.spec.sku:
                where = f" on line {other.line}" if other.line else ""
                c.problems.append(Problem(
                    "barcode", f"is also given for SKU {other.spec.sku!r}{where}", barcode.code))


def _check_barcode_owners(conn: Connection, candidates: list[_Candidate]) -> None:
    owners = queries.barcode_owners(conn, [b.code for c in candidates for b in c.spec.barcodes])
    for c in candidates:
        own_id = c.stored.id if c.stored else None
        for barcode in c.spec.barcodes:
            owner = owners.get(gtin_key(barcode.code))
            if owner is not None and owner[0] != own_id:
                c.problems.append(Problem(
                    "barcode", f"is already used by product {owner[1]!r}", barcode.code))


def _check_tracking(conn: Connection, candidates: list[_Candidate]) -> None:
    changing = [c for c in candidates
                if c.stored is not None and c.stored.spec.tracking != c.spec.tracking]
    if not changing:
        return
    stocked = queries.ids_with_stock(conn, [c.stored.id for c in changing if c.stored])
    for c in changing:
        if c.stored is not None and c.stored.id in stocked:
            c.problems.append(Problem(
                "tracking", f"cannot change from {c.stored.spec.tracking} while the SKU has "
                            "stock on hand", str(c.spec.tracking)))


# ---------------------------------------------------------------------------------------------
# Writing


def _apply(conn: Connection, good: list[_Candidate], progress: Progress | None) -> tuple[int, int]:
    """Write the valid candidates; returns (created, updated)."""
    todo = [c for c in good if c.stored is None or c.changed]
    created = updated = 0
    now = clock.now()
    try:
        for part in chunks(todo):
            new = [c for c in part if c.stored is None]
            changed = [c for c in part if c.stored is not None]
            ids = _insert_products(conn, new, now)
            ids.update(_update_products(conn, changed, now))
            _replace_children(conn, [c for c in part if c.stored is None
                                     or _CHILD_FIELDS.intersection(c.changed)], ids)
            record(conn, _events(part, ids))
            created, updated = created + len(new), updated + len(changed)
            if progress:
                progress(created + updated, len(todo))
    except IntegrityError:
        raise Conflict("a SKU or barcode in this request was taken by a concurrent change; "
                       "nothing was written, please retry") from None
    return created, updated


def _bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys). PostgreSQL gets one ``INSERT … SELECT FROM
    unnest(arrays)`` statement; other databases an executemany."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    source = _unnest(table, rows, names)
    conn.execute(insert(table).from_select(names, select(*[source.c[n] for n in names])))


def _bulk_update(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Update rows by ``id`` (key ``b_id`` in each row) set-based, like ``_bulk_insert``."""
    if conn.dialect.name != "postgresql":
        conn.execute(update(table).where(table.c.id == bindparam("b_id")), rows)
        return
    names = [n for n in rows[0] if n != "b_id"]
    source = _unnest(table, rows, ["b_id", *names], id_column="id")
    conn.execute(update(table).where(table.c.id == source.c.b_id)
                 .values({n: source.c[n] for n in names}))


def _unnest(table: Table, rows: list[dict[str, Any]], names: list[str],
            id_column: str = "") -> Any:
    """``unnest(array_per_column) AS anon(names…)``: a whole batch as one PostgreSQL parameter
    per column."""
    arrays = [literal([r[n] for r in rows], ARRAY(table.c[id_column if n == "b_id" else n].type))
              for n in names]
    return func.unnest(*arrays).table_valued(*names).render_derived()


def _product_row(spec: ProductSpec, now: datetime) -> dict[str, Any]:
    return {"sku": spec.sku, "name": spec.name, "description": spec.description,
            "length_mm": spec.length_mm, "width_mm": spec.width_mm, "height_mm": spec.height_mm,
            "weight_g": spec.weight_g, "tracking": spec.tracking.value,
            "shelf_life_days": spec.shelf_life_days,
            "standard_cost_minor": spec.standard_cost_minor, "active": spec.active,
            "updated_at": now}


def _insert_products(conn: Connection, new: list[_Candidate], now: datetime) -> dict[str, int]:
    if not new:
        return {}
    _bulk_insert(conn, PRODUCTS, [{**_product_row(c.spec, now), "created_at": now} for c in new])
    # Read the new ids back rather than INSERT … RETURNING: a RETURNING batch cannot use the
    # set-based path and costs the driver far more on PostgreSQL.
    found = conn.execute(select(PRODUCTS.c.sku, PRODUCTS.c.id)
                         .where(among(conn, PRODUCTS.c.sku, [c.spec.sku for c in new])))
    return {sku: product_id for sku, product_id in found}


def _update_products(conn: Connection, changed: list[_Candidate], now: datetime) -> dict[str, int]:
    if not changed:
        return {}
    rows = [{**_product_row(c.spec, now), "b_id": c.stored.id} for c in changed if c.stored]
    _bulk_update(conn, PRODUCTS, rows)
    return {c.spec.sku: c.stored.id for c in changed if c.stored}


def _replace_children(conn: Connection, rewrite: list[_Candidate], ids: dict[str, int]) -> None:
    old = [c.stored.id for c in rewrite if c.stored]
    if old:
        conn.execute(delete(BARCODES).where(among(conn, BARCODES.c.product_id, old)))
        conn.execute(delete(PACKAGINGS).where(among(conn, PACKAGINGS.c.product_id, old)))
    barcodes = [{"product_id": ids[c.spec.sku], "code": b.code, "packaging": b.packaging}
                for c in rewrite for b in c.spec.barcodes]
    packagings = [{"product_id": ids[c.spec.sku], "name": name, "qty": qty}
                  for c in rewrite for name, qty in c.spec.packagings().items() if name != "each"]
    _bulk_insert(conn, BARCODES, barcodes)
    _bulk_insert(conn, PACKAGINGS, packagings)


def _events(part: Sequence[_Candidate], ids: dict[str, int]) -> list[DomainEvent]:
    out = []
    for c in part:
        sku = c.spec.sku
        if c.stored is None:
            payload: dict[str, Any] = {"sku": sku, "product_id": ids[sku]}
            out.append(DomainEvent("product.created", payload, f"product:{sku}"))
        else:
            payload = {"sku": sku, "product_id": ids[sku], "changed": c.changed}
            out.append(DomainEvent("product.updated", payload, f"product:{sku}"))
    return out
