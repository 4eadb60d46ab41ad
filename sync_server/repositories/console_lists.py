"""The console's lists as keyset-paged queries (sync_server/repositories/keyset.py):
members, churn risk, a member's history and coupons, stores, staff, terminals, console
accounts, the audit log. Queries only; never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from sync_server.models import (
    AdminAccount,
    AuditEntry,
    Coupon,
    LedgerEvent,
    Member,
    Staff,
    Store,
    Terminal,
)
from sync_server.repositories.keyset import AnySelect, Order
from sync_server.repositories.member_admin import _like, last_visits

MEMBER_SORTS: dict[str, Order] = {
    "code": Order((Member.member_code,), (str,)),
    "name": Order((Member.name, Member.member_code), (str, str)),
    "enrolled": Order((Member.enrolled_at, Member.member_code), (datetime, str)),
}
MEMBER_STATUSES = ("active", "erased")


@dataclass(frozen=True)
class MemberFilter:
    q: str = ""
    tier: str = ""
    store: str = ""
    status: str = ""  # "" every member but the erased and merged; else one of MEMBER_STATUSES


def _member_conditions(found: MemberFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if found.status:
        conditions.append(Member.status == found.status)
    else:
        conditions.append(Member.status.not_in(("erased", "merged")))  # merged: s20g
    if found.tier:
        conditions.append(Member.tier == found.tier)
    if found.store:
        conditions.append(Member.store_code == found.store)
    text = found.q.strip()[:100]
    if text.isascii() and text.isdigit():
        # a member code, or the phone's last 4 digits (both indexed)
        conditions.append(or_(Member.member_code == text, Member.phone_last4 == text[-4:]))
    elif text:
        conditions.append(name_starts_with(text))
    return conditions


def name_starts_with(text: str) -> ColumnElement[bool]:
    """Names beginning with ``text``, case aside, as the tills search: index-driven (a
    pattern over a million names scans them all, a second on PostgreSQL). PostgreSQL:
    the ``lower(name) text_pattern_ops`` index of migration s17a; SQLite (binary
    collation, ordered by code point): a range of the (name, code) index per case form."""
    return _NamePrefix(text)


class _NamePrefix(ColumnElement[bool]):
    inherit_cache = True
    type = Boolean()
    _traverse_internals = [("text", InternalTraversal.dp_string)]  # noqa: RUF012  (the cache key)

    def __init__(self, text: str) -> None:
        self.text = text


@compiles(_NamePrefix)
def _prefix_ranges(element: _NamePrefix, compiler: Any, **kw: Any) -> str:
    text = element.text
    forms = sorted({text, text.lower(), text.upper(), text[:1].upper() + text[1:], text.title()})
    ranges = or_(*(and_(Member.name >= f, Member.name < f + "\U0010ffff") for f in forms))
    return str(compiler.process(ranges, **kw))


@compiles(_NamePrefix, "postgresql")
def _prefix_pattern(element: _NamePrefix, compiler: Any, **kw: Any) -> str:
    pattern = _like(element.text)[1:].lower()  # "text%", its own wildcards escaped
    return str(compiler.process(func.lower(Member.name).like(pattern, escape="\\"), **kw))


def members(found: MemberFilter) -> AnySelect:
    return select(
        Member.id,
        Member.member_code,
        Member.name,
        Member.phone_masked,
        Member.tier,
        Member.balance,
        Member.lifetime_points,
        Member.store_code,
        Member.status,
        Member.enrolled_at,
    ).where(*_member_conditions(found))


def churn(not_seen_since: datetime, sort: str = "code") -> tuple[AnySelect, Order]:
    """Active members enrolled before ``not_seen_since`` whom no till has seen since.

    ``code``: in member-code order, found by walking the member-code index and asking
    the (member, time) index of the ledger per member, so a page costs about its own
    rows when members at risk are common (and a scan when they are rare). ``absent``:
    the longest absent first, which needs every member's last visit: a scan of the
    ledger, for small chains (the dashboard's daily roll-ups will keep last visits)."""
    if sort == "absent":
        visits = last_visits()
        absent_since = func.coalesce(visits.c.last_visit, Member.enrolled_at)
        query = (
            select(*_CHURN_COLUMNS, visits.c.last_visit, absent_since.label("absent_since"))
            .outerjoin(visits, visits.c.member_id == Member.id)
            .where(Member.status == "active", absent_since < not_seen_since)
        )
        return query, Order((absent_since, Member.member_code), (datetime, str))
    seen = (
        select(_E.event_id)
        .where(
            _E.member_id == Member.id,
            _E.terminal_id.is_not(None),
            _E.occurred_at >= not_seen_since,
        )
        .exists()
    )
    last = (
        select(func.max(_E.occurred_at))
        .where(_E.member_id == Member.id, _E.terminal_id.is_not(None))
        .scalar_subquery()
    )
    query = select(*_CHURN_COLUMNS, last.label("last_visit")).where(
        Member.status == "active", Member.enrolled_at < not_seen_since, ~seen
    )
    return query, MEMBER_SORTS["code"]


_CHURN_COLUMNS = (
    Member.member_code,
    Member.name,
    Member.tier,
    Member.balance,
    Member.store_code,
    Member.enrolled_at,
)
CHURN_SORTS = ("code", "absent")


_E = LedgerEvent
HISTORY_ORDER = Order((_E.occurred_at, _E.event_id), (datetime, str))


def history(member_id: str) -> AnySelect:
    return select(
        _E.event_id,
        _E.terminal_id,
        _E.seq,
        _E.type,
        _E.status,
        _E.code,
        _E.occurred_at,
        _E.points_delta,
        _E.member_balance,
        _E.overdraft,
        _E.voided_by,
    ).where(_E.member_id == member_id)


COUPON_ORDER = Order((Coupon.created_at, Coupon.id), (datetime, str))


def coupons(member_id: str) -> AnySelect:
    return select(
        Coupon.id,
        Coupon.title,
        Coupon.value_cents,
        Coupon.currency,
        Coupon.status,
        Coupon.expires_at,
        Coupon.created_at,
    ).where(Coupon.member_id == member_id)


STORE_ORDER = Order((Store.code,), (str,))


def stores(q: str = "", active: str = "") -> AnySelect:
    query = select(Store)
    if q:
        query = query.where(
            or_(Store.code.ilike(_like(q), escape="\\"), Store.name.ilike(_like(q), escape="\\"))
        )
    if active in ("yes", "no"):
        query = query.where(Store.active.is_(active == "yes"))
    return query


STAFF_ORDER = Order((Staff.staff_code,), (str,))


def staff(store: str = "", role: str = "", active: str = "", q: str = "") -> AnySelect:
    query = select(
        Staff.id, Staff.staff_code, Staff.name, Staff.role, Staff.active, Staff.store_code
    )
    if store == "-":
        query = query.where(Staff.store_code.is_(None))
    elif store:
        query = query.where(Staff.store_code == store)
    if role:
        query = query.where(Staff.role == role)
    if active in ("yes", "no"):
        query = query.where(Staff.active.is_(active == "yes"))
    if q:
        query = query.where(
            or_(
                Staff.staff_code.ilike(_like(q), escape="\\"),
                Staff.name.ilike(_like(q), escape="\\"),
            )
        )
    return query


TERMINAL_ORDER = Order((Terminal.store_code, Terminal.id), (str, str))


def terminals(store: str = "") -> AnySelect:
    query = select(Terminal)
    if store:
        query = query.where(Terminal.store_code == store)
    return query


ACCOUNT_ORDER = Order((AdminAccount.name,), (str,))


def accounts() -> AnySelect:
    return select(AdminAccount)


AUDIT_ORDER = Order((AuditEntry.id,), (int,))


def audit(actor: str = "", action: str = "", target: str = "") -> AnySelect:
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action.like(_like(action).lstrip("%"), escape="\\"))
    if target:
        query = query.where(AuditEntry.target == target)
    return query
