"""A member's profile changed at the till: name, phone, birthday, marketing consent.

Each change is one ``member.updated`` event (PROTOCOL.md) written with its effect on the
replica in one transaction. A new phone is kept as a till keeps every phone: its last 4
digits and its slow keyed hash; the full number is only in the outbox payload, which
loses it once head office has the event (``SyncStore``). A phone another member already
has is refused before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.domain.phone import normalize_phone, phone_last4, phone_slow_hash
from shared.errors import ValidationFailed
from terminal.offline.outbox import NewEvent, record_event
from terminal.offline.repositories import (
    MemberRepository,
    ProgramRepository,
    StoreRepository,
    TerminalStateRepository,
)
from terminal.offline.repositories import name_key as make_name_key
from terminal.services.base import Service, require_member, require_staff, view_after
from terminal.services.errors import PhoneInUse
from terminal.services.inputs import clean_birthday, clean_consent, clean_name, member_key
from terminal.services.views import Receipt, StaffSession


@dataclass(frozen=True, slots=True)
class ProfileEdit:
    """What the cashier changes; None leaves a field as it is."""

    name: str | None = None
    phone: str | None = None
    birthday: date | str | None = None
    consent_marketing: bool | None = None


class ProfileService(Service):
    def update(self, staff: StaffSession, member_id: str, edit: ProfileEdit) -> Receipt:
        """Record the changed fields as ``member.updated``; ``nothing_changed`` if none."""
        mid = member_key(member_id)
        now = self.clock()
        data: dict[str, Any] = {}
        name = None if edit.name is None or not edit.name.strip() else clean_name(edit.name)
        born = clean_birthday(edit.birthday, now.date())
        if edit.consent_marketing is not None:
            data["consent_marketing"] = clean_consent(edit.consent_marketing)
        if born is not None:
            data["birthday"] = born.isoformat()
        e164 = digest = None
        if edit.phone is not None and edit.phone.strip():
            with self.replica.read() as session:
                region = StoreRepository(session).require().phone_region
            e164 = normalize_phone(edit.phone, region)
            # slow on purpose (argon2id): outside the write lock
            digest = phone_slow_hash(self.credentials.phone_hash_key(), e164)
        with self.replica.write() as session:
            require_staff(session, staff)
            hit = require_member(session, mid, active=True)
            member = hit[0]
            if name is not None and name != member.display_name:
                data["name"] = name
                member.display_name = name
                member.name_key = make_name_key(name)
            if e164 is not None and digest is not None and digest != member.phone_hash:
                others = [m for m, _ in MemberRepository(session).by_phone_hash(digest)]
                if any(other.member_id != mid for other in others):
                    raise PhoneInUse("Another member already has this phone number.")
                data["phone"] = e164
                member.phone_last4 = phone_last4(e164)
                member.phone_hash = digest
            if not data:
                raise ValidationFailed("Nothing was changed.", code="nothing_changed")
            event = record_event(
                session,
                NewEvent(type="member.updated", member_id=mid, staff_id=staff.staff_id, data=data),
                occurred_at=now,
            )
            view = view_after(hit, ProgramRepository(session).current(), today=self.today())
            return Receipt(event.event_id, event.seq, event.type, 0, None, view)

    def replace_card(self, staff: StaffSession, member_id: str) -> Receipt:
        """A lost card: the member gets a new code minted here (like an enrolment's);
        the old code is retired at once here, and on every till once synced."""
        mid = member_key(member_id)
        now = self.clock()
        with self.replica.write() as session:
            require_staff(session, staff)
            hit = require_member(session, mid, active=True)
            member = hit[0]
            members = MemberRepository(session)
            state = TerminalStateRepository(session)
            code = state.allocate_member_code()
            while members.by_code(code) is not None or members.replaced_card(code) is not None:
                code = state.allocate_member_code()
            old = member.member_code
            member.member_code = code
            event = record_event(
                session,
                NewEvent(
                    type="member.card_replaced",
                    member_id=mid,
                    staff_id=staff.staff_id,
                    data={"member_code": code},
                ),
                occurred_at=now,
            )
            members.retire_code(old, mid, event.event_id)
            view = view_after(hit, ProgramRepository(session).current(), today=self.today())
            return Receipt(event.event_id, event.seq, event.type, 0, None, view)
