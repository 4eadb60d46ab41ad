"""Known answers and exact edges that the mutation gate showed untested: the day-close
digest and figures, tier progress near a threshold, what expires when at the boundary,
the dates a person may type, a phone number's length limit, where a 0/9 pair sits."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest

from shared.domain.business_day import business_date, parse_day
from shared.domain.day_totals import DayEvent, DayTotals, day_totals, event_digest
from shared.domain.member_code import _first_unsafe_pair
from shared.domain.phone import normalize_phone
from shared.domain.program import DEFAULT_PROGRAM as P
from shared.domain.program import add_months, expiry_schedule
from shared.domain.tier_progress import tier_progress
from shared.errors import ValidationFailed

# --- day close --------------------------------------------------------------------------


def test_the_day_digest_is_sha256_of_the_sorted_ids_one_per_line() -> None:
    # hashlib over bytes written out here, not over the product's own join
    assert event_digest(["id-b", "id-a"]) == hashlib.sha256(b"id-a\nid-b").hexdigest()
    assert event_digest(["only"]) == hashlib.sha256(b"only").hexdigest()
    assert event_digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_the_figures_a_day_close_compares() -> None:
    totals = day_totals(
        [
            DayEvent("e1", 7, "points.earned", {"points": 12, "amount_cents": 1250}),
            DayEvent("e2", 8, "points.redeemed", {"points": 100}),
            DayEvent("e3", 9, "points.earned", {"points": 3, "amount_cents": 300}),
        ]
    )
    assert (totals.first_seq, totals.last_seq) == (7, 9)
    assert totals.figures() == {
        "counts": {"points.earned": 2, "points.redeemed": 1},
        "points_earned": 15,
        "points_redeemed": 100,
        "amount_cents": 1550,
        "event_digest": hashlib.sha256(b"e1\ne2\ne3").hexdigest(),
    }


def test_kinds_counted_zero_times_are_left_out_of_the_figures() -> None:
    totals = DayTotals(1, 2, {"points.earned": 0, "event.voided": 2}, 0, 0, 0, "d" * 64)
    assert totals.figures()["counts"] == {"event.voided": 2}


# --- tier progress ----------------------------------------------------------------------


def test_progress_one_point_short_and_one_point_past() -> None:
    short = tier_progress(P, 4999)  # one point short of Gold is not shown as full
    assert (short.tier.code, short.points_to_next, short.permille) == ("silver", 1, 999)
    past = tier_progress(P, 1001)
    assert (past.tier.code, past.points_to_next, past.permille) == ("silver", 3999, 0)
    assert isinstance(past.permille, int)
    assert tier_progress(P, 1000).permille == 0
    assert tier_progress(P, 500).permille == 500


@pytest.mark.parametrize(("lifetime", "counted"), [(0, 0), (3760, 3760), (9000, 9000), (-50, 0)])
def test_progress_says_the_lifetime_points_it_counted(lifetime: int, counted: int) -> None:
    assert tier_progress(P, lifetime).lifetime_points == counted


@pytest.mark.parametrize("bad", [12.5, "100", True, None])
def test_progress_of_no_whole_number_is_refused(bad: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        tier_progress(P, bad)  # type: ignore[arg-type]
    assert (err.value.code, err.value.message) == (
        "invalid_points",
        f"Lifetime points must be a whole number, got {bad!r}",
    )


# --- what expires when ------------------------------------------------------------------

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def test_the_whole_balance_is_listed_when_nothing_was_spent() -> None:
    lots = [(_at(2025, 3, 1), 500), (_at(2026, 1, 1), 500)]
    assert expiry_schedule(lots, 0, 1000, NOW, P) == [
        (_at(2027, 3, 1), 500),
        (_at(2028, 1, 1), 500),
    ]
    assert expiry_schedule(lots, -20, 1000, NOW, P) == [  # a negative debit spends nothing
        (_at(2027, 3, 1), 500),
        (_at(2028, 1, 1), 500),
    ]


def test_the_balance_bounds_the_lots_taken_together() -> None:
    lots = [(_at(2025, 3, 1), 500), (_at(2026, 1, 1), 500)]
    assert expiry_schedule(lots, 0, 700, NOW, P) == [
        (_at(2027, 3, 1), 500),
        (_at(2028, 1, 1), 200),
    ]


def test_a_single_point_is_listed() -> None:
    assert expiry_schedule([(_at(2026, 1, 1), 1)], 0, 1, NOW, P) == [(_at(2028, 1, 1), 1)]
    lots = [(_at(2025, 3, 1), 300), (_at(2026, 1, 1), 300)]
    assert expiry_schedule(lots, 299, 301, NOW, P) == [
        (_at(2027, 3, 1), 1),
        (_at(2028, 1, 1), 300),
    ]


def test_a_lot_expiring_right_now_has_expired() -> None:
    earned = _at(2024, 12, 7)
    assert add_months(earned, 24) == NOW
    assert expiry_schedule([(earned, 400)], 0, 400, NOW, P) == []
    just_after = datetime(2024, 12, 7, 0, 0, 1, tzinfo=UTC)
    assert expiry_schedule([(just_after, 400)], 0, 400, NOW, P) == [
        (datetime(2026, 12, 7, 0, 0, 1, tzinfo=UTC), 400)
    ]


# --- typed dates ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1900-01-01", "9000-12-31"])
def test_the_first_and_last_day_accepted(text: str) -> None:
    assert parse_day(text) == date.fromisoformat(text)


@pytest.mark.parametrize("text", ["1899-12-31", "9001-01-01", "0001-01-01"])
@pytest.mark.parametrize("code", ["invalid_date", "invalid_birthday"])
def test_a_day_outside_the_range_is_refused_with_the_caller_s_code(text: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_day(text, code=code)
    assert (err.value.code, err.value.message, err.value.params) == (
        code,
        f"The date must lie between 1900-01-01 and 9000-12-31: {text!r}",
        {},
    )


def test_a_naive_moment_is_a_programming_error_with_its_message() -> None:
    with pytest.raises(ValueError, match=r"^business_date needs an aware datetime$"):
        business_date(datetime(2026, 3, 10, 12, 0), "Asia/Shanghai")


# --- phones and member codes ------------------------------------------------------------


def test_a_phone_number_of_exactly_40_characters_is_read() -> None:
    raw = "138 1234 5678".ljust(40)
    assert len(raw) == 40
    assert normalize_phone(raw, "CN") == "+8613812345678"
    with pytest.raises(ValidationFailed) as err:
        normalize_phone(raw + " ", "CN")
    assert err.value.message == "That phone number is too long."


@pytest.mark.parametrize(
    ("digits", "index"),
    [
        ("1234567", None),
        ("0912345", 0),
        ("1290345", 2),
        ("1234509", 5),  # the last pair too
        ("1234590", 5),
        ("0099", 1),
        ("9999", None),
        ("0000", None),
        ("", None),
    ],
)
def test_where_the_first_0_9_pair_sits(digits: str, index: int | None) -> None:
    assert _first_unsafe_pair(digits) == index
