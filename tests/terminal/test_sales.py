from __future__ import annotations

from datetime import timedelta

import pytest

from shared.errors import DomainError
from terminal.offline.clock import to_text
from terminal.offline.models import Coupon
from tests.terminal.conftest import Till, snapshot


def _member(till: Till, index: int = 0) -> str:
    return till.seed.members[index].member_id


def _rich_member(till: Till, balance: int = 10_000) -> str:
    """A member the test gives a known balance through a manager adjustment."""
    member_id = _member(till, 3)
    view = till.services.lookup.member(member_id)
    till.services.manager.adjust(
        till.manager(), member_id, points=balance - view.balance, reason="test set-up"
    )
    return member_id


def test_earn_uses_the_program_and_tier_before_the_sale(till: Till) -> None:
    cashier = till.cashier()
    member_id = _member(till, 5)  # seeded balance/lifetime from the seed's RNG
    before = till.services.lookup.member(member_id)
    receipt = till.services.sales.earn(cashier, member_id, amount_cents=12_399, sale_ref="S-1")
    multiplier = {"member": 100, "silver": 125, "gold": 150}[before.tier]
    assert receipt.points_delta == 123 * multiplier // 100
    assert receipt.member.balance == before.balance + receipt.points_delta
    assert receipt.member.pending_points == receipt.points_delta
    assert receipt.member.server_balance == before.server_balance


def test_tier_upgrade_applies_from_the_next_sale(till: Till) -> None:
    cashier = till.cashier()
    manager = till.manager()
    receipt = till.services.enrollment.enroll(
        cashier, name="New", phone="13812345678", consent_marketing=False
    )
    member_id = receipt.member.member_id
    first = till.services.sales.earn(cashier, member_id, amount_cents=99_900, sale_ref="A")
    assert first.points_delta == 999
    assert first.member.tier == "member"
    second = till.services.sales.earn(cashier, member_id, amount_cents=100, sale_ref="B")
    assert second.points_delta == 1
    assert second.member.tier == "silver"
    third = till.services.sales.earn(cashier, member_id, amount_cents=10_000, sale_ref="C")
    assert third.points_delta == 125
    # Adjustments do not count towards the tier; voiding an earn does.
    till.services.manager.void(manager, second.event_id, reason="returned")
    assert till.services.lookup.member(member_id).tier == "silver"


def test_same_sale_never_earns_twice(till: Till) -> None:
    cashier = till.cashier()
    till.services.sales.earn(cashier, _member(till), amount_cents=1000, sale_ref="S-9")
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(cashier, _member(till), amount_cents=5000, sale_ref="S-9")
    assert err.value.code == "duplicate_sale"
    assert snapshot(till.replica) == before
    # Another member may use the same till receipt number.
    till.services.sales.earn(cashier, _member(till, 1), amount_cents=1000, sale_ref="S-9")


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (0, "invalid_amount"),
        (-100, "invalid_amount"),
        (10**12, "invalid_amount"),
        (12.5, "invalid_amount"),
        ("1000", "invalid_amount"),
        (True, "invalid_amount"),
        (None, "invalid_amount"),
    ],
)
def test_bad_amounts_change_nothing(till: Till, amount: object, code: str) -> None:
    cashier = till.cashier()
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(cashier, _member(till), amount_cents=amount, sale_ref="X")  # type: ignore[arg-type]
    assert err.value.code == code
    assert snapshot(till.replica) == before


@pytest.mark.parametrize(
    ("member_id", "sale_ref", "code"),
    [
        ("nope", "S", "unknown_member"),
        ("00000000-0000-7000-8000-000000000000", "S", "unknown_member"),
        (None, "", "invalid_sale_ref"),
        (None, "x" * 201, "invalid_sale_ref"),
        (None, "bad\nref", "invalid_sale_ref"),
    ],
)
def test_bad_member_or_sale_ref_changes_nothing(
    till: Till, member_id: str | None, sale_ref: str, code: str
) -> None:
    cashier = till.cashier()
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(
            cashier, member_id or _member(till), amount_cents=1000, sale_ref=sale_ref
        )
    assert err.value.code == code
    assert snapshot(till.replica) == before


def test_redeem_rules(till: Till) -> None:
    cashier = till.cashier()
    member_id = _rich_member(till, 1500)
    sales = till.services.sales
    cases = [
        ({"points": 99, "sale_amount_cents": 100_000}, "below_minimum_redeem"),
        ({"points": 600, "sale_amount_cents": 1_000}, "exceeds_sale_cap"),
        ({"points": 1600, "sale_amount_cents": 1_000_000}, "insufficient_balance"),
        ({"points": 0, "sale_amount_cents": 1_000}, "invalid_points"),
        ({"points": -100, "sale_amount_cents": 1_000}, "invalid_points"),
        ({"points": 100.0, "sale_amount_cents": 1_000}, "invalid_points"),
        ({"points": "100", "sale_amount_cents": 1_000}, "invalid_points"),
        ({"points": True, "sale_amount_cents": 1_000}, "invalid_points"),
        ({"points": 100, "sale_amount_cents": 0}, "invalid_amount"),
    ]
    before = snapshot(till.replica)
    for kwargs, code in cases:
        with pytest.raises(DomainError) as err:
            sales.redeem(cashier, member_id, sale_ref="R", **kwargs)  # type: ignore[arg-type]
        assert err.value.code == code, kwargs
        assert err.value.message
    assert snapshot(till.replica) == before
    receipt = sales.redeem(cashier, member_id, points=500, sale_amount_cents=1_000, sale_ref="R")
    assert (receipt.points_delta, receipt.value_cents, receipt.member.balance) == (-500, 500, 1000)
    with pytest.raises(DomainError) as err:
        sales.redeem(cashier, member_id, points=100, sale_amount_cents=1_000, sale_ref="R")
    assert err.value.code == "duplicate_sale"


def test_balance_counts_pending_local_events(till: Till) -> None:
    cashier = till.cashier()
    member_id = _rich_member(till, 0)
    till.services.sales.earn(cashier, member_id, amount_cents=30_000, sale_ref="E")
    limits = till.services.sales.redeem_limits(member_id, sale_amount_cents=100_000)
    assert limits.max_points == 300
    assert limits.binding_limit == "insufficient_balance"
    till.services.sales.redeem(
        cashier, member_id, points=300, sale_amount_cents=100_000, sale_ref="R"
    )
    with pytest.raises(DomainError) as err:
        till.services.sales.redeem(
            cashier, member_id, points=100, sale_amount_cents=100_000, sale_ref="R2"
        )
    assert err.value.code == "insufficient_balance"


def test_offline_daily_cap_only_while_offline(till: Till) -> None:
    cashier = till.cashier()
    member_id = _rich_member(till, 5000)
    sales = till.services.sales
    sales.redeem(cashier, member_id, points=1500, sale_amount_cents=100_000, sale_ref="R1")
    limits = sales.redeem_limits(member_id, sale_amount_cents=100_000)
    assert (limits.binding_limit, limits.max_points) == ("offline_daily_cap", 500)
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        sales.redeem(cashier, member_id, points=600, sale_amount_cents=100_000, sale_ref="R2")
    assert err.value.code == "offline_daily_cap"
    assert err.value.params["left"] == 500
    assert snapshot(till.replica) == before
    # The next business day (Asia/Shanghai) the cap starts again.
    till.clock.advance(hours=20)
    sales.redeem(cashier, member_id, points=600, sale_amount_cents=100_000, sale_ref="R3")
    # Online, the cap does not apply.
    till.sync.set_online(True)
    sales.redeem(cashier, member_id, points=1900, sale_amount_cents=100_000, sale_ref="R4")


def test_voided_redemption_frees_the_daily_cap(till: Till) -> None:
    cashier = till.cashier()
    member_id = _rich_member(till, 5000)
    first = till.services.sales.redeem(
        cashier, member_id, points=2000, sale_amount_cents=100_000, sale_ref="R1"
    )
    till.services.manager.void(till.manager(), first.event_id, reason="customer changed mind")
    till.services.sales.redeem(
        cashier, member_id, points=2000, sale_amount_cents=100_000, sale_ref="R2"
    )


def test_coupon_is_redeemed_once(till: Till) -> None:
    cashier = till.cashier()
    coupon_id, member_id = next(iter(till.seed.coupons.items()))
    receipt = till.services.sales.redeem_coupon(
        cashier, member_id, coupon_id=coupon_id, sale_ref="C1"
    )
    assert receipt.type == "coupon.redeemed"
    assert receipt.value_cents == 1000
    assert till.services.lookup.coupons(member_id)[0].status == "redeemed"
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.sales.redeem_coupon(cashier, member_id, coupon_id=coupon_id, sale_ref="C2")
    assert err.value.code == "coupon_unavailable"
    assert snapshot(till.replica) == before


def test_coupon_of_another_member_unknown_or_expired(till: Till) -> None:
    cashier = till.cashier()
    coupon_id, owner = next(iter(till.seed.coupons.items()))
    other = next(m.member_id for m in till.seed.members if m.member_id != owner)
    before = snapshot(till.replica)
    for member_id, cid in ((other, coupon_id), (owner, "nope"), (owner, str(other))):
        with pytest.raises(DomainError) as err:
            till.services.sales.redeem_coupon(cashier, member_id, coupon_id=cid, sale_ref="C")
        assert err.value.code == "coupon_unavailable"
    assert snapshot(till.replica) == before
    with till.replica.write() as session:
        coupon = session.get(Coupon, coupon_id)
        assert coupon is not None
        coupon.expires_at = to_text(till.clock() - timedelta(seconds=1))
    with pytest.raises(DomainError) as err:
        till.services.sales.redeem_coupon(cashier, owner, coupon_id=coupon_id, sale_ref="C")
    assert err.value.code == "coupon_unavailable"


def test_a_voided_or_rejected_sale_can_be_rung_up_again(till: Till) -> None:
    cashier = till.cashier()
    member_id = _member(till)
    wrong = till.services.sales.earn(cashier, member_id, amount_cents=99_900, sale_ref="T-7")
    till.services.manager.void(till.manager(), wrong.event_id, reason="typed 999 not 99")
    right = till.services.sales.earn(cashier, member_id, amount_cents=9_900, sale_ref="T-7")
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(cashier, member_id, amount_cents=9_900, sale_ref="T-7")
    assert err.value.code == "duplicate_sale"
    till.sync.apply_push_results(
        [{"event_id": right.event_id, "status": "rejected", "code": "points_mismatch"}]
    )
    again = till.services.sales.earn(cashier, member_id, amount_cents=9_900, sale_ref="T-7")
    payloads = [e["data"].get("sale_ref") for e in till.sync.pending_batch()]
    assert payloads.count("T-7") >= 2  # the wire payloads keep the reference
    assert again.member.balance == till.services.lookup.member(member_id).balance
