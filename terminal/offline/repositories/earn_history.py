"""What this till knows of a member's past purchases: for promotions' member facts
and their trigger limits (never commits)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from terminal.offline.clock import from_text
from terminal.offline.models import EarnPromotion, LocalEvent, StoreSettingsRow


@dataclass(frozen=True, slots=True)
class EarnHistory:
    """This member's earns recorded here (not voided, not rejected): how many, the last."""

    count: int
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class StorePlace:
    """What promotions ask of the store: its code, time zone and closing time."""

    store_code: str
    timezone: str
    closing_time: str


_PLACE = select(
    StoreSettingsRow.store_code, StoreSettingsRow.timezone, StoreSettingsRow.closing_time
).where(StoreSettingsRow.id == 1)


def store_place(session: Session) -> StorePlace | None:
    """Three columns, not the ORM row: the earn preview reads nothing else of it."""
    row = session.execute(_PLACE).one_or_none()
    return None if row is None else StorePlace(row[0], row[1], row[2])


_HISTORY = select(func.count(), func.max(LocalEvent.occurred_at)).where(
    LocalEvent.member_id == bindparam("member_id"),
    LocalEvent.type == "points.earned",
    LocalEvent.status != "rejected",
    LocalEvent.voided_by.is_(None),
)


def earn_history(session: Session, member_id: str) -> EarnHistory:
    count, last = session.execute(_HISTORY, {"member_id": member_id}).one()
    return EarnHistory(int(count), from_text(last) if last else None)


_PROMOTION_DAYS = (
    select(EarnPromotion.code, EarnPromotion.business_date)
    .join(LocalEvent, LocalEvent.event_id == EarnPromotion.event_id)
    .where(
        EarnPromotion.member_id == bindparam("member_id"),
        LocalEvent.status != "rejected",
        LocalEvent.voided_by.is_(None),
    )
)


def promotion_days(
    session: Session, member_id: str, codes: Collection[str]
) -> dict[str, list[date]]:
    """Promotion code -> the business days this member's earns here received it (earns
    not voided, not rejected), for ``codes``. One cached statement: a member has few
    such rows (only limited promotions are recorded)."""
    if not codes:
        return {}
    found: dict[str, list[date]] = {}
    for code, day in session.execute(_PROMOTION_DAYS, {"member_id": member_id}):
        if code in codes:
            found.setdefault(code, []).append(date.fromisoformat(day))
    return found


def record_promotions(session: Session, event: LocalEvent, codes: Sequence[str]) -> None:
    """The promotions this earn received, beside its event (same transaction; the
    event is flushed already). One Core insert, not the ORM's unit of work."""
    session.execute(
        insert(EarnPromotion),
        [
            {
                "event_id": event.event_id,
                "code": code,
                "member_id": event.member_id,
                "business_date": event.business_date,
            }
            for code in codes
        ],
    )
