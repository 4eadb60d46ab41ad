"""Finding a member: by code, by scanned QR payload, by phone, by phone tail, by name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from shared.domain.member_code import parse_scan, validate_member_code
from shared.domain.money import check_int
from shared.domain.phone import normalize_phone, phone_slow_hash
from shared.errors import ValidationFailed
from terminal.offline.repositories import (
    CouponRepository,
    EventRepository,
    MemberHit,
    MemberRepository,
    ProgramRepository,
    StoreRepository,
    name_key,
)
from terminal.offline.repositories.hot import MEMBER_BY_CODE, member_by_code
from terminal.services.base import Service, require_member, view_after
from terminal.services.errors import CardReplaced, UnknownMember
from terminal.services.inputs import member_key
from terminal.services.member_history import AccountView, account_view
from terminal.services.views import CouponView, EventView, MemberPage, MemberView

MAX_NAME_QUERY = 100


class LookupService(Service):
    def by_code(self, member_code: str) -> MemberView:
        code = validate_member_code(member_code)
        # One statement on the replica's own connection: the member, its pending sums
        # and the current program (the commonest look-up: every scanned card).
        found = member_by_code(self.replica.fetch(MEMBER_BY_CODE, (code,)))
        if found is None:
            with self.replica.read() as session:
                members = MemberRepository(session)
                retired = members.retired(code)
                if retired is not None and retired.merged:
                    # head office merged this card's member into another: that one answers
                    survivor = members.hit(retired.member_id)
                    if survivor is not None:
                        view = MemberView.build(*survivor, ProgramRepository(session).current())
                        return replace(view, merged_code=code)
                elif retired is not None:
                    raise CardReplaced("This card was replaced by a new one.", member_code=code)
            raise UnknownMember(f"No member with code {code}.", member_code=code)
        return MemberView.from_row(*found, self.today())

    def by_scan(self, payload: str) -> MemberView:
        """A scanned QR payload (``MBR:<code>``) or a bare code from a 1-D barcode."""
        return self.by_code(parse_scan(payload))

    def by_phone(self, phone: str) -> MemberView:
        """The member with this full phone number (matched through its slow keyed hash:
        one argon2id per lookup, see shared.domain.phone)."""
        with self.replica.read() as session:
            region = StoreRepository(session).require().phone_region
        e164 = normalize_phone(phone, region)
        digest = phone_slow_hash(self.credentials.phone_hash_key(), e164)
        with self.replica.read() as session:
            found = MemberRepository(session).by_phone_hash(digest)
            if not found:
                raise UnknownMember("No member with this phone number.")
            return MemberView.build(*found[0], ProgramRepository(session).current(), self.today())

    def by_phone_last4(self, last4: str, page: int = 0) -> MemberPage:
        digits = last4.strip() if isinstance(last4, str) else ""
        if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
            raise ValidationFailed("Enter the last 4 digits of the phone.", code="invalid_phone")
        page = self._page(page)
        size = self.settings.page_size
        with self.replica.read() as session:
            rows = MemberRepository(session).search_last4(
                digits, offset=page * size, limit=size + 1
            )
            return self._page_of(session, rows, page)

    def by_name(self, prefix: str, page: int = 0) -> MemberPage:
        key = name_key(prefix) if isinstance(prefix, str) else ""
        if not key or len(key) > MAX_NAME_QUERY:
            raise ValidationFailed("Enter the beginning of the member's name.", code="invalid_name")
        page = self._page(page)
        size = self.settings.page_size
        with self.replica.read() as session:
            rows = MemberRepository(session).search_name(key, offset=page * size, limit=size + 1)
            return self._page_of(session, rows, page)

    def member(self, member_id: str) -> MemberView:
        mid = member_key(member_id)
        with self.replica.read() as session:
            return view_after(
                require_member(session, mid),
                ProgramRepository(session).current(),
                today=self.today(),
            )

    def coupons(self, member_id: str) -> list[CouponView]:
        mid = member_key(member_id)
        with self.replica.read() as session:
            require_member(session, mid)
            return [CouponView.build(c) for c in CouponRepository(session).for_member(mid)]

    def history(self, member_id: str, limit: int = 50) -> list[EventView]:
        """This terminal's own events for a member, newest first (rejected ones included)."""
        mid = member_key(member_id)
        with self.replica.read() as session:
            events = EventRepository(session)
            return [
                EventView.build(e, _rejection(events, e.event_id, e.status))
                for e in events.for_member(mid, limit=limit)
            ]

    def account(self, member_id: str) -> AccountView:
        """The member's transactions at every till as head office last listed them,
        with this till's own not listed yet, and the points that will expire."""
        mid = member_key(member_id)
        with self.replica.read() as session:
            require_member(session, mid)
            return account_view(session, mid)

    def _page(self, page: object) -> int:
        number = check_int(page, what="Page", code="invalid_page")
        if number < 0 or number > 10_000:
            raise ValidationFailed("No such page.", code="invalid_page")
        return number

    def _page_of(self, session: Session, hits: Sequence[MemberHit], page: int) -> MemberPage:
        size = self.settings.page_size
        program = ProgramRepository(session).current()
        today = self.today()
        items = tuple(MemberView.build(m, pending, program, today) for m, pending in hits[:size])
        return MemberPage(items=items, page=page, has_more=len(hits) > size)


def _rejection(events: EventRepository, event_id: str, status: str) -> str | None:
    if status != "rejected":
        return None
    row = events.outbox_for_event(event_id)
    return row.rejection_code if row else None
