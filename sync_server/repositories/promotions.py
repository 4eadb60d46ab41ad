"""The promotions accepted earns received (what trigger limits count); never commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from sync_server.models import PromotionTrigger, table_of

_T = table_of(PromotionTrigger)


def trigger_days(
    session: Session, member_ids: Collection[str], codes: Collection[str]
) -> dict[tuple[str, str], list[tuple[str, date]]]:
    """(member, promotion) -> (earn, business day) of each earn that received it. A
    member receives a limited promotion a bounded number of times, so no date window."""
    if not member_ids or not codes:
        return {}
    rows = session.execute(
        select(_T.c.member_id, _T.c.promotion_code, _T.c.event_id, _T.c.business_date).where(
            _T.c.member_id.in_(sorted(member_ids)), _T.c.promotion_code.in_(sorted(codes))
        )
    )
    found: dict[tuple[str, str], list[tuple[str, date]]] = {}
    for member_id, code, event_id, day in rows:
        found.setdefault((member_id, code), []).append((event_id, day))
    return found


def add_triggers(session: Session, rows: Sequence[tuple[str, str, str, date]]) -> None:
    """Rows of (event_id, promotion_code, member_id, business_date)."""
    if rows:
        session.execute(
            insert(_T),
            [
                {"event_id": e, "promotion_code": c, "member_id": m, "business_date": d}
                for e, c, m, d in rows
            ],
        )


def drop_triggers(session: Session, event_ids: Collection[str]) -> None:
    if event_ids:
        session.execute(delete(_T).where(_T.c.event_id.in_(sorted(event_ids))))
