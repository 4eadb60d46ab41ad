"""Tier progress ("1,240 pts to Gold") against a count of points, for any program."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram, Tier
from shared.domain.tier_progress import tier_progress
from shared.errors import DomainError


@st.composite
def programs(draw: st.DrawFn) -> LoyaltyProgram:
    steps = draw(st.lists(st.integers(1, 50_000), max_size=5))
    thresholds, total = [0], 0
    for step in steps:
        total += step
        thresholds.append(total)
    tiers = tuple(
        Tier(code=f"t{i}", name=f"Tier {i}", min_lifetime_points=t, multiplier_percent=100)
        for i, t in enumerate(thresholds)
    )
    return LoyaltyProgram(rule_version=1, tiers=tiers)


def _oracle(program: LoyaltyProgram, lifetime: int) -> tuple[str, str | None, int]:
    """Count up point by point (in big strides, then singly) until the tier changes."""
    held = [t for t in program.tiers if t.min_lifetime_points <= lifetime][-1]
    later = [t for t in program.tiers if t.min_lifetime_points > lifetime]
    if not later:
        return held.code, None, 0
    target = later[0]
    missing = 0
    while lifetime + missing < target.min_lifetime_points:
        missing += 1
    return held.code, target.code, missing


@given(programs(), st.integers(0, 300_000))
def test_points_to_the_next_tier(program: LoyaltyProgram, lifetime: int) -> None:
    progress = tier_progress(program, lifetime)
    held, following, missing = _oracle(program, lifetime)
    assert progress.tier.code == held
    assert (progress.next_tier.code if progress.next_tier else None) == following
    assert progress.points_to_next == missing
    assert 0 <= progress.permille <= 1000
    assert progress.at_top == (following is None)
    if following is not None:  # exactly that many more points reach it, one fewer does not
        assert program.tier_for(lifetime + missing).code == following
        assert program.tier_for(lifetime + missing - 1).code == held


def test_the_default_program() -> None:
    assert tier_progress(DEFAULT_PROGRAM, 0).points_to_next == 1000
    middle = tier_progress(DEFAULT_PROGRAM, 3760)
    assert (middle.tier.code, middle.next_tier and middle.next_tier.code) == ("silver", "gold")
    assert (middle.points_to_next, middle.permille) == (1240, 690)  # 2760 of 4000
    top = tier_progress(DEFAULT_PROGRAM, 9000)
    assert (top.tier.code, top.next_tier, top.points_to_next, top.permille) == (
        "gold",
        None,
        0,
        1000,
    )
    assert tier_progress(DEFAULT_PROGRAM, -50).tier.code == "member"  # voided past zero


def test_lifetime_points_must_be_a_whole_number() -> None:
    with pytest.raises(DomainError):
        tier_progress(DEFAULT_PROGRAM, 12.5)  # type: ignore[arg-type]
