"""Staff at head office: add, activate or deactivate, move to another store.

Each staff change in the change log is scoped to the staff member's store: only that
store's terminals receive the PIN hash (``changes.store_code``; NULL for chain-wide
staff, who have no store). A move writes, before the upsert for the new store, a delete
that only the old store's terminals receive (``pull.staff_left_id``).
"""

from __future__ import annotations

import re
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from shared.domain.program import LoyaltyProgram
from shared.domain.staff_pin import check_staff_pin
from shared.errors import NotFound, ValidationFailed
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.models import Staff
from sync_server.repositories import catalog
from sync_server.repositories import changes as changes_repo
from sync_server.services.common import new_id, staff_data, utcnow
from sync_server.services.pull import staff_left_id
from sync_server.services.versioning import ChangeBatch

ROLES = ("cashier", "manager")
_STAFF_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_COLUMNS = ("id", "staff_code", "name", "role", "pin_hash", "active", "store_code")


class StaffAdminService:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(
        self, staff_code: str, name: str, role: str, pin: str, store_code: str | None
    ) -> dict[str, Any]:
        if role not in ROLES:
            raise ValidationFailed("Role is cashier or manager.", code="invalid_role")
        if not _STAFF_CODE.match(staff_code):
            raise ValidationFailed(
                "A staff code is 1-32 letters, digits, '-' or '_'.", code="invalid_staff_code"
            )
        if not name.strip() or len(name.strip()) > 100:
            raise ValidationFailed("A staff member needs a name.", code="invalid_name")
        name = name.strip()
        with self.database.read() as session:
            program = _current_program(session)
            _open_store(session, store_code)
        check_staff_pin(pin, role, program)
        row: dict[str, Any] = {
            "id": new_id(),
            "staff_code": staff_code,
            "name": name,
            "role": role,
            "pin_hash": PasswordHasher().hash(pin),
            "active": True,
            "store_code": store_code,
            "version": 0,
        }
        now = utcnow()
        with self.database.write() as session:
            if staff_code in catalog.staff_codes(session):
                raise Conflict(f"Staff code {staff_code} exists.", code="staff_exists")
            changes = ChangeBatch()
            slot = changes.touch("staff", row["id"])
            row["version"] = changes.write(session, lambda _e, _i: staff_data(row), now) + slot
            changes_repo.scope_to_store(session, "staff", row["id"], store_code)
            catalog.insert_staff(session, [row])
        return staff_data(row)

    def reset_pin(self, staff_code: str, pin: str) -> dict[str, Any]:
        """A new PIN (the program's length rules for the staff member's role); the
        store's tills receive the new hash at their next pull."""
        with self.database.read() as session:
            program = _current_program(session)
            role = _staff(session, staff_code).role
        check_staff_pin(pin, role, program)
        hashed = PasswordHasher().hash(pin)  # outside the write transaction: it is slow
        with self.database.write() as session:
            staff = _staff(session, staff_code)
            staff.pin_hash = hashed
            return self._publish(session, staff, left=None)

    def set_active(self, staff_code: str, active: bool) -> dict[str, Any]:
        with self.database.write() as session:
            staff = _staff(session, staff_code)
            staff.active = active
            return self._publish(session, staff, left=None)

    def move(self, staff_code: str, store_code: str | None) -> dict[str, Any]:
        """The staff member works at ``store_code`` from now on (None: chain-wide): the
        old store's terminals delete them, the new store's receive them."""
        with self.database.write() as session:
            staff = _staff(session, staff_code)
            _open_store(session, store_code)
            old = staff.store_code
            if old == store_code:
                return staff_data({c: getattr(staff, c) for c in _COLUMNS})
            staff.store_code = store_code
            return self._publish(session, staff, left=(old,))

    @staticmethod
    def _publish(session: Session, staff: Staff, left: tuple[str | None] | None) -> dict[str, Any]:
        row = {c: getattr(staff, c) for c in _COLUMNS}
        changes = ChangeBatch()
        if left is not None:  # first the delete at the old store, then the upsert
            changes.touch("staff", staff_left_id(staff.id, left[0]), op="delete")
        slot = changes.touch("staff", staff.id)
        staff.version = changes.write(session, lambda _e, _i: staff_data(row), utcnow()) + slot
        changes_repo.scope_to_store(session, "staff", staff.id, staff.store_code)
        if left is not None:
            changes_repo.scope_to_store(session, "staff", staff_left_id(staff.id, left[0]), left[0])
        return staff_data(row)


def _staff(session: Session, staff_code: str) -> Staff:
    staff = catalog.get_staff_by_code(session, staff_code)
    if staff is None:
        raise NotFound(f"No staff {staff_code}.", code="unknown_staff")
    return staff


def _open_store(session: Session, store_code: str | None) -> None:
    """Refuse a store that does not exist or is deactivated (None: chain-wide)."""
    if store_code is None:
        return
    store = catalog.get_store(session, store_code)
    if store is None:
        raise NotFound(f"No store {store_code!r}; add it first.", code="unknown_store")
    if not store.active:
        raise Conflict(f"Store {store_code} is deactivated.", code="store_inactive")


def _current_program(session: Session) -> LoyaltyProgram:
    row = catalog.get_program(session, catalog.latest_program_version(session))
    assert row is not None
    return LoyaltyProgram.model_validate_json(row.body)
