"""Coupon terms: refusals with their reason, discounts within the sale and the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.domain.coupons import CouponTerms, coupon_refusal, discount_cents

NOW = datetime(2026, 12, 20, 10, 0, tzinfo=UTC)
TEN_OFF_ABOVE_200 = CouponTerms(
    kind="percent", currency="CNY", percent=10, cap_cents=5_000, min_spend_cents=20_000,
    valid_from=NOW + timedelta(days=4), stores=("S001",),
)  # fmt: skip


def refusal(terms: CouponTerms, **sale: Any) -> str | None:
    where = {"sale_cents": 30_000, "store_code": "S001", "currency": "CNY", "now": NOW}
    found = coupon_refusal(terms, **{**where, **sale})
    return None if found is None else found.code


def test_each_reason_a_coupon_cannot_be_used() -> None:
    assert refusal(TEN_OFF_ABOVE_200) == "coupon_not_yet_valid"
    later = NOW + timedelta(days=5)
    assert refusal(TEN_OFF_ABOVE_200, now=later) is None
    assert refusal(TEN_OFF_ABOVE_200, now=later, sale_cents=19_999) == "coupon_min_spend"
    assert refusal(TEN_OFF_ABOVE_200, now=later, store_code="S002") == "coupon_wrong_store"
    assert refusal(TEN_OFF_ABOVE_200, now=later, currency="HKD") == "coupon_wrong_currency"
    assert refusal(TEN_OFF_ABOVE_200, now=later, other_coupons=1) == "coupon_not_stackable"
    expiring = CouponTerms(currency="CNY", value_cents=500, expires_at=NOW)
    assert refusal(expiring) == "coupon_expired"
    found = coupon_refusal(
        TEN_OFF_ABOVE_200, sale_cents=100, store_code="S001", currency="CNY", now=later
    )
    assert found is not None
    assert found.params == {"min_spend_cents": 20_000}


def test_discounts() -> None:
    assert discount_cents(TEN_OFF_ABOVE_200, 30_000) == 3_000
    assert discount_cents(TEN_OFF_ABOVE_200, 90_000) == 5_000  # capped
    assert discount_cents(CouponTerms(currency="CNY", value_cents=500), 300) == 300
    item = CouponTerms(kind="item", currency="CNY", item_text="A free coffee")
    assert discount_cents(item, 10_000) == 0


@pytest.mark.parametrize(
    ("terms", "words"),
    [
        ({"kind": "percent", "percent": 101}, "percent\n  Input should be less than or equal to 100"),
        ({"kind": "percent"}, "percent: a percent coupon needs a percent"),
        ({"value_cents": 0}, "value_cents: a fixed coupon is worth more than zero"),
        ({"kind": "item"}, "item_text: a free-item coupon names the item"),
        ({"value_cents": 5, "cap_cents": 5}, "only a percent coupon has a percent or a cap"),
        (
            {"value_cents": 5, "valid_from": "2026-12-24T00:00:00+08:00",
             "expires_at": "2026-12-01T00:00:00+08:00"},
            "expires_at: 2026-12-01T00:00:00+08:00 is not after valid_from",
        ),
    ],
)  # fmt: skip
def test_bad_terms_name_the_field(terms: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CouponTerms.model_validate({"currency": "CNY", **terms})
    assert words in str(caught.value)


@given(
    percent=st.integers(1, 100),
    cap=st.none() | st.integers(1, 10**7),
    sale=st.integers(0, 10**9),
)
def test_a_percent_coupon_never_exceeds_its_cap_or_the_sale(
    percent: int, cap: int | None, sale: int
) -> None:
    terms = CouponTerms(kind="percent", currency="CNY", percent=percent, cap_cents=cap)
    off = discount_cents(terms, sale)
    assert 0 <= off <= sale
    if cap is not None:
        assert off <= cap
    assert off == min(sale * percent // 100, cap if cap is not None else sale)


@given(value=st.integers(1, 10**7), sale=st.integers(0, 10**9))
def test_a_fixed_coupon_never_exceeds_the_sale(value: int, sale: int) -> None:
    off = discount_cents(CouponTerms(currency="CNY", value_cents=value), sale)
    assert off == min(value, sale)
