"""What sync keeps in the replica beside the events themselves: failed push attempts,
staff the server no longer sends, and forgetting what was pulled before a rebuild."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from terminal.offline.models import Coupon, LocalEvent, Member, OutboxRow, ProgramVersion, Staff


class SyncRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count_push_failure(self, event_ids: Sequence[str], error: str) -> None:
        """One more attempt on each still-pending event, and the error it met."""
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.event_id.in_(list(event_ids)), OutboxRow.status == "pending")
            .values(attempts=OutboxRow.attempts + 1, last_error=error[:2000])
        )

    def drop_unconfirmed_staff(self) -> int:
        """Staff at version 0 (not confirmed by the server since a rebuild); how many went."""
        gone = self.session.execute(delete(Staff).where(Staff.version == 0))
        return int(getattr(gone, "rowcount", 0) or 0)

    def forget_pulled(self) -> None:
        """Coupons and members go (except members whose enrolment here is still pending);
        staff and program versions go to 0, so that a rebuild re-applies them."""
        keep = select(LocalEvent.member_id).where(
            LocalEvent.type == "member.enrolled", LocalEvent.status == "pending"
        )
        self.session.execute(delete(Coupon))
        self.session.execute(delete(Member).where(Member.member_id.not_in(keep)))
        self.session.execute(update(Staff).values(version=0))
        self.session.execute(update(ProgramVersion).values(version=0))
