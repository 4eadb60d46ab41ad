"""Queries of a member merge (``services/member_merge.py``): what moves from the merged
member to the survivor, counted and moved in the merge's transaction (never commit)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sync_server.models import (
    Coupon,
    LedgerEvent,
    Member,
    MemberExternalId,
    PromotionTrigger,
    SaleReturn,
)


def history_count(session: Session, member_id: str) -> int:
    return int(session.scalar(select(func.count()).where(LedgerEvent.member_id == member_id)) or 0)


def coupon_ids(session: Session, member_id: str, *, available_only: bool = False) -> list[str]:
    query = select(Coupon.id).where(Coupon.member_id == member_id)
    if available_only:
        query = query.where(Coupon.status == "available")
    return [str(i) for i in session.scalars(query.order_by(Coupon.id))]


def move_history(session: Session, merged_id: str, survivor_id: str) -> None:
    """The merged member's ledger rows, promotion triggers, sale returns and external
    ids become the survivor's (the stored payloads stay as the tills sent them)."""
    for model in (LedgerEvent, PromotionTrigger, SaleReturn, MemberExternalId):
        session.execute(
            update(model).where(model.member_id == merged_id).values(member_id=survivor_id)
        )


def move_coupon(session: Session, coupon_id: str, survivor_id: str, version: int) -> None:
    session.execute(
        update(Coupon).where(Coupon.id == coupon_id).values(member_id=survivor_id, version=version)
    )


def repoint_merged(session: Session, merged_id: str, survivor_id: str) -> None:
    """Members merged earlier into the member merged now follow it to the survivor
    (one step always reaches an active member)."""
    session.execute(
        update(Member).where(Member.merged_into == merged_id).values(merged_into=survivor_id)
    )


def coupon_row(session: Session, coupon_id: str) -> Coupon | None:
    return session.get(Coupon, coupon_id)
