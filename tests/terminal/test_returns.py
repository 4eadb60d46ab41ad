"""Returns at the till, offline: a sale it made found by receipt number, returned in
part or in full; points and tier right after each; a manager's PIN above the program's
amount; bad input refused with nothing queued (terminal/services/returns.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from shared.errors import DomainError
from tests.terminal.conftest import Till, snapshot


def _sale(till: Till, member_id: str, ref: str = "R-100", amount: int = 20_000) -> int:
    """A sale that earns and redeems 100 points; returns the points it earned."""
    cashier = till.cashier()
    earned = till.services.sales.earn(cashier, member_id, amount_cents=amount, sale_ref=ref)
    till.services.sales.redeem(
        cashier, member_id, points=100, sale_amount_cents=amount, sale_ref=ref
    )
    return earned.points_delta


def test_partial_then_full_return_of_an_own_sale_without_the_member_card(till: Till) -> None:
    member_id = till.seed.members[0].member_id
    start = till.services.lookup.member(member_id)
    earned = _sale(till, member_id)
    cashier = till.cashier()

    (sale,) = till.services.returns.find("  R-100 ").sales  # no card: the sale names the member
    assert (sale.member_id, sale.here, sale.voided) == (member_id, True, False)
    assert (sale.amount_cents, sale.points_earned, sale.points_redeemed) == (20_000, earned, 100)

    first = till.services.returns.return_sale(cashier, sale, amount_cents=5_000)
    taken, given = earned * 5_000 // 20_000, 100 * 5_000 // 20_000
    assert (first.effect.points_taken, first.effect.points_given) == (taken, given)
    assert first.receipt.member.balance == start.balance + earned - 100 - taken + given
    assert first.receipt.member.lifetime_points == start.lifetime_points + earned - taken

    (again,) = till.services.returns.find("R-100").sales
    assert again.returned_cents == 5_000
    rest = till.services.returns.return_sale(cashier, again)  # all that is left
    assert rest.effect.full
    assert rest.effect.accepted_cents == 15_000
    member = till.services.lookup.member(member_id)
    assert (member.balance, member.lifetime_points) == (start.balance, start.lifetime_points)
    assert member.tier == start.tier

    with till.replica.read() as session:
        payloads = [
            json.loads(p)
            for (p,) in session.execute(
                text("SELECT payload FROM outbox WHERE payload LIKE '%sale.returned%' ORDER BY seq")
            )
        ]
    assert [p["data"]["amount_cents"] for p in payloads] == [5_000, 15_000]
    assert {p["data"]["sale_event_id"] for p in payloads} == {sale.sale_event_id}

    # Nothing is left: a further return is refused and queues nothing.
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.returns.return_sale(cashier, again, amount_cents=1)
    assert err.value.code == "return_too_large"
    assert snapshot(till.replica) == before


def test_bad_input_gives_a_clear_code_and_queues_nothing(till: Till) -> None:
    member_id = till.seed.members[1].member_id
    _sale(till, member_id, ref="R-7", amount=10_000)
    cashier = till.cashier()
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.returns.find("NO-SUCH-RECEIPT")
    assert err.value.code == "unknown_sale"
    (sale,) = till.services.returns.find("R-7").sales
    with pytest.raises(DomainError) as err:
        till.services.returns.return_sale(cashier, sale, amount_cents=10_001)
    assert (err.value.code, err.value.params["left_cents"]) == ("return_too_large", 10_000)
    for bad in (0, -5):
        with pytest.raises(DomainError) as err:
            till.services.returns.return_sale(cashier, sale, amount_cents=bad)
        assert err.value.code == "invalid_amount"
    assert snapshot(till.replica) == before

    with till.replica.read() as session:
        earn_id = session.execute(
            text(
                "SELECT event_id FROM local_events WHERE type = 'points.earned' "
                "AND member_id = :m ORDER BY seq DESC"
            ),
            {"m": member_id},
        ).scalar()
    till.services.manager.void(till.manager(), str(earn_id), reason="wrong member")
    (voided,) = till.services.returns.find("R-7").sales  # found although its ref was freed
    assert voided.voided
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.returns.return_sale(cashier, voided, amount_cents=1_000)
    assert err.value.code == "sale_voided"
    with pytest.raises(DomainError) as err:
        till.services.returns.return_sale(cashier, sale, amount_cents=1_000)  # stale copy
    assert err.value.code == "sale_voided"
    assert snapshot(till.replica) == before


def test_a_return_above_the_programs_amount_needs_a_manager(till: Till) -> None:
    member_id = till.seed.members[2].member_id
    _sale(till, member_id, ref="BIG", amount=80_000)
    cashier = till.cashier()
    (sale,) = till.services.returns.find("BIG").sales
    assert till.services.returns.needs_manager(50_001)
    assert not till.services.returns.needs_manager(50_000)
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.returns.return_sale(cashier, sale, amount_cents=60_000)
    assert err.value.code == "manager_required"
    with pytest.raises(DomainError) as err:  # a cashier's session is no approval
        till.services.returns.return_sale(cashier, sale, amount_cents=60_000, approver=cashier)
    assert err.value.code == "manager_required"
    assert snapshot(till.replica) == before
    done = till.services.returns.return_sale(
        cashier, sale, amount_cents=60_000, approver=till.manager()
    )
    assert done.effect.accepted_cents == 60_000
    small = till.services.returns.return_sale(cashier, done.sale, amount_cents=20_000)
    assert small.effect.full


def test_a_coupon_used_on_the_sale_comes_back_on_a_full_return_unless_expired(
    till: Till,
) -> None:
    coupon_id, member_id = next(iter(till.seed.coupons.items()))
    cashier = till.cashier()
    till.services.sales.earn(cashier, member_id, amount_cents=3_000, sale_ref="CP")
    till.services.sales.redeem_coupon(cashier, member_id, coupon_id=coupon_id, sale_ref="CP")
    (sale,) = till.services.returns.find("CP").sales
    assert sale.coupon_id == coupon_id
    half = till.services.returns.return_sale(cashier, sale, amount_cents=1_500)
    assert not half.effect.restore_coupon
    assert till.services.lookup.coupons(member_id)[0].status == "redeemed"
    assert till.services.lookup.coupons(member_id)[0].expires_at is None  # never expires
    rest = till.services.returns.return_sale(cashier, half.sale)
    assert rest.effect.restore_coupon
    assert till.services.lookup.coupons(member_id)[0].status == "available"


def test_an_expired_coupon_does_not_come_back(till: Till) -> None:
    coupon_id, member_id = next(iter(till.seed.coupons.items()))
    cashier = till.cashier()
    till.services.sales.earn(cashier, member_id, amount_cents=3_000, sale_ref="CX")
    till.services.sales.redeem_coupon(cashier, member_id, coupon_id=coupon_id, sale_ref="CX")
    with till.replica.write() as session:
        session.execute(
            text("UPDATE coupons SET expires_at = :at WHERE coupon_id = :c"),
            {"at": "2026-03-10T04:30:00+00:00", "c": coupon_id},
        )
    till.clock.advance(hours=1)  # past the expiry
    (sale,) = till.services.returns.find("CX").sales
    done = till.services.returns.return_sale(cashier, sale)
    assert done.effect.full
    assert not done.effect.restore_coupon
    assert till.services.lookup.coupons(member_id)[0].status == "redeemed"


def test_a_sale_partly_returned_can_no_longer_be_voided(till: Till) -> None:
    member_id = till.seed.members[3].member_id
    _sale(till, member_id, ref="VR")
    cashier = till.cashier()
    (sale,) = till.services.returns.find("VR").sales
    till.services.returns.return_sale(cashier, sale, amount_cents=1_000)
    before = snapshot(till.replica)
    for event_id in (sale.sale_event_id, sale.redeemed_event_id):
        with pytest.raises(DomainError) as err:
            till.services.manager.void(till.manager(), str(event_id), reason="mistake")
        assert err.value.code == "not_voidable"
    assert snapshot(till.replica) == before
