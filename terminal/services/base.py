"""What every service is built from: the replica, settings, a clock and the keyring."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from shared.domain.business_day import business_date
from shared.domain.program import LoyaltyProgram
from shared.domain.tier_rules import utc_day
from terminal.config import TerminalSettings
from terminal.offline.clock import Clock, utc_now
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.repositories import (
    MemberHit,
    MemberRepository,
    PendingTotals,
    StaffRepository,
    StoreRepository,
)
from terminal.services.errors import (
    ManagerRequired,
    MemberInactive,
    SignInRequired,
    UnknownMember,
)
from terminal.services.views import MemberView, StaffSession


class Service:
    def __init__(
        self,
        replica: Replica,
        settings: TerminalSettings,
        *,
        clock: Clock = utc_now,
        credentials: CredentialStore | None = None,
    ) -> None:
        self.replica = replica
        self.settings = settings
        self.clock = clock
        self.credentials = credentials or CredentialStore(settings.keyring_service)

    def today(self) -> date:
        """The UTC day of the service's clock (a tier qualified by period counts on it)."""
        return utc_day(self.clock())


def require_member(session: Session, member_id: str, *, active: bool = False) -> MemberHit:
    """The member and its pending totals, or ``unknown_member`` / ``member_inactive``."""
    hit = MemberRepository(session).hit(member_id)
    check_member(member_id, None if hit is None else hit[0].status, active=active)
    assert hit is not None
    return hit


def check_member(member_id: str, status: str | None, *, active: bool = False) -> None:
    """``unknown_member`` if there is no such member (``status`` None), ``member_inactive``
    if ``active`` is asked and its account is not active."""
    if status is None:
        raise UnknownMember("No such member on this terminal.", member_id=member_id)
    if active and status != "active":
        raise MemberInactive(
            f"This member's account is {status}; no points can change.", status=status
        )


def view_after(
    hit: MemberHit,
    program: LoyaltyProgram,
    *,
    points: int = 0,
    lifetime: int = 0,
    today: date | None = None,
) -> MemberView:
    """The member as shown once this transaction's own pending event is added (a tier
    qualified by period counted on ``today``, the UTC day of the service's clock)."""
    member, pending = hit
    totals = PendingTotals(pending.points + points, pending.lifetime + lifetime, pending.tier)
    return MemberView.build(member, totals, program, today)


def require_manager(session: Session, staff: StaffSession) -> None:
    """The session must be a manager's, and that manager must still be active here."""
    row = StaffRepository(session).get(staff.staff_id)
    if not staff.is_manager or row is None or row.role != "manager" or not row.active:
        raise ManagerRequired("A manager must approve this (manager PIN).")


def require_staff(session: Session, staff: StaffSession) -> None:
    row = StaffRepository(session).get(staff.staff_id)
    check_staff(None if row is None else row.active)


def check_staff(active: bool | None) -> None:
    """``sign_in_required`` unless the staff member is here (``active`` not None) and active."""
    if not active:
        raise SignInRequired("This staff member can no longer sign in here: sign in again.")


def store_day(session: Session, now: datetime) -> str:
    """The store's business date of ``now`` (ISO), as local events record it."""
    store = StoreRepository(session).require()
    return business_date(now, store.timezone, store.closing_time).isoformat()
