"""The store's business day: time zone, closing time (before or after midnight), and the
dates and closing times people type."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from shared.domain.business_day import (
    NOON,
    business_date,
    parse_closing_time,
    parse_day,
    store_zone,
)
from shared.errors import ValidationFailed

SHANGHAI = "Asia/Shanghai"  # UTC+8, no daylight saving time


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (_utc(10, 15, 59), date(2026, 3, 10)),  # 23:59 local
        (_utc(10, 16, 0), date(2026, 3, 11)),  # local midnight: a new day at once
        (_utc(10, 23, 59), date(2026, 3, 11)),  # 07:59 local, UTC still on the 10th
        (_utc(11, 0, 0), date(2026, 3, 11)),
    ],
)
def test_a_store_closing_before_midnight_uses_the_local_calendar(
    moment: datetime, expected: date
) -> None:
    assert business_date(moment, SHANGHAI, "23:00") == expected
    assert business_date(moment, SHANGHAI) == expected  # 23:00 is the default


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (_utc(10, 17, 59), date(2026, 3, 10)),  # 01:59 local: still the evening before
        (_utc(10, 18, 0), date(2026, 3, 11)),  # 02:00 local: closing time starts a day
        (_utc(10, 15, 0), date(2026, 3, 10)),  # 23:00 local
        (_utc(11, 3, 59), date(2026, 3, 11)),  # 11:59 local
    ],
)
def test_a_store_closing_after_midnight_keeps_the_small_hours(
    moment: datetime, expected: date
) -> None:
    assert business_date(moment, SHANGHAI, "02:00") == expected


def test_noon_is_the_line_between_closing_late_and_closing_early() -> None:
    assert time(12, 0) == NOON
    before_noon = _utc(11, 3, 30)  # 11:30 local on the 11th
    assert business_date(before_noon, SHANGHAI, "11:45") == date(2026, 3, 10)
    assert business_date(before_noon, SHANGHAI, "12:00") == date(2026, 3, 11)


def test_the_moment_s_own_offset_does_not_matter() -> None:
    plus_two = timezone(timedelta(hours=2))
    same = datetime(2026, 3, 10, 18, 30, tzinfo=plus_two)  # = 16:30 UTC = 00:30 local
    assert business_date(same, SHANGHAI) == date(2026, 3, 11)
    assert business_date(same, "Europe/London", "23:00") == date(2026, 3, 10)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        business_date(datetime(2026, 3, 10, 12, 0), SHANGHAI)


def test_closing_times_and_zones_are_checked() -> None:
    assert parse_closing_time("02:30") == time(2, 30)
    for bad in ("25:00", "late", "", None):
        with pytest.raises(ValidationFailed) as err:
            parse_closing_time(bad)  # type: ignore[arg-type]
        assert err.value.code == "invalid_setting"
        assert repr(bad) in err.value.message
    assert store_zone(SHANGHAI).key == SHANGHAI
    for bad in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(ValidationFailed) as err:
            store_zone(bad)
        assert err.value.code == "invalid_setting"
        assert repr(bad) in err.value.message


def test_typed_dates() -> None:
    assert parse_day("2026-03-10") == date(2026, 3, 10)
    assert parse_day("  2026-03-10\n") == date(2026, 3, 10)
    for bad in ("10/03/2026", "2026-02-30", "", None):
        with pytest.raises(ValidationFailed) as err:
            parse_day(bad)  # type: ignore[arg-type]
        assert err.value.code == "invalid_date"
        assert err.value.message == f"Not a date (YYYY-MM-DD): {bad!r}"
    with pytest.raises(ValidationFailed) as err:
        parse_day("soon", code="invalid_expiry")
    assert err.value.code == "invalid_expiry"
