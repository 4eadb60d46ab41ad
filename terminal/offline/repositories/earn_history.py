"""What this till knows of a member's past purchases (for promotions' member facts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from terminal.offline.clock import from_text
from terminal.offline.models import LocalEvent


@dataclass(frozen=True, slots=True)
class EarnHistory:
    """This member's earns recorded here (not voided, not rejected): how many, the last."""

    count: int
    last_at: datetime | None


_HISTORY = select(func.count(), func.max(LocalEvent.occurred_at)).where(
    LocalEvent.member_id == bindparam("member_id"),
    LocalEvent.type == "points.earned",
    LocalEvent.status != "rejected",
    LocalEvent.voided_by.is_(None),
)


def earn_history(session: Session, member_id: str) -> EarnHistory:
    count, last = session.execute(_HISTORY, {"member_id": member_id}).one()
    return EarnHistory(int(count), from_text(last) if last else None)
