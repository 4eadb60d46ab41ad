"""Head-office administration: stores, programs, coupons, staff, member erasure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.domain import program_schedule
from shared.domain.coupons import CouponTerms, new_coupon_code, normalize_coupon_code
from shared.domain.money import check_currency
from shared.domain.program import LoyaltyProgram
from shared.domain.program_schedule import Rollout
from shared.errors import NotFound, ValidationFailed
from shared.protocol import StoreSettings
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.models import Program, Store
from sync_server.repositories import catalog
from sync_server.repositories import changes as changes_repo
from sync_server.repositories import members as members_repo
from sync_server.services.common import (
    EventSink,
    coupon_data,
    new_id,
    program_data,
    tell_coupon_issued,
    utcnow,
)
from sync_server.services.staff import StaffAdminService
from sync_server.services.versioning import ChangeBatch

_STORE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
STORE_LANGUAGES = ("zh_CN", "en")  # the tills' UI languages


@dataclass(frozen=True)
class ProgramVersionView:
    rule_version: int
    published_at: datetime
    state: str  # scheduled | staged | in_force | superseded
    rollouts: tuple[Rollout, ...]


def store_settings_data(store: Store) -> dict[str, Any]:
    """A store's settings as a till receives them (protocol ``StoreSettings``)."""
    return StoreSettings(
        store_code=store.code,
        name=store.name,
        currency=store.currency,
        timezone=store.timezone,
        phone_region=store.phone_region,
        language=store.language,
        closing_time=store.closing_time,
    ).model_dump(mode="json")


def _check_store_settings(
    name: str, currency: str, timezone: str, phone_region: str, language: str, closing_time: str
) -> None:
    if not name.strip() or len(name.strip()) > 200:
        raise ValidationFailed(
            "A store needs a name (at most 200 characters).", code="invalid_name"
        )
    check_currency(currency)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"Unknown time zone {timezone!r}.", code="invalid_timezone"
        ) from None
    if not re.match(r"^[A-Z]{2}$", phone_region):
        raise ValidationFailed("The phone region is two capital letters.", code="invalid_region")
    if language not in STORE_LANGUAGES:
        raise ValidationFailed("Language is zh_CN or en.", code="invalid_language")
    if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", closing_time):
        raise ValidationFailed("Closing time is HH:MM.", code="invalid_closing_time")


def _region(region: str) -> str:
    """A store's region (the dashboard's grouping): any name up to 64 characters, or ""."""
    region = " ".join(region.split())
    if len(region) > 64:
        raise ValidationFailed("A region is at most 64 characters.", code="invalid_store_region")
    return region


class AdminService:
    def __init__(self, database: Database) -> None:
        self.database = database

    # --- stores -------------------------------------------------------------------

    def add_store(
        self,
        code: str,
        name: str,
        *,
        currency: str = "CNY",
        timezone: str = "Asia/Shanghai",
        phone_region: str = "CN",
        language: str = "zh_CN",
        closing_time: str = "23:00",
        region: str = "",
    ) -> Store:
        if not _STORE_CODE.match(code):
            raise ValidationFailed(
                "A store code is 1-32 letters, digits, '-' or '_'.", code="invalid_store_code"
            )
        _check_store_settings(name, currency, timezone, phone_region, language, closing_time)
        with self.database.write() as session:
            if catalog.get_store(session, code) is not None:
                raise Conflict(f"Store {code} already exists.", code="store_exists")
            store = Store(
                code=code,
                name=name.strip(),
                currency=currency,
                timezone=timezone,
                phone_region=phone_region,
                language=language,
                closing_time=closing_time,
                created_at=utcnow(),
                region=_region(region),
            )
            session.add(store)
            return store

    def stores(self) -> list[Store]:
        with self.database.read() as session:
            return catalog.list_stores(session)

    def update_store(
        self,
        code: str,
        *,
        name: str,
        currency: str,
        timezone: str,
        phone_region: str,
        language: str,
        closing_time: str,
        region: str | None = None,
    ) -> Store:
        """New settings of a store, checked as ``add_store`` checks them. The server uses
        them at once (business days, phone numbers of its pushes); the store's tills
        receive them at their next pull (change-log entity ``store``, scoped to the
        store), as they receive them when they pair."""
        _check_store_settings(name, currency, timezone, phone_region, language, closing_time)
        with self.database.write() as session:
            store = catalog.get_store(session, code)
            if store is None:
                raise NotFound(f"No store {code!r}.", code="unknown_store")
            store.name = name.strip()
            store.currency = currency
            store.timezone = timezone
            store.phone_region = phone_region
            store.language = language
            store.closing_time = closing_time
            if region is not None:  # None: the region stays
                store.region = _region(region)
            session.flush()
            changes = ChangeBatch()
            changes.touch("store", code)
            changes.write(session, lambda _e, _i: store_settings_data(store), utcnow())
            changes_repo.scope_to_store(session, "store", code, code)
            return store

    def set_store_active(self, code: str, active: bool) -> Store:
        """Deactivate (no new terminals or staff; refused while a terminal of the store
        is not revoked) or reactivate a store."""
        with self.database.write() as session:
            store = catalog.get_store(session, code)
            if store is None:
                raise NotFound(f"No store {code!r}.", code="unknown_store")
            if not active and catalog.live_terminal_count(session, code):
                raise Conflict(
                    "Revoke this store's terminals before you deactivate it.",
                    code="store_has_terminals",
                )
            store.active = active
            return store

    # --- programs -----------------------------------------------------------------

    def current_program(self) -> LoyaltyProgram:
        with self.database.read() as session:
            row = catalog.get_program(session, catalog.latest_program_version(session))
            assert row is not None
            return LoyaltyProgram.model_validate_json(row.body)

    def publish_program(
        self,
        program: LoyaltyProgram,
        *,
        effective_from: datetime | None = None,
        stores: Sequence[str] | None = None,
        actor: str = "",
    ) -> LoyaltyProgram:
        """Publish a new rule version: to every store (``stores`` None) or to the stores
        named (a staged roll-out; ``roll_out`` later widens it), in force at once
        (``effective_from`` None) or from that time. Tills receive it at their next pull
        either way, ahead of its time, and apply it from ``effective_from`` by their own
        clock (shared.domain.program_schedule)."""
        now = utcnow()
        chosen = self._check_rollout(effective_from, stores, now)
        with self.database.write() as session:
            latest = catalog.latest_program_version(session)
            if program.rule_version <= latest:
                raise Conflict(
                    f"rule_version must be newer than the current {latest}.",
                    code="program_version_exists",
                    current=latest,
                )
            self._check_stores(session, chosen)
            session.add(
                Program(
                    rule_version=program.rule_version,
                    body=program.model_dump_json(),
                    published_at=now,
                )
            )
            session.flush()
            self._write_rollouts(session, program, chosen, effective_from, now, actor)
        return program

    def roll_out(
        self,
        rule_version: int,
        *,
        effective_from: datetime | None = None,
        stores: Sequence[str] | None = None,
        actor: str = "",
    ) -> None:
        """Widen a published version: to more stores, or to every store (``stores``
        None), at once or from ``effective_from``. A store (or every store) that already
        has a roll-out of this version is refused (``already_rolled_out``)."""
        now = utcnow()
        chosen = self._check_rollout(effective_from, stores, now)
        with self.database.write() as session:
            row = catalog.get_program(session, rule_version)
            if row is None:
                raise NotFound(f"No rule version {rule_version}.", code="unknown_rule_version")
            self._check_stores(session, chosen)
            held = {
                r.store_code for r in catalog.rollouts(session) if r.rule_version == rule_version
            }
            if chosen is not None:  # the stores it does not reach yet
                chosen = [code for code in chosen if code not in held]
            if None in held or chosen == []:
                raise Conflict(
                    f"Rule version {rule_version} already reaches those stores.",
                    code="already_rolled_out",
                )
            program = LoyaltyProgram.model_validate_json(row.body)
            self._write_rollouts(session, program, chosen, effective_from, now, actor)

    @staticmethod
    def _check_rollout(
        effective_from: datetime | None, stores: Sequence[str] | None, now: datetime
    ) -> list[str] | None:
        if effective_from is not None:
            if effective_from.tzinfo is None:
                raise ValidationFailed(
                    "The effective time needs a time zone.", code="invalid_effective_from"
                )
            if effective_from <= now:
                raise ValidationFailed(
                    "The effective time must be in the future (leave it empty for now).",
                    code="effective_from_past",
                )
        if stores is None:
            return None
        chosen = sorted({code.strip() for code in stores if code.strip()})
        if not chosen:
            raise ValidationFailed(
                "Choose at least one store, or every store.", code="no_stores_chosen"
            )
        return chosen

    @staticmethod
    def _check_stores(session: Any, chosen: list[str] | None) -> None:
        for code in chosen or []:
            store = catalog.get_store(session, code)
            if store is None or not store.active:
                raise NotFound(f"No active store {code!r}.", code="unknown_store")

    @staticmethod
    def _write_rollouts(
        session: Any,
        program: LoyaltyProgram,
        chosen: list[str] | None,
        effective_from: datetime | None,
        now: datetime,
        actor: str,
    ) -> None:
        """The roll-out rows and their change-log entries: one for every store (key: the
        rule version, as before) or one per store (key ``VERSION@STORE``, received by
        that store's tills only). The pull adds each entry's ``effective_from``."""
        version = program.rule_version
        keys = (
            [(str(version), None)]
            if chosen is None
            else [(catalog.program_change_id(version, code), code) for code in chosen]
        )
        for _key, code in keys:
            catalog.add_rollout(session, version, code, effective_from, now, actor)
        session.flush()
        changes = ChangeBatch()
        for key, _code in keys:
            changes.touch("program", key)
        changes.write(session, lambda _e, _i: program_data(program), now)
        for key, code in keys:
            if code is not None:
                changes_repo.scope_to_store(session, "program", key, code)

    def program_versions(self, now: datetime | None = None) -> list[ProgramVersionView]:
        """Every published version, newest first, with its roll-outs and its state now:
        ``scheduled`` (nothing started yet), ``staged`` (in force at some stores only,
        and newer than the chain's), ``in_force`` (the chain's version now),
        ``superseded``."""
        now = now or utcnow()
        with self.database.read() as session:
            rows = catalog.programs(session)
            rollouts = catalog.rollouts(session)
        chain = program_schedule.in_force([r for r in rollouts if r.store_code is None], now) or 0
        views = []
        for row in reversed(rows):
            own = [r for r in rollouts if r.rule_version == row.rule_version]
            begun = [r for r in own if program_schedule.started(r, now)]
            if row.rule_version == chain:
                state = "in_force"
            elif row.rule_version < chain:
                state = "superseded"
            elif begun:
                state = "staged"
            else:
                state = "scheduled"
            views.append(ProgramVersionView(row.rule_version, row.published_at, state, tuple(own)))
        return views

    def program_in_force(self, store_code: str, at: datetime | None = None) -> int | None:
        """The rule version in force for ``store_code`` at ``at`` (now)."""
        with self.database.read() as session:
            rollouts = catalog.rollouts(session, store_code)
        return program_schedule.in_force(rollouts, at or utcnow())

    # --- coupons and staff --------------------------------------------------------

    def issue_coupon(
        self,
        member_code: str,
        title: str,
        value_cents: int,
        currency: str,
        expires_at: datetime | None = None,
        *,
        terms: CouponTerms | None = None,
        code: str | None = None,
        paper: bool = False,
        events: EventSink | None = None,
        source: str = "head office",
    ) -> dict[str, Any]:
        """One coupon for one member (``coupon.issued`` to ``events``, in the same
        transaction, naming ``source``). With ``terms`` (shared.domain.coupons) its kind,
        minimum spend, dates, stores and currency come from them (``value_cents`` is
        the fixed value, 0 for the other kinds). ``paper``: it gets a code to print,
        typed or scanned at the till (``code``, or a fresh one), unique in the chain."""
        if terms is not None:
            currency, expires_at = terms.currency, terms.expires_at
            value_cents = terms.value_cents
        check_currency(currency)
        if terms is None and value_cents <= 0:
            raise ValidationFailed("A coupon is worth more than zero.", code="invalid_amount")
        wanted = normalize_coupon_code(code) if code is not None else None
        now = utcnow()
        with self.database.write() as session:
            member = members_repo.get_by_code(session, member_code)
            if member is None or member.status != "active":
                raise NotFound(f"No member {member_code}.", code="unknown_member")
            if wanted is not None and catalog.coupon_code_taken(session, wanted):
                raise ValidationFailed(
                    f"code: {wanted} is already a coupon's code.", code="coupon_code_taken"
                )
            if wanted is None and paper:
                wanted = new_coupon_code()
                while catalog.coupon_code_taken(session, wanted):
                    wanted = new_coupon_code()
            row: dict[str, Any] = {
                "id": new_id(),
                "member_id": member.id,
                "title": title,
                "value_cents": value_cents,
                "currency": currency,
                "expires_at": expires_at,
                "status": "available",
                "redeemed_event_id": None,
                "version": 0,
                "created_at": now,
                "terms": terms.model_dump_json(exclude_defaults=True) if terms else None,
                "code": wanted,
            }
            if events is not None:
                tell_coupon_issued(events, session, row, source, now)
            changes = ChangeBatch()
            slot = changes.touch("coupon", row["id"])
            base = changes.write(session, lambda _e, _i: coupon_data(row), now)
            row["version"] = base + slot
            catalog.insert_coupons(session, [row])
            return coupon_data(row)

    def add_staff(
        self, staff_code: str, name: str, role: str, pin: str, store_code: str | None
    ) -> dict[str, Any]:
        return StaffAdminService(self.database).add(staff_code, name, role, pin, store_code)

    def set_staff_active(self, staff_code: str, active: bool) -> dict[str, Any]:
        return StaffAdminService(self.database).set_active(staff_code, active)

    # --- erasure ------------------------------------------------------------------

    def erase_member(self, member_code: str, events: EventSink | None = None) -> str:
        """Wipe a member's personal data; terminals receive a delete (tombstone). With
        ``events``, ``member.erased`` goes to webhooks and the broker in the same
        transaction (ids only: there is nothing personal left to send)."""
        now = utcnow()
        with self.database.write() as session:
            member = members_repo.get_by_code(session, member_code)
            if member is None or member.status == "erased":
                raise NotFound(f"No member {member_code}.", code="unknown_member")
            rows = members_repo.lock_many(session, [member.id])
            row = rows[member.id]
            changes = ChangeBatch()
            slot = changes.touch("member", member.id, op="delete")
            base = changes.write(session, lambda _e, _i: None, now)
            row.update(
                name="",
                phone_e164=None,
                phone_hash="",
                phone_last4="",
                phone_masked="",
                phone_slow_hash="",
                email=None,
                birthday=None,
                status="erased",
                version=base + slot,
                updated_at=now,
            )
            members_repo.update_many(session, [row])
            members_repo.scrub_merged_into(session, member.id)  # merged into it (s20g)
            if events is not None:
                events(
                    session,
                    "member.erased",
                    member.id,
                    f"msg_erase_{member.id}",
                    {"member_id": member.id, "member_code": member.member_code},
                    now,
                )
            return member.id
