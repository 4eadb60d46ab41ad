"""What a stolen till gives away (issue 11), on a real till synced from a real server:
its replica file and the key from its keyring, as a thief would have them."""

from __future__ import annotations

import hashlib
import hmac
import re
import sqlite3
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select

from shared.errors import DomainError
from sync_server.models import Member as ServerMember
from sync_server.services.staff import StaffAdminService
from terminal.offline.models import Staff
from tests.contract.conftest import CASHIER, HeadOffice, Till
from tests.sync_server.helpers import ensure_store

_MASKED = re.compile(r"^\d{3}\*+\d{4}$")


def _server_phones(head_office: HeadOffice) -> dict[str, str]:
    with head_office.database.read() as session:
        rows = session.execute(select(ServerMember.id, ServerMember.phone_e164)).all()
    return {member_id: phone for member_id, phone in rows if phone}


def _stolen_rows(till: Till) -> list[dict[str, object]]:
    """Every member row of the replica file, read as a thief would: all columns."""
    with sqlite3.connect(till.replica.path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM members")]


def test_a_stolen_till_gives_no_phone_for_ten_thousand_guesses(
    make_till: Callable[[str], Till], head_office: HeadOffice
) -> None:
    """The attack of the report: first 3 digits (then shown masked) + last 4 known, 10^4
    HMAC guesses for the middle. Given even the true first 3 digits, no stored value
    matches any guess: the only hash on the till is the slow one."""
    till = make_till("T1")
    key = till.sync.credentials.phone_hash_key()  # what the keyring gives a thief
    phones = _server_phones(head_office)
    rows = _stolen_rows(till)
    assert len(rows) == len(phones) == 40
    recovered = 0
    for row in rows[:8]:
        values = {str(v) for v in row.values() if v is not None}
        assert not any(_MASKED.match(v) for v in values), row  # no first digits shown
        true = phones[str(row["member_id"])]
        prefix, last4 = true[:6], str(row["phone_last4"])  # +86 and 3 digits: generous
        assert true.endswith(last4)
        for middle in range(10_000):
            guess = f"{prefix}{middle:04d}{last4}"
            if hmac.new(key, guess.encode(), hashlib.sha256).hexdigest() in values:
                recovered += 1
                break
        national = true[3:]
        assert not any(national[:7] in v for v in values)  # nor 7+ leading digits
    assert recovered == 0
    # ...while the cashier still finds a member by the full number (one slow hash).
    member_id, phone = next(iter(phones.items()))
    assert till.services.lookup.by_phone(phone[3:]).member_id == member_id
    tail = till.services.lookup.by_phone_last4(phone[-4:])
    assert member_id in {m.member_id for m in tail.items}
    assert all(m.phone_masked == "****" + phone[-4:] for m in tail.items)


def _staff_codes(till: Till) -> set[str]:
    with till.replica.read() as session:
        return set(session.execute(select(Staff.staff_code)).scalars())


def test_a_till_holds_its_own_stores_staff_and_loses_one_who_moves(
    make_till: Callable[[str], Till], head_office: HeadOffice
) -> None:
    ensure_store(head_office.database, "S002")
    staff = StaffAdminService(head_office.database)
    staff.add("M900", "Manager elsewhere", "manager", "864209", "S002")
    till = make_till("T1")
    held = _staff_codes(till)
    assert CASHIER[0] in held
    assert "M900" not in held

    staff.move(CASHIER[0], "S002")
    till.sync.sync_once()
    assert CASHIER[0] not in _staff_codes(till)
    with pytest.raises(DomainError) as refused:
        till.services.staff.sign_in(*CASHIER)
    assert refused.value.code == "invalid_pin"


def test_after_a_full_pull_staff_the_server_did_not_send_are_gone(
    make_till: Callable[[str], Till],
) -> None:
    """Migration t11c leaves every staff row at version 0 and the cursor empty: the full
    pull that follows re-confirms this store's staff; the rest (other stores') go."""
    till = make_till("T1")
    own = _staff_codes(till)
    with sqlite3.connect(till.replica.path) as db:
        db.execute(
            "INSERT INTO staff (staff_id, staff_code, name, role, pin_hash, active,"
            " failed_attempts, version) VALUES ('00000000-0000-4000-8000-000000000009',"
            " 'M777', 'Other store', 'manager', '$argon2id$x', 1, 0, 3)"
        )
        db.execute("UPDATE staff SET version = 0")
        db.execute("UPDATE terminal_state SET pull_cursor = NULL")
    till.sync.sync_once()
    assert _staff_codes(till) == own


def test_a_member_enrolled_at_one_till_is_found_by_full_phone_at_every_till(
    make_till: Callable[[str], Till],
) -> None:
    """The server computes the slow hash after the push (off the request): the enrolling
    till finds the member at once (its own hash), another till once the server sent it."""
    first, second = make_till("T1"), make_till("T2")
    receipt = first.services.enrollment.enroll(
        first.cashier, name="Li Lei", phone="13987654321", consent_marketing=False
    )
    first.sync.sync_once()
    assert first.services.lookup.by_phone("13987654321").member_id == receipt.member.member_id
    deadline = time.monotonic() + 60
    while True:
        second.sync.sync_once()
        try:
            found = second.services.lookup.by_phone("13987654321")
            break
        except DomainError:
            assert time.monotonic() < deadline, "the slow hash never reached the other till"
            time.sleep(0.2)
    assert found.member_id == receipt.member.member_id
