"""What of a balance expires when (``expiry_schedule``), against the expiry rule itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.program import DEFAULT_PROGRAM, expiry_schedule, points_to_expire

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def test_oldest_points_are_spent_first() -> None:
    lots = [(datetime(2025, 1, 31, tzinfo=UTC), 1000), (datetime(2026, 6, 1, tzinfo=UTC), 600)]
    assert expiry_schedule(lots, 400, 1200, NOW, DEFAULT_PROGRAM) == [
        (datetime(2027, 1, 31, tzinfo=UTC), 600),
        (datetime(2028, 6, 1, tzinfo=UTC), 600),
    ]


def test_never_more_than_the_balance_and_nothing_already_expired() -> None:
    lots = [(datetime(2024, 1, 1, tzinfo=UTC), 500), (datetime(2026, 1, 1, tzinfo=UTC), 500)]
    assert expiry_schedule(lots, 0, 300, NOW, DEFAULT_PROGRAM) == [
        (datetime(2028, 1, 1, tzinfo=UTC), 300)
    ]
    assert expiry_schedule(lots, 0, -50, NOW, DEFAULT_PROGRAM) == []


@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=1500), st.integers(1, 2000)), max_size=8),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=1, max_value=1500),
)
def test_what_is_listed_is_what_expires_later(
    raw: list[tuple[int, int]], debited: int, later_days: int
) -> None:
    lots = [(NOW - timedelta(days=days), points) for days, points in raw]
    balance = max(sum(p for _, p in lots) - debited, 0)
    schedule = expiry_schedule(lots, debited, balance, NOW, DEFAULT_PROGRAM)
    assert [when for when, _ in schedule] == sorted(when for when, _ in schedule)
    assert all(points > 0 and when > NOW for when, points in schedule)
    later = NOW + timedelta(days=later_days)
    # by a later day, exactly what the schedule lists up to then has expired
    newly = points_to_expire(lots, debited, later, DEFAULT_PROGRAM) - points_to_expire(
        lots, debited, NOW, DEFAULT_PROGRAM
    )
    assert sum(p for when, p in schedule if when <= later) == newly
