"""What a person is told when a shared rule refuses: the exact code (the terminal
translates by it), the English message (the server's problem details, the CLIs) and the
figures the message needs (params)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.domain.member_code import (
    check_prefix,
    check_safe_prefix,
    mint_member_code,
    parse_scan,
    validate_member_code,
)
from shared.domain.money import Money, check_currency, check_int, parse_amount
from shared.domain.phone import normalize_phone
from shared.domain.program import DEFAULT_PROGRAM as P
from shared.errors import DomainError, RuleViolation, ValidationFailed

V, R = ValidationFailed, RuleViolation
BIG_SALE = 1_000_000


def _refusal(call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as err:
        call()
    return err.value


def _redeem(points: object, balance: int, sale: int, today: int | None) -> Callable[[], object]:
    return lambda: P.check_redeem(
        points, balance=balance, sale_amount_cents=sale, offline_redeemed_today=today
    )


CASES: list[tuple[str, Callable[[], object], type, str, str, dict[str, Any]]] = [
    # money
    ("currency", lambda: check_currency("cny"), V, "invalid_currency",
     "Not an ISO 4217 currency code: 'cny'", {}),
    ("currency type", lambda: check_currency(156), V, "invalid_currency",
     "Not an ISO 4217 currency code: 156", {}),
    ("whole number", lambda: check_int(True, what="Points", code="invalid_points"), V,
     "invalid_points", "Points must be a whole number, got True", {}),
    ("money amount", lambda: Money(1.5, "CNY"), V, "invalid_amount",  # type: ignore[arg-type]
     "amount_cents must be a whole number, got 1.5", {}),
    ("money currency", lambda: Money(100, "yuan"), V, "invalid_currency",
     "Not an ISO 4217 currency code: 'yuan'", {}),
    ("blank amount", lambda: parse_amount("  ", "CNY"), V, "invalid_amount",
     "Enter an amount.", {"reason": "empty"}),
    ("words", lambda: parse_amount("ten", "CNY"), V, "invalid_amount", "Not an amount: 'ten'",
     {"reason": "not_a_number"}),
    ("not finite", lambda: parse_amount("NaN", "CNY"), V, "invalid_amount",
     "Not an amount: 'NaN'", {"reason": "not_a_number"}),
    ("decimals", lambda: parse_amount("1.234", "CNY"), V, "invalid_amount",
     "CNY amounts have at most 2 decimals: '1.234'", {"reason": "too_many_decimals", "decimals": 2}),
    ("yen decimals", lambda: parse_amount("1.5", "JPY"), V, "invalid_amount",
     "JPY amounts have at most 0 decimals: '1.5'", {"reason": "too_many_decimals", "decimals": 0}),
    ("negative", lambda: parse_amount("-1", "CNY"), V, "invalid_amount",
     "Amounts cannot be negative.", {"reason": "negative"}),
    ("amount currency", lambda: parse_amount("1", "rmb"), V, "invalid_currency",
     "Not an ISO 4217 currency code: 'rmb'", {}),
    # phone
    ("no phone", lambda: normalize_phone("  ", "CN"), V, "invalid_phone",
     "Enter a phone number.", {}),
    ("phone type", lambda: normalize_phone(13812345678, "CN"), V,  # type: ignore[arg-type]
     "invalid_phone", "Enter a phone number.", {}),
    ("long phone", lambda: normalize_phone("1" * 41, "CN"), V, "invalid_phone",
     "That phone number is too long.", {}),
    ("not a phone", lambda: normalize_phone("call me", "CN"), V, "invalid_phone",
     "Not a phone number: 'call me'", {}),
    ("invalid phone", lambda: normalize_phone("12345", "CN"), V, "invalid_phone",
     "Not a valid phone number for region CN: '12345'", {}),
    # member codes
    ("prefix", lambda: check_prefix("12345"), V, "invalid_prefix",
     "A member code prefix is exactly 6 digits: '12345'", {}),
    ("unsafe prefix", lambda: check_safe_prefix("109123"), V, "invalid_prefix",
     "A member code prefix may not contain 09 or 90: '109123'", {}),
    ("counter", lambda: mint_member_code("100001", 0), V, "member_code_exhausted",
     "The member code counter must be between 1 and 999999999: 0", {}),
    ("counter type", lambda: mint_member_code("100001", "5"), V,  # type: ignore[arg-type]
     "member_code_exhausted", "The member code counter must be between 1 and 999999999: '5'",
     {}),
    ("counter bool", lambda: mint_member_code("100001", True), V, "member_code_exhausted",
     "The member code counter must be between 1 and 999999999: True", {}),
    ("letters", lambda: validate_member_code("12345abc12345"), V, "invalid_member_code",
     "Not a valid member code: a member code has digits only.", {}),
    ("wide digits", lambda: validate_member_code("１２３４５６７８９０１２"), V,
     "invalid_member_code", "Not a valid member code: a member code has digits only.", {}),
    ("code type", lambda: validate_member_code(100001000420), V,  # type: ignore[arg-type]
     "invalid_member_code", "Not a valid member code: a member code has digits only.", {}),
    ("short code", lambda: validate_member_code("12345678901"), V, "invalid_member_code",
     "Not a valid member code: it must have 12 to 16 digits.", {}),
    ("check digit", lambda: validate_member_code("100001000421"), V, "invalid_member_code",
     "Not a valid member code: the check digit does not match (mistyped or misread).", {}),
    ("scan type", lambda: parse_scan(None), V, "invalid_member_code",  # type: ignore[arg-type]
     "Not a valid member code.", {}),
    ("other qr", lambda: parse_scan("https://example.com/x"), V, "invalid_qr_payload",
     "This QR code is not a member card (it should start with MBR:).", {}),
    ("path", lambda: parse_scan("100001/000420"), V, "invalid_qr_payload",
     "This QR code is not a member card (it should start with MBR:).", {}),
    # the program: sales
    ("sale type", lambda: P.check_sale_amount("100"), V, "invalid_amount",
     "Sale amount must be a whole number, got '100'", {}),
    ("no sale", lambda: P.check_sale_amount(0), V, "invalid_amount",
     "The sale amount must be more than zero.", {}),
    ("huge sale", lambda: P.check_sale_amount(P.max_sale_amount_cents + 1), V, "invalid_amount",
     "The sale amount is larger than any sale this program accepts.",
     {"max_amount_cents": 100_000_000}),
    # the program: redemptions
    ("points type", _redeem(1.5, 500, BIG_SALE, None), V, "invalid_points",
     "Points must be a whole number, got 1.5", {}),
    ("no points", _redeem(0, 500, BIG_SALE, None), V, "invalid_points",
     "Points to redeem must be more than zero.", {}),
    ("few points", _redeem(99, 500, BIG_SALE, None), R, "below_minimum_redeem",
     "At least 100 points must be redeemed at once.", {"min_points": 100}),
    # offline, 1,800 redeemed today: 200 left, which also bounds the advertised maximum
    ("balance", _redeem(600, 500, BIG_SALE, 1800), R, "insufficient_balance",
     "The member has 500 points; 600 cannot be redeemed.", {"balance": 500, "max_points": 200, "max_value_cents": 200}),
    ("sale cap", _redeem(600, 5000, 1000, None), R, "exceeds_sale_cap",
     "Points may pay at most 50% of the sale.",
     {"percent": 50, "cap_cents": 500, "max_points": 500, "max_value_cents": 500}),
    ("daily cap", _redeem(600, 5000, BIG_SALE, 1500), R, "offline_daily_cap",
     "While offline a member may redeem at most 2000 points a day; 500 are left today.",
     {"cap": 2000, "left": 500, "max_points": 500, "max_value_cents": 500}),
    ("cap used up", _redeem(100, 5000, BIG_SALE, 2500), R, "offline_daily_cap",
     "While offline a member may redeem at most 2000 points a day; 0 are left today.",
     {"cap": 2000, "left": 0, "max_points": 0, "max_value_cents": 0}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "kind", "code", "message", "params"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_refusal_says_exactly_what_and_why(
    call: Callable[[], object], kind: type, code: str, message: str, params: dict[str, Any]
) -> None:
    error = _refusal(call)
    assert type(error) is kind
    assert (error.code, error.message, error.params) == (code, message, params)
