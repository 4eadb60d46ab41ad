"""A member's profile edited at head office (the console's member page).

The fields follow ``member.updated`` (PROTOCOL.md): name, phone, e-mail, birthday,
marketing consent, with the same limits (``shared.protocol.MemberUpdatedData``). A new
phone is read in the member's store's region (a number with ``+`` anywhere), and gets
what a till's ``member.updated`` gives it at the server: the E.164 form, the HMAC and the
last 4 digits now, the slow hash from the process's background worker (argon2id is
never computed in a request), which publishes the member again. The change goes to
every till through the change log, like any member change; the edit is audited (the
fields changed, never their values).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from shared.domain.phone import mask_phone, normalize_phone, phone_hash, phone_last4
from shared.errors import NotFound, ValidationFailed
from shared.protocol import MemberUpdatedData
from sync_server.db import Database
from sync_server.repositories import accounts as audit_repo
from sync_server.repositories import catalog
from sync_server.repositories import members as members_repo
from sync_server.services.accounts import Principal
from sync_server.services.common import EventSink, member_data, utcnow
from sync_server.services.versioning import ChangeBatch

_FIELD_CODES = {"name": "invalid_name", "email": "invalid_email", "birthday": "invalid_birthday"}


@dataclass(frozen=True)
class ProfileChange:
    """What the form asks to change; None leaves a field as it is."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    birthday: date | str | None = None
    consent_marketing: bool | None = None


def phone_columns(key: bytes, region: str, raw: str) -> dict[str, str]:
    """The member row's phone columns for ``raw`` read in ``region``; the slow hash is
    left empty for the background worker."""
    e164 = normalize_phone(raw, region)
    return {
        "phone_e164": e164,
        "phone_hash": phone_hash(key, e164),
        "phone_last4": phone_last4(e164),
        "phone_masked": mask_phone(e164),
        "phone_slow_hash": "",
    }


def _checked(change: ProfileChange) -> MemberUpdatedData:
    try:
        data = MemberUpdatedData.model_validate(
            {k: v for k, v in vars(change).items() if v is not None}
        )
    except ValidationError as error:
        where = str(error.errors()[0].get("loc", ("",))[0])
        raise ValidationFailed(
            f"{where}: {error.errors()[0].get('msg')}",
            code=_FIELD_CODES.get(where, "invalid_input"),
        ) from None
    if data.birthday is not None and data.birthday > utcnow().date():
        raise ValidationFailed("The birthday is in the future.", code="invalid_birthday")
    if data.email is not None and data.email and "@" not in data.email:
        raise ValidationFailed("Not an e-mail address.", code="invalid_email")
    return data


class MemberProfileService:
    def __init__(
        self,
        database: Database,
        phones_changed: Callable[[], None] | None = None,
        events: EventSink | None = None,
    ) -> None:
        self.database = database
        self.phones_changed = phones_changed
        self.events = events  # member.updated for webhooks and the broker

    def update(self, who: Principal, member_code: str, change: ProfileChange) -> list[str]:
        """Apply the change; returns the names of the fields that changed."""
        who.require("edit_members")
        data = _checked(change)
        now = utcnow()
        with self.database.write() as session:
            member = members_repo.get_by_code(session, member_code.strip())
            if member is None or member.status == "erased":
                raise NotFound(f"No member {member_code}.", code="unknown_member")
            row = members_repo.lock_many(session, [member.id])[member.id]
            changed = self._apply(session, row, data)
            if not changed:
                raise ValidationFailed("Nothing was changed.", code="nothing_changed")
            if self.events is not None:
                self._tell(session, row, changed, who.name, now)
            changes = ChangeBatch()
            slot = changes.touch("member", member.id)
            row["updated_at"] = now
            base = changes.write(session, lambda _e, _i: member_data(row), now)
            row["version"] = base + slot
            members_repo.update_many(session, [row])
            audit_repo.add_audit(
                session, now, who.name, "member.update", member.member_code, "", ",".join(changed)
            )
        if "phone" in changed and self.phones_changed is not None:
            self.phones_changed()
        return changed

    def _tell(
        self, session: Any, row: dict[str, Any], changed: list[str], actor: str, now: datetime
    ) -> None:
        """``member.updated`` as a till's profile change is sent: the fields that changed
        by name; their new values only to endpoints allowed personal data."""
        assert self.events is not None
        data = {
            "member_id": row["id"],
            "member_code": row["member_code"],
            "changed": changed,
            "source": actor,
        }
        if "consent_marketing" in changed:
            data["consent_marketing"] = row["consent_marketing"]
        personal: dict[str, Any] = {
            name: (str(row[name]) if name == "birthday" and row[name] else row[name])
            for name in ("name", "email", "birthday")
            if name in changed
        }
        if "phone" in changed:
            personal["phone"] = row["phone_e164"]
        message = f"msg_{uuid.uuid4()}"
        self.events(session, "member.updated", row["id"], message, data, now, personal)

    @staticmethod
    def _apply(session: Any, row: dict[str, Any], data: MemberUpdatedData) -> list[str]:
        changed: list[str] = []
        if data.phone is not None:
            store = catalog.get_store(session, row["store_code"]) if row["store_code"] else None
            deployment = catalog.deployment(session)
            assert deployment is not None
            # a member without a store (minted at head office): only a +country number
            region = store.phone_region if store is not None else "ZZ"
            columns = phone_columns(bytes.fromhex(deployment.phone_hash_key), region, data.phone)
            if columns["phone_e164"] != row["phone_e164"]:
                row.update(columns)
                changed.append("phone")
        for field in ("name", "email", "birthday", "consent_marketing"):
            value = getattr(data, field)
            if field == "email" and value == "":
                value = None
            if value is not None and value != row[field]:
                row[field] = value
                changed.append(field)
        if data.consent_marketing is not None:
            row["consent_marketing_at"] = utcnow()  # asked and answered, changed or not
        if data.email == "" and row["email"] is not None:
            row["email"] = None
            changed.append("email")
        return changed
