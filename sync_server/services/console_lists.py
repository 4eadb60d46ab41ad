"""The console's lists: one keyset page at a time, or every row for a CSV export, each
behind its permission. Views and exports of members' personal data (names, masked
phones, histories) are written to the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from shared.errors import NotFound, ValidationFailed
from sync_server.db import Database
from sync_server.repositories import accounts as audit_repo
from sync_server.repositories import console_lists as lists
from sync_server.repositories import keyset
from sync_server.repositories import member_admin as member_repo
from sync_server.repositories.console_lists import MemberFilter
from sync_server.repositories.keyset import AnySelect, Order, Page
from sync_server.services.accounts import Principal
from sync_server.services.common import utcnow

EXPORT_BATCH = 1000
MAX_CHURN_DAYS = 3650


def _key(*names: str) -> Callable[[Any], Sequence[Any]]:
    return lambda row: [getattr(row, name) for name in names]


class ConsoleLists:
    def __init__(self, database: Database) -> None:
        self.database = database

    # --- generic --------------------------------------------------------------------

    def _page(
        self,
        query: AnySelect,
        order: Order,
        key_of: Callable[[Any], Sequence[Any]],
        cursor: str | None,
        descending: bool = False,
    ) -> Page[Any]:
        with self.database.read() as session:
            return keyset.page(session, query, order, key_of, cursor=cursor, descending=descending)

    def _all(
        self,
        query: AnySelect,
        order: Order,
        key_of: Callable[[Any], Sequence[Any]],
        descending: bool = False,
    ) -> Iterator[Any]:
        """Every row, a keyset batch per read transaction (no long-held snapshot)."""
        cursor: str | None = None
        while True:
            with self.database.read() as session:
                found = keyset.page(
                    session,
                    query,
                    order,
                    key_of,
                    cursor=cursor,
                    descending=descending,
                    size=EXPORT_BATCH,
                )
            yield from found.rows
            if found.next_cursor is None:
                return
            cursor = found.next_cursor

    def _audit(self, who: Principal, action: str, target: str, detail: str = "") -> None:
        with self.database.write() as session:
            audit_repo.add_audit(session, utcnow(), who.name, action, target[:200], "", detail)

    # --- members --------------------------------------------------------------------

    @staticmethod
    def _member_order(sort: str) -> tuple[Order, Callable[[Any], Sequence[Any]]]:
        order = lists.MEMBER_SORTS.get(sort)
        if order is None:
            raise ValidationFailed("Unknown sort.", code="invalid_request")
        names = {"code": ("member_code",), "name": ("name", "member_code")}
        return order, _key(*names.get(sort, ("enrolled_at", "member_code")))

    def members(
        self, who: Principal, found: MemberFilter, sort: str, descending: bool, cursor: str | None
    ) -> Page[Any]:
        who.require("view_members")
        order, key_of = self._member_order(sort)
        page = self._page(lists.members(found), order, key_of, cursor, descending)
        if found.q:
            self._audit(who, "members.search", found.q, f"rows={len(page.rows)}")
        return page

    def members_export(
        self, who: Principal, found: MemberFilter, sort: str, descending: bool
    ) -> Iterator[Any]:
        who.require("view_members")
        order, key_of = self._member_order(sort)
        self._audit(who, "members.export_csv", found.q or "*", _describe(found))
        return self._all(lists.members(found), order, key_of, descending)

    @staticmethod
    def _churn(days: int, sort: str) -> tuple[AnySelect, Order, Callable[[Any], Sequence[Any]]]:
        if sort not in lists.CHURN_SORTS:
            raise ValidationFailed("Unknown sort.", code="invalid_request")
        query, order = lists.churn(utcnow() - timedelta(days=_days(days)), sort)
        key = _key("absent_since", "member_code") if sort == "absent" else _key("member_code")
        return query, order, key

    def churn(self, who: Principal, days: int, sort: str, cursor: str | None) -> Page[Any]:
        who.require("view_churn")
        return self._page(*self._churn(days, sort), cursor)

    def churn_export(self, who: Principal, days: int, sort: str) -> Iterator[Any]:
        who.require("view_churn")
        self._audit(who, "churn.export_csv", f"days={days} sort={sort}")
        return self._all(*self._churn(days, sort))

    def _member_id(self, member_code: str) -> str:
        with self.database.read() as session:
            member = member_repo.by_code(session, member_code.strip())
            if member is None or member.status == "erased":
                raise NotFound(f"No member {member_code}.", code="unknown_member")
            return member.id

    def history(self, who: Principal, member_code: str, cursor: str | None) -> Page[Any]:
        """The member's ledger, newest first (audited: it is the member's activity)."""
        who.require("view_members")
        member_id = self._member_id(member_code)
        page = self._page(
            lists.history(member_id),
            lists.HISTORY_ORDER,
            _key("occurred_at", "event_id"),
            cursor,
            descending=True,
        )
        self._audit(who, "member.history", member_code, f"rows={len(page.rows)}")
        return page

    def coupons(self, who: Principal, member_code: str, cursor: str | None) -> Page[Any]:
        who.require("view_members")
        return self._page(
            lists.coupons(self._member_id(member_code)),
            lists.COUPON_ORDER,
            _key("created_at", "id"),
            cursor,
            descending=True,
        )

    # --- stores, staff, terminals, accounts, audit ------------------------------------

    def stores(self, who: Principal, q: str, active: str, cursor: str | None) -> Page[Any]:
        who.require("view_stores")
        return self._page(
            lists.stores(q[:100], active), lists.STORE_ORDER, lambda r: [r[0].code], cursor
        )

    def stores_export(self, who: Principal, q: str, active: str) -> Iterator[Any]:
        who.require("view_stores")
        return self._all(lists.stores(q[:100], active), lists.STORE_ORDER, lambda r: [r[0].code])

    def staff(
        self, who: Principal, store: str, role: str, active: str, q: str, cursor: str | None
    ) -> Page[Any]:
        who.require("view_staff")
        query = lists.staff(store, role, active, q[:100])
        return self._page(query, lists.STAFF_ORDER, _key("staff_code"), cursor)

    def staff_export(
        self, who: Principal, store: str, role: str, active: str, q: str
    ) -> Iterator[Any]:
        who.require("view_staff")
        self._audit(who, "staff.export_csv", store or "*", f"role={role} active={active} q={q}")
        query = lists.staff(store, role, active, q[:100])
        return self._all(query, lists.STAFF_ORDER, _key("staff_code"))

    def terminals(self, who: Principal, store: str, cursor: str | None) -> Page[Any]:
        who.require("view_terminals")
        return self._page(
            lists.terminals(store),
            lists.TERMINAL_ORDER,
            lambda r: [r[0].store_code, r[0].id],
            cursor,
        )

    def accounts(self, who: Principal, cursor: str | None) -> Page[Any]:
        who.require("manage_accounts")
        return self._page(lists.accounts(), lists.ACCOUNT_ORDER, lambda r: [r[0].name], cursor)

    def audit(
        self, who: Principal, actor: str, action: str, target: str, cursor: str | None
    ) -> Page[Any]:
        who.require("view_audit")
        query = lists.audit(actor[:64], action[:64], target[:200])
        return self._page(query, lists.AUDIT_ORDER, lambda r: [r[0].id], cursor, descending=True)

    def audit_export(self, who: Principal, actor: str, action: str, target: str) -> Iterator[Any]:
        who.require("view_audit")
        query = lists.audit(actor[:64], action[:64], target[:200])
        return self._all(query, lists.AUDIT_ORDER, lambda r: [r[0].id], descending=True)


def _days(days: int) -> int:
    if not 1 <= days <= MAX_CHURN_DAYS:
        raise ValidationFailed("Days out of range.", code="invalid_days")
    return days


def _describe(found: MemberFilter) -> str:
    return f"tier={found.tier} store={found.store} status={found.status}"
