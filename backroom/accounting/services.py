"""Accounting use cases: the chart of accounts, manual entries, reversals, posting rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from sqlalchemy import delete, insert, select, update

from backroom.accounting import inline, journal
from backroom.accounting.model import AccountType, EntryDraft, LineDraft, to_base
from backroom.accounting.rules import parse_rule
from backroom.accounting.tables import ACCOUNTS, RULES
from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, ProblemCollector, ValidationFailed
from backroom.core.money import to_minor
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork


def create_account(uow: UnitOfWork, code: str, name: str, type_: str, *, section: str = "",
                   role: str | None = None) -> dict[str, Any]:
    problems = ProblemCollector()
    if not code.strip() or len(code) > 20:
        problems.add("code", "1 to 20 characters", code)
    if not name.strip() or len(name) > 200:
        problems.add("name", "1 to 200 characters", name)
    if type_ not in set(AccountType):
        problems.add("type", f"must be one of {', '.join(AccountType)}", type_)
    problems.raise_if_any()
    with uow.transaction() as conn:
        a = ACCOUNTS.c
        if conn.execute(select(a.id).where(a.code == code)).first():
            raise Conflict(f"account {code} already exists", data={"code": code})
        if role and conn.execute(select(a.code).where(a.role == role)).first():
            raise Conflict(f"another account already has the role {role!r}")
        conn.execute(insert(ACCOUNTS).values(code=code, name=name.strip(), type=type_,
                                             section=section, role=role or None, active=True,
                                             created_at=clock.now()))
        inline.forget(conn.engine)
        return account(conn, code)


def update_account(uow: UnitOfWork, code: str, *, name: str | None = None,
                   section: str | None = None, active: bool | None = None) -> dict[str, Any]:
    """Rename, regroup, deactivate or reactivate an account; its code never changes."""
    values: dict[str, Any] = {}
    if name is not None:
        if not name.strip() or len(name) > 200:
            raise ValidationFailed.single("name", name, "1 to 200 characters")
        values["name"] = name.strip()
    if section is not None:
        values["section"] = section[:64]
    if active is not None:
        values["active"] = active
    with uow.transaction() as conn:
        account(conn, code)
        if values:
            conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.code == code).values(**values))
            inline.forget(conn.engine)
        return account(conn, code)


def account(conn: Any, code: str) -> dict[str, Any]:
    a = ACCOUNTS.c
    row = conn.execute(select(a.code, a.name, a.type, a.section, a.role, a.active)
                       .where(a.code == code)).first()
    if row is None:
        raise NotFound(f"no account {code}")
    return dict(row._mapping)


@dataclass(frozen=True, slots=True)
class ManualLine:
    account: str
    debit: str | None = None
    credit: str | None = None
    currency: str | None = None
    rate: str | None = None
    reference: str = ""


def post_manual_entry(uow: UnitOfWork, entry_date: date, description: str,
                      lines: list[ManualLine], *, by: str) -> dict[str, Any]:
    """A journal entry typed by a person (amounts as decimals in each line's currency)."""
    base = get_settings().base_currency.upper()
    problems = ProblemCollector()
    drafts = [_manual_line(n, ln, base, problems) for n, ln in enumerate(lines, 1)]
    if not description.strip():
        problems.add("description", "is required")
    problems.raise_if_any()
    draft = EntryDraft(entry_date, description.strip(),
                       tuple(d for d in drafts if d is not None), source_ref="manual")
    with uow.transaction() as conn:
        posted = journal.post_entries(conn, [draft], created_by=by)[0]
        return {"id": posted.id, "date": entry_date, "period": draft.period}


def _manual_line(n: int, ln: ManualLine, base: str,
                 problems: ProblemCollector) -> LineDraft | None:
    where = f"lines[{n}]"
    if (ln.debit is None) == (ln.credit is None):
        problems.add(where, "give exactly one of debit or credit")
        return None
    currency = (ln.currency or base).upper()
    try:
        rate = Decimal(ln.rate) if ln.rate is not None else Decimal(1)
    except InvalidOperation:
        rate = Decimal(0)
    if currency != base and (ln.rate is None or not rate.is_finite() or rate <= 0):
        problems.add(f"{where}.rate", f"a positive rate to {base} is needed for {currency}",
                     ln.rate)
        return None
    side, text = ("debit", ln.debit) if ln.debit is not None else ("credit", ln.credit)
    try:
        amount = to_minor(str(text), currency, field=f"{where}.{side}")
    except ValidationFailed as err:
        problems.problems.extend(err.problems)
        return None
    value = to_base(amount, currency, rate, base)
    debit, credit = (value, 0) if side == "debit" else (0, value)
    return LineDraft(ln.account, debit, credit, currency, amount, rate, ln.reference)


def reverse(uow: UnitOfWork, entry_id: int, *, on: date | None, by: str) -> dict[str, Any]:
    with uow.transaction() as conn:
        posted = journal.reverse_entry(conn, entry_id, on=on, created_by=by)
        return {"id": posted.id, "reversal_of": entry_id, "date": posted.draft.entry_date}


def export_rules(uow: UnitOfWork) -> str:
    """Every posting rule as YAML a bookkeeper can read, change and load back."""
    r = RULES.c
    with uow.read() as conn:
        rules = [dict(row.definition, **({} if row.active else {"active": False}))
                 for row in conn.execute(select(r.definition, r.active).order_by(r.id))]
    return yaml.safe_dump({"rules": rules}, sort_keys=False, allow_unicode=True, width=100)


def load_rules(uow: UnitOfWork, text: str) -> dict[str, Any]:
    """Replace every posting rule with those in ``text`` (YAML), all or nothing."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValidationFailed.single("file", None, f"is not valid YAML: {err}") from None
    items = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationFailed.single("rules", None, "the file needs a non-empty 'rules' list")
    rows, problems = [], ProblemCollector()
    for n, item in enumerate(items, 1):
        active = bool(item.pop("active", True)) if isinstance(item, dict) else True
        try:
            rule = parse_rule(item, f"rules[{n}]")
        except ValidationFailed as err:
            problems.problems.extend(err.problems)
            continue
        rows.append((rule, item, active))
    _check_rule_set(uow, rows, problems)
    problems.raise_if_any()
    now = clock.now()
    with uow.transaction() as conn:
        conn.execute(delete(RULES))
        conn.execute(insert(RULES), [{"event_type": rule.event, "name": rule.name,
                                      "definition": item, "active": active, "updated_at": now}
                                     for rule, item, active in rows])
        inline.forget(conn.engine)
    return {"rules": len(rows), "events": sorted({rule.event for rule, _, _ in rows})}


def _check_rule_set(uow: UnitOfWork, rows: list[Any], problems: ProblemCollector) -> None:
    with uow.read() as conn:
        accounts = journal.load_accounts(conn)
    seen: set[str] = set()
    for rule, _, _ in rows:
        if rule.name in seen:
            problems.add(f"rule {rule.name}", "the name is used twice")
        seen.add(rule.name)
        for line in rule.lines:
            if line.account not in accounts:
                problems.add(f"rule {rule.name}", "no such account", line.account)
