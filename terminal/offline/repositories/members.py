"""Members and coupons in the replica."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from terminal.offline.models import Coupon, LocalEvent, Member, RetiredCode
from terminal.offline.repositories.events import PENDING_TIER_TEXT, PendingTotals
from terminal.offline.repositories.hot import MEMBER_BY_CODE

# Sorts after every character SQLite can hold, so [prefix, prefix + HIGH) is a prefix range.
_HIGH = "\U0010ffff"


def name_key(name: str) -> str:
    """Search key of a name: NFKC, casefolded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _pending_sum(column: Any) -> Any:
    """Correlated sum over the member's own unacknowledged events (index: member_id, status)."""
    return (
        select(func.coalesce(func.sum(column), 0))
        .where(LocalEvent.member_id == Member.member_id, LocalEvent.status == "pending")
        .correlate(Member)
        .scalar_subquery()
    )


# One statement per look-up: the member and what its pending events add.
_HITS = select(
    Member,
    _pending_sum(LocalEvent.points_delta),
    _pending_sum(LocalEvent.lifetime_delta),
    select(PENDING_TIER_TEXT)
    .where(LocalEvent.member_id == Member.member_id, LocalEvent.status == "pending")
    .correlate(Member)
    .scalar_subquery(),
)
_ORDER = (Member.name_key, Member.member_code)
_BY_ID = _HITS.where(Member.member_id == bindparam("member_id"))
_BY_CODE = _HITS.where(Member.member_code == bindparam("code"))
_BY_PHONE_HASH = _HITS.where(Member.phone_hash == bindparam("digest")).order_by(*_ORDER)
_BY_LAST4 = (
    _HITS.where(Member.phone_last4 == bindparam("last4"))
    .order_by(*_ORDER)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_BY_NAME = (
    _HITS.where(Member.name_key >= bindparam("low"), Member.name_key < bindparam("high"))
    .order_by(*_ORDER)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)

MemberHit = tuple[Member, PendingTotals]
# The look-up statements by name, for tools that compare them with raw SQL (bench/): a
# SQLAlchemy statement, or the SQL text itself where the service runs plain SQL.
LOOKUP_STATEMENTS: dict[str, Any] = {
    "code": MEMBER_BY_CODE,
    "phone_hash": _BY_PHONE_HASH,
    "last4": _BY_LAST4,
    "name": _BY_NAME,
}


class MemberRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, member_id: str) -> Member | None:
        return self.session.get(Member, member_id)

    def hit(self, member_id: str) -> MemberHit | None:
        """The member and what its pending events add, in one statement."""
        hits = self._hits(_BY_ID, {"member_id": member_id})
        return hits[0] if hits else None

    def by_code(self, member_code: str) -> MemberHit | None:
        hits = self._hits(_BY_CODE, {"code": member_code})
        return hits[0] if hits else None

    def replaced_card(self, member_code: str) -> str | None:
        """The member whose card ``member_code`` was replaced, or None."""
        row = self.session.get(RetiredCode, member_code)
        return row.member_id if row is not None else None

    def retired(self, member_code: str) -> RetiredCode | None:
        """Why ``member_code`` no longer finds a member: a replaced card, or (``merged``)
        a member head office merged into ``member_id``."""
        return self.session.get(RetiredCode, member_code)

    def retire_code(self, member_code: str, member_id: str, event_id: str | None = None) -> None:
        self.session.merge(
            RetiredCode(member_code=member_code, member_id=member_id, event_id=event_id)
        )

    def undo_replacement(self, event_id: str, new_code: str) -> None:
        """Head office rejected the card replacement ``event_id``: the member gets its old
        code back (unless its code changed since) and the old code works again."""
        retired = self.session.scalars(
            select(RetiredCode).where(RetiredCode.event_id == event_id)
        ).first()
        if retired is None:
            return
        member = self.get(retired.member_id)
        if member is not None and member.member_code == new_code:
            old_code = retired.member_code
            self.session.delete(retired)
            self.session.flush()
            member.member_code = old_code

    def by_phone_hash(self, phone_hash: str) -> list[MemberHit]:
        return self._hits(_BY_PHONE_HASH, {"digest": phone_hash})

    def search_last4(self, last4: str, *, offset: int, limit: int) -> list[MemberHit]:
        return self._hits(_BY_LAST4, {"last4": last4, "offset": offset, "limit": limit})

    def search_name(self, prefix_key: str, *, offset: int, limit: int) -> list[MemberHit]:
        params = {"low": prefix_key, "high": prefix_key + _HIGH, "offset": offset, "limit": limit}
        return self._hits(_BY_NAME, params)

    def _hits(self, statement: Any, params: dict[str, Any]) -> list[MemberHit]:
        rows = self.session.execute(statement, params).all()
        return [
            (member, PendingTotals(int(points), int(life), tier))
            for member, points, life, tier in rows
        ]

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

    def used_on_sale(self, member_id: str, sale_ref: str) -> int:
        """Coupons this till used on this receipt of the member (still used)."""
        found = self.session.scalar(
            select(func.count())
            .select_from(Coupon)
            .where(
                Coupon.member_id == member_id,
                Coupon.used_sale_ref == sale_ref,
                Coupon.status == "redeemed",
            )
        )
        return int(found or 0)

    def by_code(self, code: str) -> Coupon | None:
        """The coupon with this paper code (codes are unique across the chain)."""
        return self.session.scalars(select(Coupon).where(Coupon.code == code)).first()

    def for_member(self, member_id: str) -> Sequence[Coupon]:
        return self.session.scalars(
            select(Coupon).where(Coupon.member_id == member_id).order_by(Coupon.coupon_id)
        ).all()

    def add(self, coupon: Coupon) -> Coupon:
        self.session.add(coupon)
        self.session.flush()
        return coupon
