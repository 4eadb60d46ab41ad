"""Returns: proportional take-back of earned points, redeemed points given back, coupon
restored on a full return, and never more than the sale (shared.domain.returns)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.returns import SaleFigures, return_effect
from shared.errors import ValidationFailed

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


@given(
    amount=st.integers(1, 10**7),
    earned=st.integers(0, 10**6),
    redeemed=st.integers(0, 10**6),
    asks=st.lists(st.integers(1, 10**7), min_size=1, max_size=12),
)
def test_any_split_of_returns_never_takes_back_more_than_the_sale(
    amount: int, earned: int, redeemed: int, asks: list[int]
) -> None:
    returned = taken = given_back = 0
    for ask in asks:
        sale = SaleFigures(amount, earned, redeemed, returned)
        effect = return_effect(sale, ask)
        assert effect.accepted_cents + effect.excess_cents == ask
        assert 0 <= effect.accepted_cents <= amount - returned
        assert effect.points_taken >= 0
        assert effect.points_given >= 0
        returned += effect.accepted_cents
        taken += effect.points_taken
        given_back += effect.points_given
        # after every step: exactly the proportional share of the running total, rounded down
        assert taken == earned * returned // amount <= earned
        assert given_back == redeemed * returned // amount <= redeemed
        assert effect.full == (returned == amount)
    if returned == amount:
        assert (taken, given_back) == (earned, redeemed)


@given(
    amount=st.integers(1, 10**6),
    earned=st.integers(0, 10**5),
    parts=st.lists(st.integers(1, 10**6), min_size=1, max_size=8),
    order=st.randoms(use_true_random=False),
)
def test_the_total_does_not_depend_on_the_order_of_the_returns(
    amount: int, earned: int, parts: list[int], order: object
) -> None:
    def total(sequence: list[int]) -> tuple[int, int]:
        returned = taken = 0
        for ask in sequence:
            effect = return_effect(SaleFigures(amount, earned, 0, returned), ask)
            returned += effect.accepted_cents
            taken += effect.points_taken
        return returned, taken

    shuffled = list(parts)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    assert total(parts) == total(shuffled)


def test_a_coupon_comes_back_on_a_full_return_only_if_it_has_not_expired() -> None:
    sale = SaleFigures(10_000, 100, 0, 4_000)
    later = NOW + timedelta(days=1)
    earlier = NOW - timedelta(days=1)
    assert return_effect(
        sale, 6_000, has_coupon=True, coupon_expires_at=later, at=NOW
    ).restore_coupon
    assert not return_effect(
        sale, 6_000, has_coupon=True, coupon_expires_at=earlier, at=NOW
    ).restore_coupon
    assert not return_effect(sale, 5_000, has_coupon=True, at=NOW).restore_coupon  # partial
    assert return_effect(sale, 6_000, has_coupon=True, at=NOW).restore_coupon  # never expires
    assert not return_effect(sale, 6_000, at=NOW).restore_coupon  # no coupon on the sale


def test_a_second_full_return_finds_nothing_left() -> None:
    sale = SaleFigures(5_000, 50, 200, 5_000)
    effect = return_effect(sale, 1_000, has_coupon=True)
    assert (effect.accepted_cents, effect.excess_cents) == (0, 1_000)
    assert (effect.points_taken, effect.points_given, effect.restore_coupon) == (0, 0, False)


def test_three_partial_returns_of_a_sale_of_100_points() -> None:
    effects = []
    returned = 0
    for ask in (3_333, 3_333, 3_334):
        effect = return_effect(SaleFigures(10_000, 100, 300, returned), ask)
        returned += effect.accepted_cents
        effects.append((effect.points_taken, effect.points_given))
    assert effects == [(33, 99), (33, 100), (34, 101)]


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "100"])
def test_an_amount_that_is_no_positive_whole_number_is_refused(bad: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        return_effect(SaleFigures(1_000, 10, 0), bad)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_amount"
