"""Shared rules at their edges: thresholds met exactly, other currencies and programs,
the order lots expire in, and minting compared with trying every counter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.member_code import (
    luhn_check_digit,
    luhn_valid,
    member_code_prefix,
    mint_member_code,
    next_member_code,
    parse_scan,
)
from shared.domain.money import Money, check_int, parse_amount
from shared.domain.phone import mask_last4, mask_phone, normalize_phone, phone_hash, phone_last4
from shared.domain.program import DEFAULT_PROGRAM as P
from shared.domain.program import add_months, points_to_expire


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


# --- money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (0, "CNY", "0.00 CNY"),
        (-5, "CNY", "-0.05 CNY"),
        (-123456, "CNY", "-1,234.56 CNY"),
        (1234567, "JPY", "1,234,567 JPY"),
        (1234567, "KWD", "1,234.567 KWD"),
        (5, "KWD", "0.005 KWD"),
    ],
)
def test_money_is_shown_with_its_currency_s_decimals(cents: int, currency: str, shown: str) -> None:
    assert Money(cents, currency).format() == shown


def test_typed_amounts_allow_grouping_and_spaces() -> None:
    assert parse_amount(" 1 200 ", "CNY") == 120000
    assert parse_amount("1,200.50", "CNY") == 120050
    assert parse_amount("1.234", "KWD") == 1234
    assert parse_amount("0", "CNY") == 0
    assert check_int(7, what="x", code="y") == 7


# --- phones -----------------------------------------------------------------------------


def test_phones_are_read_in_the_region_whatever_its_case() -> None:
    assert normalize_phone("138 1234 5678", "cn") == "+8613812345678"
    assert phone_last4("+8613812345678") == "5678"


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+8613812345678", "138****5678"),  # 11 national digits
        ("+85261234567", "612*4567"),  # 8
        ("+3545512345", "***2345"),  # 7
        ("12345", "*2345"),  # not E.164: the digits as they are
    ],
)
def test_masking_hides_the_middle(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked


def test_last4_masks_and_the_keyed_hash() -> None:
    assert mask_last4("5678") == "****5678"
    assert mask_last4("5678", hidden=2) == "**5678"
    # A known answer, computed outside Python: HMAC-SHA256("store-key", "+8613812345678")
    expected = "79c8e6d5cdc33e5571c2641838af5fa57ee1c32f41f88bd925a03b5a46020201"
    assert phone_hash(b"store-key", "+8613812345678") == expected


# --- member codes -----------------------------------------------------------------------


def test_luhn_on_the_shortest_codes() -> None:
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_valid("00")
    assert luhn_valid("18")
    assert not luhn_valid("0")
    assert not luhn_valid("")


def test_a_code_s_prefix_and_forgiving_scans() -> None:
    code = mint_member_code("100001", 42)
    assert member_code_prefix(code) == "100001"
    assert parse_scan(f"mbr:{code}") == code  # scanners that send lower case
    assert parse_scan(f" {code}\x00") == code  # and a trailing NUL


def _first_safe_by_trying_each(prefix: str, counter: int) -> tuple[str, int]:
    while True:
        code = mint_member_code(prefix, counter)
        if "09" not in code and "90" not in code:
            return code, counter + 1
        counter += 1


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["123456", "100001", "555550", "812345"]), st.integers(1, 200_000))
def test_minting_finds_the_same_code_as_trying_every_counter(prefix: str, counter: int) -> None:
    assert next_member_code(prefix, counter) == _first_safe_by_trying_each(prefix, counter)


@pytest.mark.parametrize("counter", [1, 8_999, 9_000, 89_999, 90_000, 99_999, 100_000, 190_000])
def test_minting_across_the_09_and_90_ranges(counter: int) -> None:
    for prefix in ("123456", "555550"):
        assert next_member_code(prefix, counter) == _first_safe_by_trying_each(prefix, counter)


# --- the program ------------------------------------------------------------------------


def test_tiers_and_claims_at_the_exact_thresholds() -> None:
    assert P.tier_for(-5).code == "member"  # voids can leave lifetime points below zero
    assert P.earn_claim_stands(10_000, 125, 1000)  # silver reached exactly
    assert P.earn_claim_stands(10_000, 150, 5000)


def test_other_programs_rates_and_units() -> None:
    double = P.model_copy(update={"points_per_unit": 2})
    assert double.points_for_sale(10_000, 0) == 200
    thirds = P.model_copy(update={"redeem_points_unit": 3})
    value = thirds.points_value_cents(100)
    assert value == 3333
    assert isinstance(value, int)


def test_redeem_limits_at_their_edges() -> None:
    limits = P.redeem_limits(balance=100, sale_amount_cents=1_000_000, offline_redeemed_today=None)
    assert (limits.max_points, limits.binding_limit, limits.min_points) == (
        100,
        "insufficient_balance",
        100,
    )
    assert (
        P.check_redeem(100, balance=100, sale_amount_cents=200, offline_redeemed_today=None) == 100
    )
    any_amount = P.model_copy(update={"redeem_min_points": 1})
    assert any_amount.check_redeem(
        1, balance=5, sale_amount_cents=1_000, offline_redeemed_today=None
    ) == 1  # fmt: skip
    owing = any_amount.redeem_limits(
        balance=-5, sale_amount_cents=1_000, offline_redeemed_today=None
    )
    assert owing.max_points == 0
    spent = any_amount.redeem_limits(
        balance=5_000, sale_amount_cents=1_000_000, offline_redeemed_today=2_500
    )
    assert (spent.max_points, spent.binding_limit) == (0, "offline_daily_cap")


def test_months_are_added_in_the_calendar() -> None:
    assert add_months(_day(2024, 1, 31), 1) == _day(2024, 2, 29)
    assert add_months(_day(2025, 11, 15), 3) == _day(2026, 2, 15)


def test_expiry_consumes_the_oldest_lot_first_and_counts_every_lot() -> None:
    old, new = _day(2022, 1, 10), _day(2023, 6, 1)
    later = _day(2026, 1, 1)  # both lots are older than 24 months
    # The older lot is the larger: spending 200 comes out of it, so 300 of it expire.
    assert points_to_expire([(new, 300), (old, 500)], 200, _day(2024, 1, 11), P) == 300
    # 700 spent: the 300-point lot and 400 of the next; 100 left, which expires.
    assert points_to_expire([(old, 300), (new, 500)], 700, later, P) == 100
    assert points_to_expire([(old, 300), (new, 500)], 0, later, P) == 800
    assert points_to_expire([(old, 300), (new, 500)], 799, later, P) == 1
    assert points_to_expire([(old, 300)], 0, add_months(old, 24), P) == 300  # on the day
