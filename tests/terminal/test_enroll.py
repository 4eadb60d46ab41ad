from __future__ import annotations

import json

import pytest

from shared.domain.member_code import (
    member_code_prefix,
    transposition_safe,
    validate_member_code,
)
from shared.errors import DomainError
from tests.terminal.conftest import Till, snapshot


def _outbox_payload(till: Till, event_id: str) -> dict[str, object]:
    with till.replica.engine.connect() as conn:
        raw = conn.exec_driver_sql(
            "SELECT payload FROM outbox WHERE event_id = ?", (event_id,)
        ).scalar_one()
    return dict(json.loads(raw))


def _all_text(till: Till) -> str:
    return repr(snapshot(till.replica))


def test_enroll_mints_a_code_and_keeps_pii_only_in_the_outbox(till: Till) -> None:
    cashier = till.cashier()
    receipt = till.services.enrollment.enroll(
        cashier,
        name="  Zoë 李  ",
        phone="138 1234 5678",
        email="zoe@example.com",
        birthday="1990-05-17",
        consent_marketing=True,
    )
    member = receipt.member
    assert validate_member_code(member.member_code) == member.member_code
    assert member_code_prefix(member.member_code) == till.seed.member_code_prefix
    assert (member.display_name, member.phone_masked, member.balance) == (
        "Zoë 李",
        "****5678",  # a till holds the last 4 digits only (issue 11)
        0,
    )
    payload = _outbox_payload(till, receipt.event_id)
    assert payload["type"] == "member.enrolled"
    data = payload["data"]
    assert isinstance(data, dict)
    assert data["phone"] == "+8613812345678"
    assert data["email"] == "zoe@example.com"
    assert data["birthday"] == "1990-05-17"
    assert data["consent_marketing"] is True
    # Outside the outbox payload, neither the full phone nor the email nor the birthday exist.
    with till.replica.engine.connect() as conn:
        members_text = repr(conn.exec_driver_sql("SELECT * FROM members").all())
        events_text = repr(conn.exec_driver_sql("SELECT * FROM local_events").all())
    for secret in ("13812345678", "zoe@example.com", "1990-05-17"):
        assert secret not in members_text
        assert secret not in events_text
    assert till.services.lookup.by_phone("13812345678").member_id == member.member_id
    second = till.services.enrollment.enroll(
        cashier, name="Second", phone="13812345679", consent_marketing=False
    )
    assert second.member.member_code != member.member_code
    for code in (member.member_code, second.member.member_code):
        assert transposition_safe(code)


def test_pii_is_purged_once_acknowledged(till: Till) -> None:
    receipt = till.services.enrollment.enroll(
        till.cashier(), name="Ann", phone="13812345678", email="a@b.cn", consent_marketing=True
    )
    till.sync.apply_push_results(
        [
            {
                "event_id": receipt.event_id,
                "status": "accepted",
                "member_balance": 0,
                "member_version": 1,
            }
        ]
    )
    data = _outbox_payload(till, receipt.event_id)["data"]
    assert isinstance(data, dict)
    assert "phone" not in data
    assert "email" not in data
    assert "13812345678" not in _all_text(till)
    assert "a@b.cn" not in _all_text(till)


def test_existing_phone_is_member_exists(till: Till) -> None:
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.enrollment.enroll(
            till.cashier(), name="Dup", phone=till.seed.members[0].phone, consent_marketing=True
        )
    assert err.value.code == "member_exists"
    assert snapshot(till.replica) == before


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": ""}, "invalid_name"),
        ({"name": "   "}, "invalid_name"),
        ({"name": "x" * 101}, "invalid_name"),
        ({"name": "bad\x00name"}, "invalid_name"),
        ({"name": "tab\tname"}, "invalid_name"),
        ({"name": "rtl\u202eeman"}, "invalid_name"),
        ({"name": 42}, "invalid_name"),
        ({"phone": "hello"}, "invalid_phone"),
        ({"phone": "123"}, "invalid_phone"),
        ({"phone": ""}, "invalid_phone"),
        ({"email": "not-an-email"}, "invalid_email"),
        ({"birthday": "1990-13-01"}, "invalid_birthday"),
        ({"birthday": "2999-01-01"}, "invalid_birthday"),
        ({"consent_marketing": "yes"}, "invalid_consent"),
    ],
)
def test_bad_enrolment_input_changes_nothing(
    till: Till, kwargs: dict[str, object], code: str
) -> None:
    cashier = till.cashier()
    before = snapshot(till.replica)
    args: dict[str, object] = {"name": "Valid", "phone": "13812345678", "consent_marketing": True}
    args.update(kwargs)
    with pytest.raises(DomainError) as err:
        till.services.enrollment.enroll(cashier, **args)  # type: ignore[arg-type]
    assert err.value.code == code
    assert snapshot(till.replica) == before


@pytest.mark.parametrize(
    "name",
    ["Robert'); DROP TABLE members;--", "王小明", "Ñandú 🦜 Ölçü", "a%_\\b", "👩‍👩‍👧 Family"],
)
def test_unicode_and_sql_looking_names_are_stored_verbatim(till: Till, name: str) -> None:
    receipt = till.services.enrollment.enroll(
        till.cashier(), name=name, phone="13812345678", consent_marketing=False
    )
    found = till.services.lookup.by_code(receipt.member.member_code)
    assert found.display_name == name
    assert any(m.member_id == found.member_id for m in till.services.lookup.by_name(name[:3]).items)
    with till.replica.engine.connect() as conn:  # the members table is still there, whole
        count = conn.exec_driver_sql("SELECT count(*) FROM members").scalar()
    assert count == len(till.seed.members) + 1


def test_minting_skips_codes_already_in_the_replica(till: Till) -> None:
    from shared.domain.member_code import next_member_code

    prefix = till.seed.member_code_prefix
    taken, after = next_member_code(prefix, 1)
    member_id = till.seed.members[0].member_id
    till.sync.apply_changes([{
        "entity": "member", "op": "upsert", "id": member_id, "version": 9,
        "data": {"member_id": member_id, "member_code": taken, "display_name": "Old",
                 "phone_last4": "0001", "phone_hash": "cd" * 32, "tier": "member",
                 "balance": 0, "lifetime_points": 0, "status": "active"},
    }])  # fmt: skip
    receipt = till.services.enrollment.enroll(
        till.cashier(), name="Next", phone="13812345678", consent_marketing=False
    )
    assert receipt.member.member_code == next_member_code(prefix, after)[0]
