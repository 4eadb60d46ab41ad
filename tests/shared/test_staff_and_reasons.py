"""Rules the head office's staff pages and a manager's adjustments call: staff PIN
lengths by role and program, and the reason text of a points adjustment."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.adjustment import (
    ADJUSTMENT_REASONS,
    MAX_REASON_TEXT,
    adjustment_reason,
    reason_code,
)
from shared.domain.program import DEFAULT_PROGRAM as P
from shared.domain.staff_pin import check_staff_pin
from shared.errors import ValidationFailed


def _refused(call: Any, *args: Any, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        call(*args, **kwargs)
    assert type(err.value) is ValidationFailed
    return err.value


# --- staff PINs -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cashier", "manager"])
@pytest.mark.parametrize("pin", [1234, None, "12a4", "12 34", "", "１２３４", "1234\n"])
def test_a_pin_is_ascii_digits_only(role: str, pin: object) -> None:
    error = _refused(check_staff_pin, pin, role, P)
    assert (error.code, error.message, error.params) == (
        "invalid_pin",
        "A PIN is digits only.",
        {},
    )


@pytest.mark.parametrize("pin", ["1234", "0000", "12345678", "00000001"])
def test_a_cashier_pin_has_4_to_8_digits(pin: str) -> None:
    assert check_staff_pin(pin, "cashier", P) == pin


@pytest.mark.parametrize("pin", ["123", "1", "123456789"])
def test_a_cashier_pin_outside_4_to_8_digits_is_refused(pin: str) -> None:
    error = _refused(check_staff_pin, pin, "cashier", P)
    assert (error.code, error.message, error.params) == (
        "invalid_pin",
        "A PIN is 4 to 8 digits.",
        {"min_length": 4, "max_length": 8},
    )


def test_a_manager_needs_the_program_s_length() -> None:
    assert P.manager_pin_length == 6
    assert check_staff_pin("123456", "manager", P) == "123456"  # exactly the program's length
    assert check_staff_pin("12345678", "manager", P) == "12345678"
    for pin in ("12345", "1234", "123456789"):
        error = _refused(check_staff_pin, pin, "manager", P)
        assert (error.code, error.message, error.params) == (
            "invalid_pin",
            "A manager's PIN is 6 to 8 digits.",
            {"min_length": 6, "max_length": 8},
        )
    # the longer rule is the manager's only: a cashier's five digits are fine
    assert check_staff_pin("12345", "cashier", P) == "12345"


@pytest.mark.parametrize(("length", "shortest_ok"), [(4, "1234"), (7, "1234567"), (8, "12345678")])
def test_a_manager_s_length_follows_the_program(length: int, shortest_ok: str) -> None:
    program = P.model_copy(update={"manager_pin_length": length})
    assert check_staff_pin(shortest_ok, "manager", program) == shortest_ok
    if length > 4:
        error = _refused(check_staff_pin, shortest_ok[:-1], "manager", program)
        assert error.params == {"min_length": length, "max_length": 8}
        assert error.message == f"A manager's PIN is {length} to 8 digits."


def test_only_the_manager_role_is_held_to_the_longer_pin() -> None:
    for role in ("cashier", "Manager", "supervisor", ""):
        assert check_staff_pin("1234", role, P) == "1234"
        error = _refused(check_staff_pin, "123456789", role, P)
        assert error.message == "A PIN is 4 to 8 digits."


# --- adjustment reasons -----------------------------------------------------------------


def test_the_reason_list_is_the_protocol_s() -> None:
    assert list(ADJUSTMENT_REASONS) == [
        "missed_scan",
        "wrong_amount",
        "goodwill",
        "complaint",
        "other",
    ]
    assert MAX_REASON_TEXT == 500


@pytest.mark.parametrize("code", ["missed_scan", "wrong_amount", "goodwill", "complaint"])
def test_a_listed_reason_alone_or_with_the_manager_s_words(code: str) -> None:
    assert adjustment_reason(code) == code
    assert adjustment_reason(code, "") == code
    assert adjustment_reason(code, "   \n") == code  # blank words add nothing
    assert adjustment_reason(code, "  sale R-9 ") == f"{code}: sale R-9"
    assert adjustment_reason(code, None) == code  # type: ignore[arg-type]


def test_other_needs_the_manager_s_words() -> None:
    assert adjustment_reason("other", "till crashed") == "other: till crashed"
    for note in ("", "   ", None):
        error = _refused(adjustment_reason, "other", note)
        assert (error.code, error.message, error.params) == (
            "invalid_reason",
            "Explain the reason for this adjustment.",
            {},
        )


@pytest.mark.parametrize("code", ["", "Goodwill", "goodwill ", "free text", "Card not scanned"])
def test_a_reason_not_on_the_list_is_refused(code: str) -> None:
    error = _refused(adjustment_reason, code, "some words")
    assert (error.code, error.message, error.params) == (
        "invalid_reason",
        "Choose a reason from the list.",
        {},
    )


def test_a_reason_is_at_most_500_characters_in_all() -> None:
    room = MAX_REASON_TEXT - len("goodwill: ")
    longest = adjustment_reason("goodwill", "x" * room)
    assert len(longest) == 500
    assert longest == "goodwill: " + "x" * room
    error = _refused(adjustment_reason, "goodwill", "x" * (room + 1))
    assert (error.code, error.message, error.params) == (
        "invalid_reason",
        "A reason has at most 500 characters.",
        {},
    )
    # the manager's spaces around the words do not count
    assert adjustment_reason("goodwill", "  " + "x" * room + "  ") == longest


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("missed_scan", "missed_scan"),
        ("missed_scan: sale R-9", "missed_scan"),
        ("other: she said: thanks", "other"),  # the words may hold the separator too
        ("complaint: ", "complaint"),
        ("goodwill:no space", None),  # not the separator: free text of an old till
        ("goodwill sale R-9", None),
        ("typed by an old till", None),
        ("Goodwill: x", None),
        ("", None),
    ],
)
def test_the_code_an_adjustment_s_reason_starts_with(reason: str, code: str | None) -> None:
    assert reason_code(reason) == code


def test_every_reason_text_reads_back_as_its_code() -> None:
    for code in ADJUSTMENT_REASONS:
        note = "why: because" if code == "other" else ""
        assert reason_code(adjustment_reason(code, note)) == code
