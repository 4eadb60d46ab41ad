"""Profile changes and lost cards at the till (services over a real replica file)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from shared.domain.adjustment import adjustment_reason, reason_code
from shared.errors import DomainError
from shared.protocol import ExpiringPoints, HistoryItem, MemberSummary
from terminal.services.profile import ProfileEdit
from tests.terminal.conftest import Till, snapshot


def _payload(till: Till, event_id: str) -> dict[str, object]:
    with till.replica.engine.connect() as conn:
        raw = conn.exec_driver_sql(
            "SELECT payload FROM outbox WHERE event_id = ?", (event_id,)
        ).scalar_one()
    return dict(json.loads(raw))


def _every_row(till: Till) -> str:
    return repr(snapshot(till.replica))


def test_a_phone_change_keeps_only_four_digits_and_the_slow_hash(till: Till) -> None:
    member = till.seed.members[0]
    receipt = till.services.profile.update(
        till.cashier(), member.member_id, ProfileEdit(phone="139 0000 4321", birthday="1985-02-03")
    )
    assert receipt.type == "member.updated"
    assert receipt.member.phone_masked == "****4321"
    data = _payload(till, receipt.event_id)["data"]
    assert data == {"phone": "+8613900004321", "birthday": "1985-02-03"}
    assert till.services.lookup.by_phone("13900004321").member_id == member.member_id
    with pytest.raises(DomainError) as old:
        till.services.lookup.by_phone(member.phone)
    assert old.value.code == "unknown_member"
    # once head office has it, the payload loses the number: nothing of it rests here
    till.sync.apply_push_results(
        [{"event_id": receipt.event_id, "status": "accepted", "member_balance": member.balance}]
    )
    assert "13900004321" not in _every_row(till)
    assert "1985-02-03" not in _every_row(till)


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (ProfileEdit(), "nothing_changed"),
        (ProfileEdit(name="   "), "nothing_changed"),
        (ProfileEdit(phone="12345"), "invalid_phone"),
        (ProfileEdit(birthday="2999-01-01"), "invalid_birthday"),
        (ProfileEdit(name="x" * 101), "invalid_name"),
    ],
)
def test_bad_edits_queue_nothing(till: Till, edit: ProfileEdit, code: str) -> None:
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as error:
        till.services.profile.update(till.cashier(), till.seed.members[0].member_id, edit)
    assert error.value.code == code
    assert snapshot(till.replica) == before


def test_another_members_phone_is_refused_and_own_phone_is_no_change(till: Till) -> None:
    first, second = till.seed.members[0], till.seed.members[1]
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as error:
        till.services.profile.update(
            till.cashier(), first.member_id, ProfileEdit(phone=second.phone)
        )
    assert error.value.code == "phone_in_use"
    with pytest.raises(DomainError) as same:
        till.services.profile.update(
            till.cashier(), first.member_id, ProfileEdit(phone=first.phone)
        )
    assert same.value.code == "nothing_changed"
    assert snapshot(till.replica) == before


def test_consent_alone_is_a_change(till: Till) -> None:
    receipt = till.services.profile.update(
        till.cashier(), till.seed.members[0].member_id, ProfileEdit(consent_marketing=False)
    )
    payload = _payload(till, receipt.event_id)
    assert payload["data"] == {"consent_marketing": False}
    assert payload["occurred_at"]  # the consent's time, recorded by head office


def test_replace_card_retires_the_old_code(till: Till) -> None:
    member = till.seed.members[1]
    receipt = till.services.profile.replace_card(till.cashier(), member.member_id)
    new_code = receipt.member.member_code
    assert new_code != member.member_code
    assert _payload(till, receipt.event_id)["data"] == {"member_code": new_code}
    assert till.services.lookup.by_code(new_code).member_id == member.member_id
    with pytest.raises(DomainError) as error:
        till.services.lookup.by_code(member.member_code)
    assert error.value.code == "card_replaced"
    again = till.services.profile.replace_card(till.cashier(), member.member_id)
    for old in (member.member_code, new_code):
        with pytest.raises(DomainError) as error:
            till.services.lookup.by_code(old)
        assert error.value.code == "card_replaced"
    assert till.services.lookup.by_code(again.member.member_code).member_id == member.member_id


def test_adjustment_reasons() -> None:
    assert adjustment_reason("goodwill") == "goodwill"
    assert adjustment_reason("missed_scan", "  sale R-9 ") == "missed_scan: sale R-9"
    assert reason_code("missed_scan: sale R-9") == "missed_scan"
    assert reason_code("typed by an old till") is None
    for code, note in (("other", " "), ("nonsense", "x"), ("goodwill", "x" * 500)):
        with pytest.raises(DomainError) as error:
            adjustment_reason(code, note)
        assert error.value.code == "invalid_reason"


def test_adjust_for_uses_the_programs_limit(till: Till) -> None:
    member = till.seed.members[0]
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as error:
        till.services.manager.adjust_for(
            till.manager(), member.member_id, points=5_001, reason="goodwill"
        )
    assert error.value.code == "adjustment_over_limit"
    assert snapshot(till.replica) == before
    receipt = till.services.manager.adjust_for(
        till.manager(), member.member_id, points=-10, reason="wrong_amount", note="R-1"
    )
    assert _payload(till, receipt.event_id)["data"] == {
        "points": -10,
        "reason": "wrong_amount: R-1",
    }


def test_an_erased_member_leaves_no_history_or_old_cards(till: Till) -> None:
    member = till.seed.members[2]
    till.services.profile.replace_card(till.cashier(), member.member_id)
    till.sync.save_member_summary(
        MemberSummary(
            member_id=member.member_id,
            as_of=datetime(2026, 3, 1, tzinfo=UTC),
            balance=member.balance,
            history=[
                HistoryItem(
                    event_id=str(uuid.uuid4()),
                    type="points.earned",
                    occurred_at=datetime(2026, 2, 1, tzinfo=UTC),
                    points_delta=10,
                    store_code="S009",
                )
            ],
            expiring=[ExpiringPoints(points=10, expires_at=datetime(2028, 2, 1, tzinfo=UTC))],
        )
    )
    view = till.services.lookup.account(member.member_id)
    assert [line.store_code for line in view.lines if line.store_code] == ["S009"]
    assert view.expiring == ((datetime(2028, 2, 1, tzinfo=UTC), 10),)
    till.sync.apply_changes(
        [{"entity": "member", "op": "delete", "id": member.member_id, "version": 10**6}]
    )
    with till.replica.engine.connect() as conn:
        for table in ("member_history", "member_summaries", "retired_codes"):
            count = conn.exec_driver_sql(
                f"SELECT count(*) FROM {table} WHERE member_id = ?",
                (member.member_id,),
            ).scalar_one()
            assert count == 0, table


def test_a_replacement_head_office_rejects_gives_the_old_card_back(till: Till) -> None:
    member = till.seed.members[3]
    receipt = till.services.profile.replace_card(till.cashier(), member.member_id)
    till.sync.apply_push_results(
        [{"event_id": receipt.event_id, "status": "rejected", "code": "duplicate_member_code"}]
    )
    assert till.services.lookup.by_code(member.member_code).member_id == member.member_id
    with pytest.raises(DomainError) as error:
        till.services.lookup.by_code(receipt.member.member_code)
    assert error.value.code == "unknown_member"
