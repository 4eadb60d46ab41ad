"""Members and coupons in the replica."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from terminal.offline.models import Coupon, Member

# Sorts after every character SQLite can hold, so [prefix, prefix + HIGH) is a prefix range.
_HIGH = "\U0010ffff"


def name_key(name: str) -> str:
    """Search key of a name: NFKC, casefolded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class MemberRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, member_id: str) -> Member | None:
        return self.session.get(Member, member_id)

    def by_code(self, member_code: str) -> Member | None:
        return self.session.scalars(
            select(Member).where(Member.member_code == member_code)
        ).one_or_none()

    def by_phone_hash(self, phone_hash: str) -> Sequence[Member]:
        return self.session.scalars(
            select(Member)
            .where(Member.phone_hash == phone_hash)
            .order_by(Member.name_key, Member.member_code)
        ).all()

    def search_last4(self, last4: str, *, offset: int, limit: int) -> Sequence[Member]:
        return self.session.scalars(
            select(Member)
            .where(Member.phone_last4 == last4)
            .order_by(Member.name_key, Member.member_code)
            .offset(offset)
            .limit(limit)
        ).all()

    def search_name(self, prefix_key: str, *, offset: int, limit: int) -> Sequence[Member]:
        return self.session.scalars(
            select(Member)
            .where(Member.name_key >= prefix_key, Member.name_key < prefix_key + _HIGH)
            .order_by(Member.name_key, Member.member_code)
            .offset(offset)
            .limit(limit)
        ).all()

    def add(self, member: Member) -> Member:
        self.session.add(member)
        self.session.flush()
        return member

    def remove(self, member_id: str) -> bool:
        result = self.session.execute(delete(Member).where(Member.member_id == member_id))
        return bool(getattr(result, "rowcount", 0))


class CouponRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, coupon_id: str) -> Coupon | None:
        return self.session.get(Coupon, coupon_id)

    def for_member(self, member_id: str) -> Sequence[Coupon]:
        return self.session.scalars(
            select(Coupon).where(Coupon.member_id == member_id).order_by(Coupon.coupon_id)
        ).all()

    def add(self, coupon: Coupon) -> Coupon:
        self.session.add(coupon)
        self.session.flush()
        return coupon
