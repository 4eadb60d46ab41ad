from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.member_code import (
    MAX_CODE_LENGTH,
    MAX_COUNTER,
    PREFIX_LENGTH,
    luhn_valid,
    mint_member_code,
    next_member_code,
    parse_scan,
    qr_payload,
    validate_member_code,
)
from shared.errors import ValidationFailed

prefixes = st.integers(min_value=100000, max_value=999999).map(str)
safe_prefixes = prefixes.filter(lambda p: "09" not in p and "90" not in p)
counters = st.integers(min_value=1, max_value=MAX_COUNTER)


def test_known_luhn_vectors() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert luhn_valid("4539578763621486")


@given(prefixes, counters)
def test_minted_codes_validate_and_keep_their_prefix(prefix: str, counter: int) -> None:
    code = mint_member_code(prefix, counter)
    assert validate_member_code(code) == code
    assert code.startswith(prefix)
    assert len(code) <= MAX_CODE_LENGTH


@given(prefixes, counters, prefixes, counters)
def test_codes_from_different_prefixes_or_counters_never_collide(
    p1: str, c1: int, p2: str, c2: int
) -> None:
    if (p1, c1) != (p2, c2):
        assert mint_member_code(p1, c1) != mint_member_code(p2, c2)


@given(prefixes, counters, st.data())
def test_every_single_digit_error_fails_the_check(
    prefix: str, counter: int, data: st.DataObject
) -> None:
    code = mint_member_code(prefix, counter)
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    typo = code[:position] + wrong + code[position + 1 :]
    with pytest.raises(ValidationFailed) as err:
        validate_member_code(typo)
    assert err.value.code == "invalid_member_code"


@given(safe_prefixes, st.integers(min_value=1, max_value=MAX_COUNTER // 2))
def test_every_adjacent_transposition_of_a_minted_code_fails_the_check(
    prefix: str, counter: int
) -> None:
    code, following = next_member_code(prefix, counter)
    assert following > counter
    for i in range(len(code) - 1):
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        if swapped != code:  # equal neighbours: nothing was transposed
            with pytest.raises(ValidationFailed):
                validate_member_code(swapped)


def test_luhn_alone_misses_the_09_swap_so_such_codes_are_never_minted() -> None:
    # 09 <-> 90 is the one adjacent swap Luhn cannot see: both of these pass its check.
    assert luhn_valid("09019")
    assert luhn_valid("90019")
    assert not luhn_valid("09010")
    assert not luhn_valid("90010")
    codes = set()
    counter = 1
    for _ in range(2000):
        code, counter = next_member_code("123456", counter)
        assert "09" not in code
        assert "90" not in code
        codes.add(code)
    assert len(codes) == 2000
    with pytest.raises(ValidationFailed):
        next_member_code("109123", 1)


def test_qr_payload_round_trip_and_bare_codes() -> None:
    code = mint_member_code("100001", 42)
    assert qr_payload(code) == f"MBR:{code}"
    assert parse_scan(f"MBR:{code}") == code
    assert parse_scan(f"  mbr:{code}\r\n") == code
    assert parse_scan(code) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "invalid_member_code"),
        ("MBR:", "invalid_member_code"),
        ("MBR:12345678901X", "invalid_member_code"),
        ("https://example.com/x", "invalid_qr_payload"),
        ("WIFI:S:shop;;", "invalid_qr_payload"),
        ("'; DROP TABLE members; --", "invalid_member_code"),
        ("１００００１０００４２９", "invalid_member_code"),  # full-width digits
        ("1000010004", "invalid_member_code"),  # too short
        ("1" * 17, "invalid_member_code"),  # too long
        ("100001000420", "invalid_member_code"),  # wrong check digit
    ],
)
def test_bad_scans_are_clear_errors(raw: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_scan(raw)
    assert err.value.code == code
    assert "member" in str(err.value).lower()


def test_prefix_and_counter_are_checked() -> None:
    with pytest.raises(ValidationFailed):
        mint_member_code("12345", 1)
    with pytest.raises(ValidationFailed):
        mint_member_code("1234567", 1)
    with pytest.raises(ValidationFailed) as err:
        mint_member_code("123456", MAX_COUNTER + 1)
    assert err.value.code == "member_code_exhausted"
    with pytest.raises(ValidationFailed):
        mint_member_code("123456", 0)
    assert len(mint_member_code("123456", MAX_COUNTER)) == MAX_CODE_LENGTH
    assert PREFIX_LENGTH == 6
