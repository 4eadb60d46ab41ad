"""The offline daily redemption cap counts the store's business day, not the UTC date, and
only redemptions that still stand (not voided, not rejected by head office).

The clocks are fixed on both sides of each boundary: in Asia/Shanghai (UTC+8) the UTC date
turns at 08:00 local and the business date at midnight local (or at closing time when the
store closes after midnight).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.errors import DomainError
from shared.protocol import StoreSettings
from tests.terminal.conftest import Till

CAP = 2000  # the default program's offline_daily_redeem_cap_points
SALE = 1_000_000  # large enough that the 50 % sale cap never binds here


def _member_with(till: Till, balance: int) -> str:
    member_id = till.seed.members[2].member_id
    have = till.services.lookup.member(member_id).balance
    step = till.services.store.program().max_adjustment_points  # one adjustment's limit
    while have < balance:
        points = min(step, balance - have)
        till.services.manager.adjust(till.manager(), member_id, points=points, reason="set-up")
        have += points
    return member_id


def _redeem(till: Till, member_id: str, points: int, ref: str) -> None:
    till.services.sales.redeem(
        till.cashier(), member_id, points=points, sale_amount_cents=SALE, sale_ref=ref
    )


def _refused(till: Till, member_id: str, points: int, ref: str) -> int:
    """Redeem and expect the daily cap; returns the points the refusal says are left."""
    with pytest.raises(DomainError) as err:
        _redeem(till, member_id, points, ref)
    assert err.value.code == "offline_daily_cap"
    return int(err.value.params["left"])


def _at(till: Till, year: int, month: int, day: int, hour: int, minute: int = 0) -> None:
    till.clock.now = datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_new_business_day_starts_at_local_midnight_before_the_utc_date_turns(
    till: Till,
) -> None:
    member_id = _member_with(till, 10 * CAP)
    _at(till, 2026, 3, 10, 15, 30)  # 23:30 on 10 March in Shanghai, 10 March in UTC
    _redeem(till, member_id, CAP, "R1")
    assert _refused(till, member_id, 100, "R2") == 0
    _at(till, 2026, 3, 10, 16, 30)  # 00:30 on 11 March in Shanghai, still 10 March in UTC
    limits = till.services.sales.redeem_limits(member_id, sale_amount_cents=SALE)
    assert (limits.max_points, limits.binding_limit) == (CAP, "offline_daily_cap")
    _redeem(till, member_id, CAP, "R3")


def test_the_business_day_goes_on_when_the_utc_date_turns(till: Till) -> None:
    member_id = _member_with(till, 10 * CAP)
    _at(till, 2026, 3, 10, 23, 30)  # 07:30 on 11 March in Shanghai, 10 March in UTC
    _redeem(till, member_id, 1500, "R1")
    _at(till, 2026, 3, 11, 0, 30)  # 08:30 on 11 March in Shanghai, 11 March in UTC
    limits = till.services.sales.redeem_limits(member_id, sale_amount_cents=SALE)
    assert limits.max_points == 500
    assert _refused(till, member_id, 600, "R2") == 500
    _redeem(till, member_id, 500, "R3")


def test_a_store_closing_after_midnight_keeps_the_small_hours_on_the_day_before(
    till: Till,
) -> None:
    till.sync.save_store_settings(StoreSettings(store_code="S001", closing_time="02:00"))
    member_id = _member_with(till, 10 * CAP)
    _at(till, 2026, 3, 10, 15, 0)  # 23:00 on 10 March in Shanghai: business day 10 March
    _redeem(till, member_id, 1200, "R1")
    _at(till, 2026, 3, 10, 17, 30)  # 01:30 on 11 March local: still business day 10 March
    assert _refused(till, member_id, 900, "R2") == 800
    _at(till, 2026, 3, 10, 18, 30)  # 02:30 local: business day 11 March
    _redeem(till, member_id, CAP, "R3")


def test_a_redemption_head_office_rejected_does_not_use_up_the_cap(till: Till) -> None:
    member_id = _member_with(till, 10 * CAP)
    first = till.services.sales.redeem(
        till.cashier(), member_id, points=1500, sale_amount_cents=SALE, sale_ref="R1"
    )
    assert _refused(till, member_id, 600, "R2") == 500
    till.sync.apply_push_results(
        [{"event_id": first.event_id, "status": "rejected", "code": "member_blocked"}]
    )
    limits = till.services.sales.redeem_limits(member_id, sale_amount_cents=SALE)
    assert limits.max_points == CAP
    _redeem(till, member_id, CAP, "R3")
    assert _refused(till, member_id, 100, "R4") == 0


def test_an_accepted_redemption_still_counts_once_acknowledged(till: Till) -> None:
    member_id = _member_with(till, 10 * CAP)
    first = till.services.sales.redeem(
        till.cashier(), member_id, points=1500, sale_amount_cents=SALE, sale_ref="R1"
    )
    server = till.services.lookup.member(member_id)
    till.sync.apply_push_results([{
        "event_id": first.event_id, "status": "accepted",
        "member_balance": server.balance, "member_version": 50,
    }])  # fmt: skip
    assert _refused(till, member_id, 600, "R2") == 500
