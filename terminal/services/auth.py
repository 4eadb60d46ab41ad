"""Staff sign-in by staff code and PIN; manager approval; lock-out after wrong PINs.

The PIN is checked outside any write transaction (argon2 is slow on purpose); the
failure counter and lock are then written in one short transaction, so they survive a
restart. Unknown codes and wrong PINs get the same answer.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from terminal.offline.clock import from_text, to_text
from terminal.offline.models import Staff
from terminal.offline.pins import PinHasher
from terminal.offline.repositories import StaffRepository
from terminal.services.base import Service
from terminal.services.errors import InvalidPin, ManagerRequired, StaffLocked
from terminal.services.views import StaffSession

_WRONG = "Unknown staff code or wrong PIN."


class StaffService(Service):
    def pin_hasher(self) -> PinHasher:
        params = self.settings.argon2
        return PinHasher(
            time_cost=params.time_cost,
            memory_cost_kib=params.memory_cost_kib,
            parallelism=params.parallelism,
        )

    def sign_in(self, staff_code: str, pin: str) -> StaffSession:
        """A session for this staff member, or ``invalid_pin`` / ``staff_locked``."""
        if not isinstance(staff_code, str) or not isinstance(pin, str) or not pin:
            raise InvalidPin(_WRONG)
        code = staff_code.strip()
        with self.replica.read() as session:
            staff = StaffRepository(session).by_code(code)
            if staff is None or not staff.active:
                raise InvalidPin(_WRONG)
            self._refuse_if_locked(staff, self.clock())
            pin_hash = staff.pin_hash
        ok = self.pin_hasher().verify(pin_hash, pin)
        now = self.clock()
        with self.replica.write() as session:
            staff_row = StaffRepository(session).by_code(code)
            if staff_row is None:
                raise InvalidPin(_WRONG)
            locked_error: InvalidPin | StaffLocked | None = self._locked_error(staff_row, now)
            if locked_error is None and ok:
                staff_row.failed_attempts = 0
                staff_row.locked_until = None
                return StaffSession(
                    staff_id=staff_row.staff_id,
                    staff_code=staff_row.staff_code,
                    name=staff_row.name,
                    role=staff_row.role,
                    signed_in_at=now,
                )
            if locked_error is None:
                locked_error = self._count_failure(staff_row, now)
        raise locked_error

    def approve(self, staff_code: str, pin: str) -> StaffSession:
        """A manager enters their code and PIN to approve one operation."""
        approver = self.sign_in(staff_code, pin)
        if not approver.is_manager:
            raise ManagerRequired(
                "Only a manager can approve this.", staff_code=approver.staff_code
            )
        return approver

    def _count_failure(self, staff: Staff, now: datetime) -> InvalidPin | StaffLocked:
        staff.failed_attempts += 1
        if staff.failed_attempts >= self.settings.staff_max_failed_pins:
            staff.failed_attempts = 0
            staff.locked_until = to_text(now + timedelta(seconds=self.settings.staff_lock_seconds))
            return StaffLocked(
                "Too many wrong PINs: this staff member is locked for "
                f"{self.settings.staff_lock_seconds // 60} minutes.",
                seconds_left=self.settings.staff_lock_seconds,
            )
        left = self.settings.staff_max_failed_pins - staff.failed_attempts
        return InvalidPin(_WRONG, attempts_left=left)

    def _locked_error(self, staff: Staff, now: datetime) -> StaffLocked | None:
        if staff.locked_until is None:
            return None
        until = from_text(staff.locked_until)
        if until <= now:
            return None
        seconds = math.ceil((until - now).total_seconds())
        return StaffLocked(
            f"This staff member is locked after too many wrong PINs; try again in {seconds} s.",
            seconds_left=seconds,
        )

    def _refuse_if_locked(self, staff: Staff, now: datetime) -> None:
        error = self._locked_error(staff, now)
        if error is not None:
            raise error
