from __future__ import annotations

import pytest

from shared.errors import DomainError
from shared.ids import uuid7
from tests.terminal.conftest import Till, snapshot


def test_void_reverses_an_earn_once(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    member_id = till.seed.members[0].member_id
    start = till.services.lookup.member(member_id).balance
    earn = till.services.sales.earn(cashier, member_id, amount_cents=50_000, sale_ref="S")
    void = till.services.manager.void(manager, earn.event_id, reason="wrong member")
    assert void.type == "event.voided"
    assert void.points_delta == -earn.points_delta
    assert void.member.balance == start
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.manager.void(manager, earn.event_id, reason="again")
    assert err.value.code == "already_voided"
    with pytest.raises(DomainError) as err:
        till.services.manager.void(manager, void.event_id, reason="void the void")
    assert err.value.code == "not_voidable"
    for unknown in (str(uuid7()), "garbage"):
        with pytest.raises(DomainError) as err:
            till.services.manager.void(manager, unknown, reason="?")
        assert err.value.code == "unknown_event"
    with pytest.raises(DomainError) as err:
        till.services.manager.void(manager, earn.event_id, reason="  ")
    assert err.value.code == "invalid_reason"
    assert snapshot(till.replica) == before


def test_enrolment_is_not_voidable(till: Till) -> None:
    receipt = till.services.enrollment.enroll(
        till.cashier(), name="N", phone="13812345678", consent_marketing=True
    )
    with pytest.raises(DomainError) as err:
        till.services.manager.void(till.manager(), receipt.event_id, reason="no")
    assert err.value.code == "not_voidable"


def test_voiding_a_coupon_redemption_makes_it_available_again(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    coupon_id, member_id = next(iter(till.seed.coupons.items()))
    used = till.services.sales.redeem_coupon(cashier, member_id, coupon_id=coupon_id, sale_ref="1")
    till.services.manager.void(manager, used.event_id, reason="till error")
    assert till.services.lookup.coupons(member_id)[0].status == "available"
    till.services.sales.redeem_coupon(cashier, member_id, coupon_id=coupon_id, sale_ref="2")


def test_voiding_a_redemption_gives_points_back(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    member_id = till.seed.members[0].member_id
    till.services.manager.adjust(manager, member_id, points=1000, reason="goodwill")
    start = till.services.lookup.member(member_id).balance
    spent = till.services.sales.redeem(
        cashier, member_id, points=200, sale_amount_cents=1000, sale_ref="R"
    )
    assert spent.member.balance == start - 200
    assert till.services.manager.void(manager, spent.event_id, reason="x").member.balance == start


def test_adjust(till: Till) -> None:
    manager = till.manager()
    member_id = till.seed.members[0].member_id
    start = till.services.lookup.member(member_id).balance
    up = till.services.manager.adjust(manager, member_id, points=250, reason="complaint")
    assert up.member.balance == start + 250
    down = till.services.manager.adjust(manager, member_id, points=-50, reason="typo")
    assert down.member.balance == start + 200
    before = snapshot(till.replica)
    bad = [
        ({"points": 0, "reason": "r"}, "invalid_points"),
        ({"points": 1.5, "reason": "r"}, "invalid_points"),
        ({"points": "10", "reason": "r"}, "invalid_points"),
        ({"points": False, "reason": "r"}, "invalid_points"),
        ({"points": 10**9, "reason": "r"}, "invalid_points"),
        ({"points": 10, "reason": ""}, "invalid_reason"),
        ({"points": 10, "reason": None}, "invalid_reason"),
        ({"points": -(start + 201), "reason": "too much"}, "insufficient_balance"),
    ]
    for kwargs, code in bad:
        with pytest.raises(DomainError) as err:
            till.services.manager.adjust(manager, member_id, **kwargs)  # type: ignore[arg-type]
        assert err.value.code == code, kwargs
    assert snapshot(till.replica) == before


def test_rejected_events_are_listed_and_do_not_count(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    member_id = till.seed.members[0].member_id
    start = till.services.lookup.member(member_id).balance
    earn = till.services.sales.earn(cashier, member_id, amount_cents=10_000, sale_ref="S")
    till.sync.apply_push_results(
        [{"event_id": earn.event_id, "status": "rejected", "code": "points_mismatch"}]
    )
    assert till.services.lookup.member(member_id).balance == start
    rejected = till.services.manager.rejected_events(manager)
    assert [(e.event_id, e.rejection_code) for e in rejected] == [
        (earn.event_id, "points_mismatch")
    ]
    history = till.services.lookup.history(member_id)
    assert history[0].status == "rejected"
    assert history[0].rejection_code == "points_mismatch"
    with pytest.raises(DomainError) as err:
        till.services.manager.void(manager, earn.event_id, reason="x")
    assert err.value.code == "not_voidable"
    with pytest.raises(DomainError) as err:
        till.services.manager.rejected_events(cashier)
    assert err.value.code == "manager_required"
    assert till.services.activity.outbox().rejected == 1
