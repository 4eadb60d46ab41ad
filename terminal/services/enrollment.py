"""Enrolling a member: mint the code, keep replica fields, put the profile in the outbox.

The full phone number, email and birthday are written only into the outbox payload
(the wire event); the members table gets the last 4 digits, the keyed hash and a masked
form. Once the server acknowledges the event the payload loses them too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.domain.phone import normalize_phone, phone_last4, phone_slow_hash
from shared.ids import uuid7
from terminal.offline.models import Member
from terminal.offline.outbox import NewEvent, record_event
from terminal.offline.repositories import (
    MemberRepository,
    PendingTotals,
    ProgramRepository,
    StoreRepository,
    TerminalStateRepository,
    name_key,
)
from terminal.services.base import Service, require_staff, view_after
from terminal.services.errors import MemberExists
from terminal.services.inputs import clean_birthday, clean_consent, clean_email, clean_name
from terminal.services.views import Receipt, StaffSession


class EnrollmentService(Service):
    def enroll(
        self,
        staff: StaffSession,
        *,
        name: str,
        phone: str,
        consent_marketing: bool,
        email: str | None = None,
        birthday: date | str | None = None,
    ) -> Receipt:
        now = self.clock()
        clean = clean_name(name)
        mail = clean_email(email)
        born = clean_birthday(birthday, now.date())
        consent = clean_consent(consent_marketing)
        key = self.credentials.phone_hash_key()
        with self.replica.read() as session:
            region = StoreRepository(session).require().phone_region
        e164 = normalize_phone(phone, region)
        digest = phone_slow_hash(key, e164)  # slow on purpose: outside the write lock
        with self.replica.write() as session:
            require_staff(session, staff)
            members = MemberRepository(session)
            if members.by_phone_hash(digest):
                raise MemberExists("A member with this phone number already exists.")
            state = TerminalStateRepository(session)
            code = state.allocate_member_code()
            while members.by_code(code) is not None:  # e.g. a terminal re-paired with its prefix
                code = state.allocate_member_code()
            member = members.add(
                Member(
                    member_id=str(uuid7()),
                    member_code=code,
                    display_name=clean,
                    name_key=name_key(clean),
                    phone_last4=phone_last4(e164),
                    phone_hash=digest,
                    tier=ProgramRepository(session).current().tiers[0].code,
                    balance=0,
                    lifetime_points=0,
                    status="active",
                    version=0,
                )
            )
            data: dict[str, Any] = {
                "member_code": code,
                "name": clean,
                "phone": e164,
                "consent_marketing": consent,
            }
            if mail is not None:
                data["email"] = mail
            if born is not None:
                data["birthday"] = born.isoformat()
            event = record_event(
                session,
                NewEvent(
                    type="member.enrolled",
                    member_id=member.member_id,
                    staff_id=staff.staff_id,
                    data=data,
                ),
                occurred_at=now,
            )
            view = view_after(
                (member, PendingTotals()), ProgramRepository(session).current(), today=self.today()
            )
            return Receipt(event.event_id, event.seq, event.type, 0, None, view)
