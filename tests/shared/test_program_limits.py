"""What one till may move without head office: a manager's adjustment and a redemption,
each alone and over a member's business day, refused with the limit that bit; and the
limit a redemption screen names as binding."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.program import DEFAULT_PROGRAM as P
from shared.errors import DomainError, RuleViolation, ValidationFailed

BIG_SALE = 100_000_000


def _refusal(call: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as err:
        call(*args, **kwargs)
    return err.value


def _said(error: DomainError) -> tuple[str, str, str, dict[str, Any]]:
    return type(error).__name__, error.code, error.message, error.params


def test_the_default_limits() -> None:
    assert (P.max_adjustment_points, P.max_member_daily_adjustment_points) == (5_000, 20_000)
    assert (P.max_redeem_points, P.max_member_daily_redeem_points) == (100_000, 200_000)


# --- adjustments ------------------------------------------------------------------------


@pytest.mark.parametrize("points", [1, -1, 5_000, -5_000, 250])
def test_an_adjustment_up_to_the_limit_either_way(points: int) -> None:
    assert P.check_adjustment(points, adjusted_today=0) == points


@pytest.mark.parametrize("points", [5_001, -5_001, 1_000_000])
def test_one_adjustment_over_the_limit(points: int) -> None:
    error = _refusal(P.check_adjustment, points, adjusted_today=0)
    assert _said(error) == (
        "RuleViolation",
        "adjustment_over_limit",
        "One adjustment may move at most 5000 points.",
        {"limit": 5_000, "max_points": 5_000},
    )


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (0, "An adjustment must change the balance."),
        (1.5, "Points must be a whole number, got 1.5"),
        (True, "Points must be a whole number, got True"),
        ("100", "Points must be a whole number, got '100'"),
    ],
)
def test_an_adjustment_is_a_nonzero_whole_number(points: object, message: str) -> None:
    error = _refusal(P.check_adjustment, points, adjusted_today=0)
    assert _said(error) == ("ValidationFailed", "invalid_points", message, {})


def test_a_member_s_adjustments_over_a_business_day() -> None:
    # 16,000 adjusted today: 4,000 left, in either direction, exactly
    assert P.check_adjustment(4_000, adjusted_today=16_000) == 4_000
    assert P.check_adjustment(-4_000, adjusted_today=16_000) == -4_000
    for points in (4_001, -4_001):
        error = _refusal(P.check_adjustment, points, adjusted_today=16_000)
        assert _said(error) == (
            "RuleViolation",
            "adjustment_daily_limit",
            "A member's adjustments may move at most 20000 points a business day; "
            "4000 are left today.",
            {"cap": 20_000, "left": 4_000},
        )
    # the day's limit used up, or overshot by other tills: none left, never negative
    for today in (20_000, 25_000):
        error = _refusal(P.check_adjustment, 1, adjusted_today=today)
        assert error.code == "adjustment_daily_limit"
        assert error.params == {"cap": 20_000, "left": 0}
        assert error.message.endswith("; 0 are left today.")


def test_the_day_s_limit_below_one_adjustment_s() -> None:
    tight = P.model_copy(update={"max_member_daily_adjustment_points": 3_000})
    assert tight.check_adjustment(3_000, adjusted_today=0) == 3_000
    assert tight.check_adjustment(3_000, adjusted_today=-1_000) == 3_000  # nothing counts less
    error = _refusal(tight.check_adjustment, 3_001, adjusted_today=-1_000)
    assert _said(error) == (
        "RuleViolation",
        "adjustment_daily_limit",
        "A member's adjustments may move at most 3000 points a business day; 3000 are left today.",
        {"cap": 3_000, "left": 3_000},
    )
    # over both: the single adjustment's limit is named first
    error = _refusal(tight.check_adjustment, 5_001, adjusted_today=0)
    assert error.code == "adjustment_over_limit"


# --- redemptions over the program's limits ----------------------------------------------


def test_the_limit_a_redemption_breaks() -> None:
    assert P.redeem_limit_hit(100_000, redeemed_today=0) is None
    assert P.redeem_limit_hit(100_000, redeemed_today=100_000) is None  # exactly the day's
    over = P.redeem_limit_hit(100_001, redeemed_today=0)
    assert over is not None
    assert _said(over) == (
        "RuleViolation",
        "redemption_over_limit",
        "One redemption may move at most 100000 points.",
        {"limit": 100_000, "max_points": 100_000},
    )
    daily = P.redeem_limit_hit(100_000, redeemed_today=100_001)
    assert daily is not None
    assert _said(daily) == (
        "RuleViolation",
        "redemption_daily_limit",
        "A member's redemptions may move at most 200000 points a business day; "
        "99999 are left today.",
        {"cap": 200_000, "left": 99_999},
    )
    assert P.redeem_limit_hit(1, redeemed_today=-5) is None  # nothing counts less than none


def test_a_redemption_over_one_event_s_limit_is_refused_with_what_is_possible() -> None:
    error = _refusal(
        P.check_redeem,
        100_001,
        balance=1_000_000,
        sale_amount_cents=BIG_SALE,
        offline_redeemed_today=None,
    )
    assert type(error) is RuleViolation
    assert (error.code, error.message) == (
        "redemption_over_limit",
        "One redemption may move at most 100000 points.",
    )
    assert error.params == {
        "limit": 100_000,
        "max_points": 100_000,
        "max_value_cents": 100_000,
    }
    assert (
        P.check_redeem(
            100_000, balance=1_000_000, sale_amount_cents=BIG_SALE, offline_redeemed_today=None
        )
        == 100_000
    )


def test_a_redemption_over_the_day_s_limit_is_refused_with_what_is_left() -> None:
    kwargs: dict[str, Any] = {
        "balance": 1_000_000,
        "sale_amount_cents": BIG_SALE,
        "offline_redeemed_today": None,
        "redeemed_today": 199_500,
    }
    assert P.check_redeem(500, **kwargs) == 500
    error = _refusal(P.check_redeem, 600, **kwargs)
    assert type(error) is RuleViolation
    assert error.code == "redemption_daily_limit"
    assert error.params == {"cap": 200_000, "left": 500, "max_points": 500, "max_value_cents": 500}


def test_the_balance_is_checked_exactly() -> None:
    kwargs: dict[str, Any] = {"sale_amount_cents": BIG_SALE, "offline_redeemed_today": None}
    assert P.check_redeem(500, balance=500, **kwargs) == 500
    error = _refusal(P.check_redeem, 501, balance=500, **kwargs)
    assert error.code == "insufficient_balance"
    assert error.params == {"balance": 500, "max_points": 500, "max_value_cents": 500}


def test_the_sale_cap_is_checked_exactly() -> None:
    kwargs: dict[str, Any] = {"balance": 10_000, "offline_redeemed_today": None}
    # half of 1,000 cents is 500 cents, 500 points
    assert P.check_redeem(500, sale_amount_cents=1_000, **kwargs) == 500
    error = _refusal(P.check_redeem, 501, sale_amount_cents=1_000, **kwargs)
    assert error.code == "exceeds_sale_cap"
    # an odd sale: half of 1,001 cents rounds down to 500
    error = _refusal(P.check_redeem, 501, sale_amount_cents=1_001, **kwargs)
    assert error.params["cap_cents"] == 500


def test_the_offline_cap_is_checked_exactly() -> None:
    kwargs: dict[str, Any] = {"balance": 10_000, "sale_amount_cents": BIG_SALE}
    assert P.check_redeem(500, offline_redeemed_today=1_500, **kwargs) == 500
    assert P.check_redeem(2_000, offline_redeemed_today=0, **kwargs) == 2_000
    error = _refusal(P.check_redeem, 501, offline_redeemed_today=1_500, **kwargs)
    assert error.code == "offline_daily_cap"
    assert error.params["left"] == 500
    # online there is no such cap
    assert P.check_redeem(2_500, offline_redeemed_today=None, **kwargs) == 2_500


def test_the_minimum_is_checked_exactly() -> None:
    kwargs: dict[str, Any] = {
        "balance": 10_000,
        "sale_amount_cents": BIG_SALE,
        "offline_redeemed_today": None,
    }
    assert P.check_redeem(100, **kwargs) == 100
    assert _refusal(P.check_redeem, 99, **kwargs).code == "below_minimum_redeem"
    error = _refusal(P.check_redeem, -100, **kwargs)
    assert type(error) is ValidationFailed
    assert (error.code, error.message) == (
        "invalid_points",
        "Points to redeem must be more than zero.",
    )


# --- which limit binds ------------------------------------------------------------------


def _limits(program: Any = P, **kwargs: Any) -> tuple[int, int, str, int, int]:
    args: dict[str, Any] = {
        "balance": 1_000_000,
        "sale_amount_cents": BIG_SALE,
        "offline_redeemed_today": None,
    }
    args.update(kwargs)
    got = program.redeem_limits(**args)
    return (
        got.max_points,
        got.max_value_cents,
        got.binding_limit,
        got.sale_cap_cents,
        got.min_points,
    )


def test_each_limit_can_bind() -> None:
    assert _limits(balance=700) == (700, 700, "insufficient_balance", 50_000_000, 100)
    assert _limits(sale_amount_cents=3_000) == (1_500, 1_500, "exceeds_sale_cap", 1_500, 100)
    assert _limits() == (100_000, 100_000, "redemption_over_limit", 50_000_000, 100)
    assert _limits(redeemed_today=150_000) == (
        50_000,
        50_000,
        "redemption_daily_limit",
        50_000_000,
        100,
    )
    assert _limits(offline_redeemed_today=300) == (
        1_700,
        1_700,
        "offline_daily_cap",
        50_000_000,
        100,
    )


def test_the_day_s_redemptions_bound_the_maximum() -> None:
    # nothing left, or less than the day's total already: none, never negative
    assert _limits(redeemed_today=200_000)[:3] == (0, 0, "redemption_daily_limit")
    assert _limits(redeemed_today=250_000)[:3] == (0, 0, "redemption_daily_limit")
    # redemptions taken back cannot make the day's limit larger
    assert _limits(redeemed_today=-50_000)[:3] == (100_000, 100_000, "redemption_over_limit")
    tight = P.model_copy(update={"max_member_daily_redeem_points": 50_000})
    assert _limits(tight, redeemed_today=-50_000)[:3] == (
        50_000,
        50_000,
        "redemption_daily_limit",
    )
    assert _limits(tight, redeemed_today=49_900)[:3] == (100, 100, "redemption_daily_limit")
    assert _limits(tight, redeemed_today=49_901)[:3] == (0, 0, "redemption_daily_limit")


def test_other_units_and_percentages() -> None:
    # 2 points are worth 1 cent; points pay at most 30 % of the sale
    other = P.model_copy(
        update={
            "redeem_points_unit": 2,
            "redeem_value_cents_per_unit": 1,
            "redeem_max_sale_percent": 30,
        }
    )
    assert _limits(other, sale_amount_cents=10_000) == (
        6_000,
        3_000,
        "exceeds_sale_cap",
        3_000,
        100,
    )
    assert _limits(other, sale_amount_cents=10_000, offline_redeemed_today=1_000) == (
        1_000,
        500,
        "offline_daily_cap",
        3_000,
        100,
    )


def test_a_maximum_below_the_minimum_is_none_but_the_minimum_itself_stands() -> None:
    assert _limits(balance=100)[:3] == (100, 100, "insufficient_balance")
    assert _limits(balance=99)[:3] == (0, 0, "insufficient_balance")
    assert _limits(offline_redeemed_today=1_900)[:3] == (100, 100, "offline_daily_cap")
    assert _limits(offline_redeemed_today=1_901)[:3] == (0, 0, "offline_daily_cap")
    assert _limits(offline_redeemed_today=2_500)[:3] == (0, 0, "offline_daily_cap")


def test_without_the_day_s_redemptions_none_are_counted() -> None:
    tight = P.model_copy(update={"max_member_daily_redeem_points": 500})
    limits = tight.redeem_limits(
        balance=10_000, sale_amount_cents=BIG_SALE, offline_redeemed_today=None
    )
    assert (limits.max_points, limits.binding_limit) == (500, "redemption_daily_limit")
    assert (
        tight.check_redeem(
            500, balance=10_000, sale_amount_cents=BIG_SALE, offline_redeemed_today=None
        )
        == 500
    )


def test_a_day_used_up_leaves_nothing_even_when_one_point_may_be_redeemed() -> None:
    any_amount = P.model_copy(update={"redeem_min_points": 1})
    assert _limits(any_amount, redeemed_today=200_000)[:3] == (0, 0, "redemption_daily_limit")
    assert _limits(any_amount, redeemed_today=199_999)[:3] == (1, 1, "redemption_daily_limit")
    assert _limits(any_amount, offline_redeemed_today=2_000)[:3] == (0, 0, "offline_daily_cap")
