"""What the till's scanner, screens and slips call: whether a burst of keys is a card,
a tier's name in the cashier's language, and an amount written back as a cashier types it."""

from __future__ import annotations

import pytest

from shared.domain.member_code import bare_member_code, looks_like_card, mint_member_code
from shared.domain.money import amount_text, parse_amount
from shared.domain.program import DEFAULT_PROGRAM as P
from shared.domain.program import Tier
from shared.errors import ValidationFailed

CODE = mint_member_code("100001", 42)  # "100001000429": 12 digits, the shortest code
LONGEST = mint_member_code("123456", 999_999_999)  # 16 digits


# --- amounts written back ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (12850, "CNY", "128.50"),
        (5, "CNY", "0.05"),
        (0, "CNY", "0.00"),
        (100, "CNY", "1.00"),
        (123456789, "USD", "1234567.89"),  # no grouping: the cashier types none
        (500, "JPY", "500"),
        (0, "JPY", "0"),
        (1234, "KWD", "1.234"),
        (5, "KWD", "0.005"),
        (1000, "BHD", "1.000"),
    ],
)
def test_an_amount_as_a_cashier_types_it(cents: int, currency: str, text: str) -> None:
    assert amount_text(cents, currency) == text
    assert parse_amount(text, currency) == cents  # and it reads back


def test_an_amount_in_no_currency_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        amount_text(100, "cny")
    assert err.value.code == "invalid_currency"


# --- scans ------------------------------------------------------------------------------


def test_the_codes_used_here() -> None:
    assert (CODE, len(LONGEST)) == ("100001000429", 16)


@pytest.mark.parametrize(
    "text",
    [
        f"MBR:{CODE}",
        f"mbr:{CODE}",
        f"  Mbr:{CODE}\r\n",
        "MBR:",  # a damaged card is still a card: it gets its own error later
        "MBR:12345678901X",
        CODE,
        f" {CODE} ",
        LONGEST,
    ],
)
def test_a_card_is_recognised(text: str) -> None:
    assert looks_like_card(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",  # a phone number: 11 digits
        "123456",  # a PIN
        "12850",  # an amount
        CODE[:-1] + str((int(CODE[-1]) + 1) % 10),  # a wrong check digit
        LONGEST + "0",  # 17 digits
        "",
        "   ",
        "MB",
        "WIFI:S:shop;;",
        "https://example.com/MBR:1",
        None,
        int(CODE),
    ],
)
def test_typing_is_not_a_card(text: object) -> None:
    assert looks_like_card(text) is False  # type: ignore[arg-type]


def test_a_bare_code_is_the_right_length_with_its_check_digit() -> None:
    assert bare_member_code(CODE) is True
    assert bare_member_code(LONGEST) is True
    # Luhn-valid digit strings one shorter or longer than a code are not codes
    eleven = _with_check_digit("1000010004")
    assert (len(eleven), bare_member_code_luhn(eleven)) == (11, True)
    assert bare_member_code(eleven) is False
    seventeen = _with_check_digit(LONGEST)
    assert (len(seventeen), bare_member_code_luhn(seventeen)) == (17, True)
    assert bare_member_code(seventeen) is False
    assert bare_member_code(" " + CODE) is False  # the caller strips, not this check
    assert bare_member_code("１００００１０００４２９") is False  # full-width digits
    assert bare_member_code("") is False


def _with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if bare_member_code_luhn(body + d))


def bare_member_code_luhn(digits: str) -> bool:
    """Luhn by hand (the test's own oracle, not the product's)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value * 2 > 9 else value * 2
        total += value
    return total % 10 == 0


def test_the_oracle_agrees_with_known_vectors() -> None:
    assert bare_member_code_luhn("79927398713")
    assert not bare_member_code_luhn("79927398710")
    assert bare_member_code_luhn(CODE)


# --- tier names -------------------------------------------------------------------------


def _tier(names: dict[str, str]) -> Tier:
    return Tier(
        code="gold", name="Gold", min_lifetime_points=0, multiplier_percent=100, names=names
    )


def test_a_tier_s_name_in_the_cashier_s_language() -> None:
    gold = P.tiers[2]
    assert gold.name_in("zh_CN") == "金卡"
    assert gold.name_in("en") == "Gold"
    assert gold.name_in("en_GB") == "Gold"  # the base language's name
    assert gold.name_in("zh_TW") is None  # only zh_CN is given, and no plain zh
    assert gold.name_in("fr_FR") is None
    assert gold.name_in("") is None


def test_the_exact_language_before_its_base() -> None:
    tier = _tier({"zh": "金", "zh_CN": "金卡", "sr": "Zlatna"})
    assert tier.name_in("zh_CN") == "金卡"
    assert tier.name_in("zh_TW") == "金"
    assert tier.name_in("zh") == "金"
    assert tier.name_in("sr_Latn_RS") == "Zlatna"  # a locale with a script: its first part
    assert _tier({}).name_in("zh_CN") is None


def test_equal_tiers_hash_alike_and_others_apart() -> None:
    a = _tier({"zh_CN": "金卡"})
    same = _tier({"zh_CN": "金卡"})
    assert a == same
    assert hash(a) == hash(same)
    assert len({a, same}) == 1
    assert len({a, a.model_copy(update={"multiplier_percent": 150})}) == 2
