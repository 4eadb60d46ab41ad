"""Coupon codes (typed or scanned, never a member card), coupon terms from head office's
JSON (each error naming its field), and a program's earn and redemption units per
currency, the one function the till and the server both call."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.domain.coupons import (
    CouponTerms,
    coupon_payload,
    coupon_refusal,
    discount_cents,
    looks_like_coupon,
    new_coupon_code,
    normalize_coupon_code,
    parse_coupon_terms,
)
from shared.domain.member_code import looks_like_card
from shared.domain.program import (
    DEFAULT_PROGRAM,
    CurrencyUnits,
    LoyaltyProgram,
    describe_program_errors,
)
from shared.errors import ValidationFailed
from shared.protocol import CouponData, CouponRedeemedData, Event

# --- codes ----------------------------------------------------------------------------


def test_a_code_is_read_however_it_was_typed_or_scanned() -> None:
    assert normalize_coupon_code("CPN:XMAS26AB") == "XMAS26AB"
    assert normalize_coupon_code("cpn:xmas26ab") == "XMAS26AB"
    assert normalize_coupon_code(" xmas-26ab ") == "XMAS26AB"
    assert normalize_coupon_code("XMAS 26AB") == "XMAS26AB"
    assert coupon_payload("xmas-26ab") == "CPN:XMAS26AB"


@pytest.mark.parametrize("raw", ["", "CPN:", "ABC", "CPN:ABC!DEF", "A" * 25, "MBR:12345678", 7])
def test_anything_else_is_not_a_coupon_code(raw: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_coupon_code(raw)
    assert caught.value.code == "invalid_coupon_code"


def test_a_scanned_coupon_is_never_a_member_card_and_the_other_way_round() -> None:
    assert looks_like_coupon("CPN:XMAS26AB")
    assert looks_like_coupon("cpn:xmas26ab")
    assert not looks_like_card("CPN:XMAS26AB")
    assert not looks_like_coupon("MBR:100000000009")
    assert not looks_like_coupon("XMAS26AB")  # typed, not scanned: the code field reads it


@given(st.integers(6, 24))
def test_new_codes_read_back_as_themselves(length: int) -> None:
    code = new_coupon_code(length)
    assert len(code) == length
    assert normalize_coupon_code(coupon_payload(code)) == code
    assert not set(code) & set("01OIL")  # never misread when typed


# --- terms from head office -------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "words"),
    [
        (
            '{"kind": "percent", "percent": 150, "currency": "CNY"}',
            "percent: Input should be less than or equal to 100",
        ),
        (
            '{"value_cents": 500, "currency": "CNY", "valid_from": "2026-12-24T00:00:00+08:00",'
            ' "expires_at": "2026-12-01T00:00:00+08:00"}',
            "expires_at: 2026-12-01T00:00:00+08:00 is not after valid_from",
        ),
        ('{"value_cents": 500, "currency": "XYZ"}', "currency: XYZ is not an ISO 4217"),
        ('{"value_cents": 500, "currency": "cny"}', "currency: String should match pattern"),
        ('{"value_cents": 500}', "currency: Field required"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(terms: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_coupon_terms(terms)
    assert caught.value.code == "invalid_coupon"
    assert words in caught.value.message


def test_the_reason_names_what_explains_it() -> None:
    start = datetime(2026, 12, 24, tzinfo=UTC)
    terms = CouponTerms(
        kind="percent",
        currency="CNY",
        percent=10,
        cap_cents=5_000,
        min_spend_cents=20_000,
        valid_from=start,
        stores=("S001",),
    )
    found = coupon_refusal(
        terms, sale_cents=30_000, store_code="S001", currency="CNY", now=start - timedelta(1)
    )
    assert found is not None
    assert found.params == {"valid_from": start}
    found = coupon_refusal(terms, sale_cents=30_000, store_code="S002", currency="CNY", now=start)
    assert found is not None
    assert found.code == "coupon_wrong_store"
    assert (
        coupon_refusal(terms, sale_cents=30_000, store_code="S001", currency="CNY", now=start)
        is None
    )


@given(
    percent=st.integers(1, 100),
    cap=st.integers(1, 10**6),
    sale=st.integers(0, 10**10),
    min_spend=st.integers(0, 10**6),
)
def test_a_usable_percent_coupon_never_exceeds_its_cap(
    percent: int, cap: int, sale: int, min_spend: int
) -> None:
    """Whatever the sale, a percent coupon the rules let through takes off at most its
    cap and at most the sale; one the rules refuse is never applied."""
    terms = CouponTerms(
        kind="percent", currency="HKD", percent=percent, cap_cents=cap, min_spend_cents=min_spend
    )
    now = datetime(2026, 12, 24, tzinfo=UTC)
    refused = coupon_refusal(terms, sale_cents=sale, store_code="H1", currency="HKD", now=now)
    assert (refused is not None) == (sale < min_spend)
    off = discount_cents(terms, sale)
    assert 0 <= off <= min(cap, sale)


# --- units per currency -----------------------------------------------------------------


def two_currency_program(**extra: Any) -> LoyaltyProgram:
    return DEFAULT_PROGRAM.model_copy(
        update={
            "currencies": {
                "CNY": CurrencyUnits(earn_unit_cents=100, points_per_unit=1),
                "HKD": CurrencyUnits(
                    earn_unit_cents=1000,
                    points_per_unit=9,
                    redeem_points_unit=100,
                    redeem_value_cents_per_unit=110,
                ),
            },
            **extra,
        }
    )


def test_a_cny_and_an_hkd_store_earn_and_redeem_at_their_own_rates() -> None:
    program = LoyaltyProgram.model_validate(two_currency_program().model_dump())
    assert program.points_for_sale(12_800, 0, "CNY") == 128  # ¥128: 1 pt per ¥1
    assert program.points_for_sale(12_800, 0, "HKD") == 108  # HK$128: 9 pts per HK$10
    assert program.points_value_cents(500, "CNY") == 500
    assert program.points_value_cents(500, "HKD") == 550
    assert program.points_for_sale(12_800, 0, "EUR") == 128  # not listed: the program's own
    limits = program.redeem_limits(
        balance=10_000, sale_amount_cents=10_000, offline_redeemed_today=None, currency="HKD"
    )
    assert limits.max_points == 5_000 * 100 // 110  # half the sale, at HK$1.10 a 100 pts
    assert limits.max_value_cents <= 5_000
    flag = program.redemption_flag(
        4_600,
        sale_amount_cents=10_000,
        offline=False,
        redeemed_today=0,
        redeemed_here_today=0,
        currency="HKD",
    )
    assert flag == "exceeds_sale_cap"  # 4,600 pts are HK$50.60 in Hong Kong
    assert (
        program.redemption_flag(
            4_600,
            sale_amount_cents=10_000,
            offline=False,
            redeemed_today=0,
            redeemed_here_today=0,
            currency="CNY",
        )
        is None
    )


def test_the_claim_a_till_makes_is_weighed_in_its_currency() -> None:
    program = two_currency_program()
    assert program.earn_claim_stands(12_800, 108, 0, currency="HKD")
    assert not program.earn_claim_stands(12_800, 128, 0, currency="HKD")
    breakdown = program.earn_breakdown(
        12_800, 0, local_time=datetime(2026, 12, 24, 10), store_code="H1", currency="HKD"
    )
    assert breakdown.total == 108


@pytest.mark.parametrize(
    ("currencies", "words"),
    [
        ({"XYZ": {}}, "currencies.XYZ: not an ISO 4217 currency in use"),
        ({"hkd": {}}, "currencies.hkd.[key]: String should match pattern"),
        ({"HKD": {"earn_unit_cents": 0}}, "currencies.HKD.earn_unit_cents: Input should be"),
        ({"HKD": {"points": 1}}, "currencies.HKD.points: Extra inputs are not permitted"),
    ],
)
def test_bad_currency_units_are_refused_naming_the_field(
    currencies: dict[str, Any], words: str
) -> None:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "currencies": currencies}
    with pytest.raises(ValidationError) as caught:
        LoyaltyProgram.model_validate(body)
    assert words in describe_program_errors(caught.value.errors())


@given(
    unit=st.integers(1, 10_000),
    per_unit=st.integers(0, 50),
    redeem_unit=st.integers(1, 1_000),
    redeem_value=st.integers(1, 1_000),
    amount=st.integers(1, 10**8),
    lifetime=st.integers(0, 10**6),
    points=st.integers(0, 10**6),
)
def test_a_currency_earns_as_a_program_with_its_units_would(
    unit: int,
    per_unit: int,
    redeem_unit: int,
    redeem_value: int,
    amount: int,
    lifetime: int,
    points: int,
) -> None:
    """The per-currency rule is the one rule with other units: the till (which passes
    its store's currency) and the server (the event's) compute the same points."""
    units = CurrencyUnits(
        earn_unit_cents=unit,
        points_per_unit=per_unit,
        redeem_points_unit=redeem_unit,
        redeem_value_cents_per_unit=redeem_value,
    )
    program = DEFAULT_PROGRAM.model_copy(update={"currencies": {"MOP": units}})
    alone = DEFAULT_PROGRAM.model_copy(update=units.model_dump())
    assert program.points_for_sale(amount, lifetime, "MOP") == alone.points_for_sale(
        amount, lifetime
    )
    assert program.points_value_cents(points, "MOP") == alone.points_value_cents(points)
    assert program.points_for_sale(amount, lifetime, "CNY") == DEFAULT_PROGRAM.points_for_sale(
        amount, lifetime
    )


# --- on the wire ------------------------------------------------------------------------


def test_a_coupon_use_and_a_coupon_row_survive_the_round_trip() -> None:
    data = {
        "coupon_id": str(uuid.uuid4()),
        "sale_ref": "R-1",
        "code": "XMAS26AB",
        "sale_amount_cents": 30_000,
        "discount_cents": 3_000,
        "offline": True,
    }
    event = Event.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "terminal_id": str(uuid.uuid4()),
            "seq": 1,
            "type": "coupon.redeemed",
            "occurred_at": "2026-12-24T10:00:00+08:00",
            "member_id": str(uuid.uuid4()),
            "data": data,
        }
    )
    again = Event.model_validate_json(event.model_dump_json())
    assert again == event
    assert again.data == data
    typed = again.typed_data()
    assert isinstance(typed, CouponRedeemedData)
    assert (typed.code, typed.discount_cents, typed.offline) == ("XMAS26AB", 3_000, True)
    # an older till's use (no extension) is read as before
    assert CouponRedeemedData.model_validate({"coupon_id": data["coupon_id"], "sale_ref": "R"})
    for bad in ({"code": "xmas26ab"}, {"discount_cents": -1}, {"offline": "yes"}):
        with pytest.raises(ValidationError):
            CouponRedeemedData.model_validate({**data, **bad})
    terms = CouponTerms(kind="percent", currency="CNY", percent=10, cap_cents=5_000)
    row = CouponData.model_validate(
        {
            "coupon_id": data["coupon_id"],
            "member_id": str(uuid.uuid4()),
            "title": "10% off",
            "value_cents": 0,
            "currency": "CNY",
            "status": "available",
            "code": "XMAS26AB",
            "terms": terms.model_dump(mode="json", exclude_defaults=True),
        }
    )
    back = CouponData.model_validate_json(row.model_dump_json())
    assert back == row
    assert CouponTerms.model_validate(back.terms) == terms  # type: ignore[attr-defined]
