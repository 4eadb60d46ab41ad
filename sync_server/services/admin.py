"""Head-office administration: stores, programs, coupons, staff, member erasure."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.domain.money import check_currency
from shared.domain.program import LoyaltyProgram
from shared.errors import NotFound, ValidationFailed
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.models import Program, Store
from sync_server.repositories import catalog
from sync_server.repositories import members as members_repo
from sync_server.services.common import (
    coupon_data,
    new_id,
    program_data,
    utcnow,
)
from sync_server.services.staff import StaffAdminService
from sync_server.services.versioning import ChangeBatch

_STORE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
STORE_LANGUAGES = ("zh_CN", "en")  # the tills' UI languages


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
        them at once (business days, phone numbers of its pushes); a till receives its
        store's settings when it pairs."""
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

    def publish_program(self, program: LoyaltyProgram) -> LoyaltyProgram:
        now = utcnow()
        with self.database.write() as session:
            latest = catalog.latest_program_version(session)
            if program.rule_version <= latest:
                raise Conflict(
                    f"rule_version must be newer than the current {latest}.",
                    code="program_version_exists",
                    current=latest,
                )
            session.add(
                Program(
                    rule_version=program.rule_version,
                    body=program.model_dump_json(),
                    published_at=now,
                )
            )
            session.flush()
            changes = ChangeBatch()
            changes.touch("program", str(program.rule_version))
            changes.write(session, lambda _e, _i: program_data(program), now)
        return program

    # --- coupons and staff --------------------------------------------------------

    def issue_coupon(
        self,
        member_code: str,
        title: str,
        value_cents: int,
        currency: str,
        expires_at: datetime | None = None,
    ) -> dict[str, Any]:
        check_currency(currency)
        if value_cents <= 0:
            raise ValidationFailed("A coupon is worth more than zero.", code="invalid_amount")
        now = utcnow()
        with self.database.write() as session:
            member = members_repo.get_by_code(session, member_code)
            if member is None or member.status != "active":
                raise NotFound(f"No member {member_code}.", code="unknown_member")
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
            }
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

    def erase_member(self, member_code: str) -> str:
        """Wipe a member's personal data; terminals receive a delete (tombstone)."""
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
            return member.id
