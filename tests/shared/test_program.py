from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.money import Money, parse_amount
from shared.domain.program import DEFAULT_PROGRAM as P
from shared.domain.program import LoyaltyProgram, add_months, points_to_expire
from shared.errors import RuleViolation, ValidationFailed


def test_tiers_follow_lifetime_points() -> None:
    assert P.tier_for(0).code == "member"
    assert P.tier_for(999).code == "member"
    assert P.tier_for(1000).code == "silver"
    assert P.tier_for(4999).code == "silver"
    assert P.tier_for(5000).code == "gold"


@pytest.mark.parametrize(
    ("amount", "lifetime", "points"),
    [
        (99, 0, 0),
        (100, 0, 1),
        (12345, 0, 123),
        (12345, 1000, 153),
        (12399, 5000, 184),
        (101, 5000, 1),
    ],
)
def test_points_for_a_sale_round_down(amount: int, lifetime: int, points: int) -> None:
    assert P.points_for_sale(amount, lifetime) == points


@pytest.mark.parametrize("amount", [0, -1, 12.5, "100", True, None, P.max_sale_amount_cents + 1])
def test_bad_sale_amounts_are_refused(amount: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        P.points_for_sale(amount, 0)  # type: ignore[arg-type]
    assert err.value.code == "invalid_amount"


def test_redeem_limits_name_the_binding_rule() -> None:
    limits = P.redeem_limits(balance=10_000, sale_amount_cents=3000, offline_redeemed_today=None)
    assert (limits.max_points, limits.binding_limit) == (1500, "exceeds_sale_cap")
    limits = P.redeem_limits(balance=300, sale_amount_cents=30000, offline_redeemed_today=None)
    assert (limits.max_points, limits.max_value_cents) == (300, 300)
    limits = P.redeem_limits(balance=9000, sale_amount_cents=900000, offline_redeemed_today=1500)
    assert (limits.max_points, limits.binding_limit) == (500, "offline_daily_cap")
    limits = P.redeem_limits(balance=50, sale_amount_cents=900000, offline_redeemed_today=None)
    assert limits.max_points == 0  # below the minimum: nothing can be redeemed


@pytest.mark.parametrize(
    ("points", "kwargs", "code"),
    [
        (
            99,
            {"balance": 500, "sale_amount_cents": 10000, "offline_redeemed_today": None},
            "below_minimum_redeem",
        ),
        (
            600,
            {"balance": 500, "sale_amount_cents": 10000, "offline_redeemed_today": None},
            "insufficient_balance",
        ),
        (
            600,
            {"balance": 5000, "sale_amount_cents": 1000, "offline_redeemed_today": None},
            "exceeds_sale_cap",
        ),
        (
            600,
            {"balance": 5000, "sale_amount_cents": 100000, "offline_redeemed_today": 1500},
            "offline_daily_cap",
        ),
    ],
)
def test_redeem_refusals_have_stable_codes(points: int, kwargs: dict, code: str) -> None:
    with pytest.raises(RuleViolation) as err:
        P.check_redeem(points, **kwargs)
    assert err.value.code == code
    assert err.value.message


@pytest.mark.parametrize("points", [100.0, "200", True, 0, -100, None])
def test_points_must_be_positive_integers(points: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        P.check_redeem(points, balance=5000, sale_amount_cents=100000, offline_redeemed_today=None)
    assert err.value.code == "invalid_points"


@given(
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=1, max_value=P.max_sale_amount_cents),
    st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),
)
def test_the_advertised_maximum_is_always_redeemable(
    balance: int, sale: int, today: int | None
) -> None:
    limits = P.redeem_limits(balance=balance, sale_amount_cents=sale, offline_redeemed_today=today)
    assert 0 <= limits.max_points <= balance
    if limits.max_points:
        value = P.check_redeem(
            limits.max_points, balance=balance, sale_amount_cents=sale, offline_redeemed_today=today
        )
        assert value <= sale // 2


def test_expiry_is_24_calendar_months_oldest_first() -> None:
    assert add_months(datetime(2024, 2, 29, tzinfo=UTC), 24) == datetime(2026, 2, 28, tzinfo=UTC)
    lots = [(datetime(2023, 1, 10, tzinfo=UTC), 300), (datetime(2024, 6, 1, tzinfo=UTC), 500)]
    now = datetime(2025, 1, 11, tzinfo=UTC)
    assert points_to_expire(lots, 0, now, P) == 300
    assert points_to_expire(lots, 200, now, P) == 100  # spending consumed the oldest lot first
    assert points_to_expire(lots, 700, now, P) == 0
    assert points_to_expire(lots, 0, datetime(2025, 1, 9, tzinfo=UTC), P) == 0


def test_program_round_trips_as_json_and_rejects_bad_tiers() -> None:
    again = LoyaltyProgram.model_validate_json(P.model_dump_json())
    assert again == P
    data = P.model_dump()
    data["tiers"] = [dict(data["tiers"][1]), dict(data["tiers"][0])]
    with pytest.raises(ValueError, match="tier"):
        LoyaltyProgram.model_validate(data)


def test_money_is_integer_minor_units() -> None:
    assert parse_amount("12.50", "CNY") == 1250
    assert parse_amount("1,200", "CNY") == 120000
    assert parse_amount("500", "JPY") == 500
    assert Money(123456, "CNY").format() == "1,234.56 CNY"
    for bad in ["", "abc", "-1", "1.234", "NaN", "Infinity"]:
        with pytest.raises(ValidationFailed):
            parse_amount(bad, "CNY")
    with pytest.raises(ValidationFailed):
        Money(1.5, "CNY")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        Money(100, "yuan")


def test_an_earn_claim_stands_at_the_tier_or_a_tier_passed_never_above() -> None:
    # 10,000 cents: 100 points at Member (x1), 125 at Silver, 150 at Gold.
    assert P.earn_claim_stands(10_000, 125, 1_200)  # Silver's own rate
    assert P.earn_claim_stands(10_000, 100, 1_200)  # a till that still knew Member
    assert not P.earn_claim_stands(10_000, 150, 1_200)  # Gold was never reached
    assert not P.earn_claim_stands(10_000, 101, 1_200)  # no tier gives that
    assert not P.earn_claim_stands(10_000, 125, 999)  # Silver not reached yet


def test_an_earn_claim_stands_at_a_tier_a_void_took_back_but_not_above() -> None:
    # The member had 1,050 lifetime points (Silver); a void took 100 back (950).
    assert not P.earn_claim_stands(10_000, 125, 950)  # without the void: not Silver
    assert P.earn_claim_stands(10_000, 125, 950, voided_lifetime=100)  # Silver was held
    assert P.earn_claim_stands(10_000, 100, 950, voided_lifetime=100)
    assert not P.earn_claim_stands(10_000, 150, 950, voided_lifetime=100)  # never Gold
    assert not P.earn_claim_stands(10_000, 125, 950, voided_lifetime=-100)  # never negative
