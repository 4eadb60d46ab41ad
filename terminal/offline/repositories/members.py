"""Members and coupons in the replica."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from terminal.offline.models import Coupon, Member

# Sorts after every character SQLite can hold, so [prefix, prefix + HIGH) is a prefix range.
_HIGH = "\U0010ffff"


def name_key(name: str) -> str:
    """Search key of a name: NFKC, casefolded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


_ORDER = (Member.name_key, Member.member_code)
_BY_CODE = select(Member).where(Member.member_code == bindparam("code"))
_BY_PHONE_HASH = select(Member).where(Member.phone_hash == bindparam("digest")).order_by(*_ORDER)
_BY_LAST4 = (
    select(Member)
    .where(Member.phone_last4 == bindparam("last4"))
    .order_by(*_ORDER)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_BY_NAME = (
    select(Member)
    .where(Member.name_key >= bindparam("low"), Member.name_key < bindparam("high"))
    .order_by(*_ORDER)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)


class MemberRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, member_id: str) -> Member | None:
        return self.session.get(Member, member_id)

    def by_code(self, member_code: str) -> Member | None:
        return self.session.scalars(_BY_CODE, {"code": member_code}).one_or_none()

    def by_phone_hash(self, phone_hash: str) -> Sequence[Member]:
        return self.session.scalars(_BY_PHONE_HASH, {"digest": phone_hash}).all()

    def search_last4(self, last4: str, *, offset: int, limit: int) -> Sequence[Member]:
        params = {"last4": last4, "offset": offset, "limit": limit}
        return self.session.scalars(_BY_LAST4, params).all()

    def search_name(self, prefix_key: str, *, offset: int, limit: int) -> Sequence[Member]:
        params = {"low": prefix_key, "high": prefix_key + _HIGH, "offset": offset, "limit": limit}
        return self.session.scalars(_BY_NAME, params).all()

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
