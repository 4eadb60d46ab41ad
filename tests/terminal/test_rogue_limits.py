"""The till refuses, before queuing, what head office would refuse or flag: adjustments
and redemptions beyond the program's limits (the same shared rules the server runs)."""

from __future__ import annotations

import pytest

from shared.errors import DomainError
from tests.terminal.conftest import Till, snapshot


def test_an_adjustment_beyond_the_limits_is_refused_before_queuing(till: Till) -> None:
    manager = till.manager()
    member_id = till.seed.members[0].member_id
    before = snapshot(till.replica)
    for points in (1_000_000, -5_000_000_000, 5_001):
        with pytest.raises(DomainError) as err:
            till.services.manager.adjust(manager, member_id, points=points, reason="typo")
        assert err.value.code in ("adjustment_over_limit", "invalid_points"), points
    assert snapshot(till.replica) == before
    for _ in range(4):  # 4 x 5,000 = the member's daily limit of 20,000
        till.services.manager.adjust(manager, member_id, points=5_000, reason="goodwill")
    with pytest.raises(DomainError) as err:
        till.services.manager.adjust(manager, member_id, points=1, reason="one more")
    assert err.value.code == "adjustment_daily_limit"
    assert err.value.params["left"] == 0


def test_a_redemption_beyond_the_limits_is_refused_before_queuing(till: Till) -> None:
    till.sync.set_online(True)
    cashier = till.cashier()
    member_id = till.seed.members[0].member_id
    till.services.sales.earn(cashier, member_id, amount_cents=40_000_000, sale_ref="BIG")
    sale = 90_000_000
    limits = till.services.sales.redeem_limits(member_id, sale_amount_cents=sale)
    assert (limits.max_points, limits.binding_limit) == (100_000, "redemption_over_limit")
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.sales.redeem(
            cashier, member_id, points=100_001, sale_amount_cents=sale, sale_ref="R1"
        )
    assert err.value.code == "redemption_over_limit"
    assert snapshot(till.replica) == before
    for ref in ("R2", "R3"):  # 200,000 a member a day
        till.services.sales.redeem(
            cashier, member_id, points=100_000, sale_amount_cents=sale, sale_ref=ref
        )
    with pytest.raises(DomainError) as err:
        till.services.sales.redeem(
            cashier, member_id, points=100, sale_amount_cents=sale, sale_ref="R4"
        )
    assert err.value.code == "redemption_daily_limit"
