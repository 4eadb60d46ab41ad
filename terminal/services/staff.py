"""Staff sign-in by staff code and PIN; manager approval; lock-out after wrong PINs.

The PIN is checked outside any write transaction (argon2 is slow on purpose); the
failure counter and lock are then written in one short transaction, so they survive a
restart. Unknown codes and wrong PINs get the same answer.

Approvals are counted apart: whoever stands at the till can type a manager's code on
the void screen, so wrong approval PINs never lock the manager out of signing in. After
``APPROVAL_FREE_TRIES`` of them approvals with that code pause, for a time that doubles
with each further wrong PIN (``approval_pause_seconds``), and each pause is recorded as
a staff alert that the sync loop delivers to head office.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from shared.ids import uuid7
from terminal.offline.clock import from_text, to_text
from terminal.offline.models import Staff, StaffAlert
from terminal.offline.pins import PinHasher
from terminal.offline.repositories import StaffRepository
from terminal.offline.repositories.alerts import AlertRepository
from terminal.services.base import Service
from terminal.services.errors import ApprovalPaused, InvalidPin, ManagerRequired, StaffLocked
from terminal.services.views import StaffSession

_WRONG = "Unknown staff code or wrong PIN."
APPROVAL_FREE_TRIES = 3
APPROVAL_FIRST_PAUSE_SECONDS = 30
APPROVAL_MAX_PAUSE_SECONDS = 3_600
ALERT_APPROVAL_PINS = "staff.approval_pins_failed"


def approval_pause_seconds(failures: int) -> int:
    """The pause after ``failures`` wrong approval PINs in a row: none for the first
    ``APPROVAL_FREE_TRIES - 1``, then 30 s, doubling each time, at most an hour."""
    if failures < APPROVAL_FREE_TRIES:
        return 0
    doublings = min(failures - APPROVAL_FREE_TRIES, 16)
    return int(min(APPROVAL_FIRST_PAUSE_SECONDS * 2**doublings, APPROVAL_MAX_PAUSE_SECONDS))


def _session_of(staff: Staff, now: datetime) -> StaffSession:
    return StaffSession(
        staff_id=staff.staff_id,
        staff_code=staff.staff_code,
        name=staff.name,
        role=staff.role,
        signed_in_at=now,
    )


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
                return _session_of(staff_row, now)
            if locked_error is None:
                locked_error = self._count_failure(staff_row, now)
        raise locked_error

    def approve(self, staff_code: str, pin: str) -> StaffSession:
        """A manager enters their code and PIN to approve one operation.

        Wrong PINs here count apart from sign-in (see the module's notes)."""
        if not isinstance(staff_code, str) or not isinstance(pin, str) or not pin:
            raise InvalidPin(_WRONG)
        code = staff_code.strip()
        with self.replica.read() as session:
            staff = StaffRepository(session).by_code(code)
            if staff is None or not staff.active:
                raise InvalidPin(_WRONG)
            self._refuse_if_locked(staff, self.clock())
            self._refuse_if_paused(staff, self.clock())
            pin_hash = staff.pin_hash
        ok = self.pin_hasher().verify(pin_hash, pin)
        now = self.clock()
        approver: StaffSession | None = None
        error: InvalidPin | ApprovalPaused | None = None
        with self.replica.write() as session:
            row = StaffRepository(session).by_code(code)
            if row is None:
                raise InvalidPin(_WRONG)
            if ok:
                row.approval_failures = 0
                row.approval_paused_until = None
                approver = _session_of(row, now)
            else:
                error = self._count_approval_failure(session, row, now)
        if approver is None:
            raise error or InvalidPin(_WRONG)
        if not approver.is_manager:
            raise ManagerRequired(
                "Only a manager can approve this.", staff_code=approver.staff_code
            )
        return approver

    def _count_approval_failure(
        self, session: Session, staff: Staff, now: datetime
    ) -> InvalidPin | ApprovalPaused:
        staff.approval_failures = (staff.approval_failures or 0) + 1
        pause = approval_pause_seconds(staff.approval_failures)
        if not pause:
            left = APPROVAL_FREE_TRIES - staff.approval_failures
            return InvalidPin(_WRONG, approval_attempts_left=left)
        staff.approval_paused_until = to_text(now + timedelta(seconds=pause))
        AlertRepository(session).add(
            StaffAlert(
                alert_id=str(uuid7()),
                type=ALERT_APPROVAL_PINS,
                staff_id=staff.staff_id,
                staff_code=staff.staff_code,
                attempts=staff.approval_failures,
                pause_seconds=pause,
                occurred_at=to_text(now),
            )
        )
        return self._paused(staff, pause)

    @staticmethod
    def _paused(staff: Staff, seconds: int) -> ApprovalPaused:
        return ApprovalPaused(
            f"Too many wrong PINs to approve with {staff.staff_code}: approvals pause "
            f"for {seconds} s; head office is told. Signing in is not affected.",
            seconds_left=seconds,
            staff_code=staff.staff_code,
            attempts=staff.approval_failures,
        )

    def _refuse_if_paused(self, staff: Staff, now: datetime) -> None:
        if staff.approval_paused_until is None:
            return
        until = from_text(staff.approval_paused_until)
        if until > now:
            raise self._paused(staff, math.ceil((until - now).total_seconds()))

    def _count_failure(self, staff: Staff, now: datetime) -> InvalidPin | StaffLocked:
        staff.failed_attempts += 1
        if staff.failed_attempts >= self.settings.staff_max_failed_pins:
            staff.failed_attempts = 0
            staff.locked_until = to_text(now + timedelta(seconds=self.settings.staff_lock_seconds))
            return StaffLocked(
                "Too many wrong PINs: this staff member is locked for "
                f"{self.settings.staff_lock_seconds // 60} minutes.",
                seconds_left=self.settings.staff_lock_seconds,
                role=staff.role,
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
            role=staff.role,
        )

    def _refuse_if_locked(self, staff: Staff, now: datetime) -> None:
        error = self._locked_error(staff, now)
        if error is not None:
            raise error
