"""A number of points is shown as points, and its money value is the program's to say.

The program here gives ¥1.00 for every 200 points: 1,000 points are worth ¥5.00, where
reading the points as cents would say ¥10.00. Every refusal that tells the cashier how
much can still be redeemed names the points and what the program makes them worth, in
both languages. Expected figures are worked out by hand below, not by the program.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.errors import RuleViolation
from terminal.ui.formatting import format_money, format_points
from terminal.ui.i18n import LanguageManager
from terminal.ui.messages import error_message

# 200 points buy 100 cents: 1,000 points -> 500 cents.
PROGRAM = DEFAULT_PROGRAM.model_copy(
    update={"redeem_points_unit": 200, "redeem_value_cents_per_unit": 100}
)
MAX_POINTS = 1_000
WORTH = "¥5.00"  # 1,000 x 100 / 200 cents
AS_CENTS = "¥10.00"  # the mistake: 1,000 points read as 1,000 cents

# (code, program changes, check_redeem arguments): each refuses 1,200 points with
# exactly 1,000 left to redeem, bound by a different limit.
CASES: list[tuple[str, dict[str, int], dict[str, Any]]] = [
    ("insufficient_balance", {}, {"balance": 1_000, "sale_amount_cents": 100_000}),
    # 50 % of a ¥10.00 sale is 500 cents = 1,000 points; 1,200 points are 600 cents.
    ("exceeds_sale_cap", {}, {"balance": 100_000, "sale_amount_cents": 1_000}),
    (
        "offline_daily_cap",
        {"offline_daily_redeem_cap_points": 2_000},
        {"balance": 100_000, "sale_amount_cents": 100_000, "offline_redeemed_today": 1_000},
    ),
    (
        "redemption_over_limit",
        {"max_redeem_points": 1_000},
        {"balance": 100_000, "sale_amount_cents": 100_000},
    ),
    (
        "redemption_daily_limit",
        {"max_member_daily_redeem_points": 1_500},
        {"balance": 100_000, "sale_amount_cents": 100_000, "redeemed_today": 500},
    ),
]


@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    manager = LanguageManager(qapp)
    assert manager.set_language(request.param) or request.param == "en"
    yield request.param
    manager.set_language("en")


def _refusal(changes: dict[str, int], arguments: dict[str, Any]) -> RuleViolation:
    program = LoyaltyProgram.model_validate(PROGRAM.model_dump() | changes)
    options = {"offline_redeemed_today": None} | arguments
    with pytest.raises(RuleViolation) as refused:
        program.check_redeem(1_200, **options)
    return refused.value


@pytest.mark.parametrize(("code", "changes", "arguments"), CASES, ids=[c[0] for c in CASES])
def test_what_is_left_is_valued_by_the_program(
    language: str, code: str, changes: dict[str, int], arguments: dict[str, Any]
) -> None:
    error = _refusal(changes, arguments)
    assert error.code == code
    message = error_message(error, "CNY")
    assert f"{MAX_POINTS:,}" in message, message
    assert WORTH in message, message
    assert AS_CENTS not in message, message


def test_points_are_never_formatted_as_money(language: str) -> None:
    """The count of points keeps its own unit: grouped digits, no currency, no decimals."""
    text = format_points(MAX_POINTS)
    assert "1,000" in text
    assert "¥" not in text
    assert "." not in text
    assert format_money(500, "CNY") == WORTH
