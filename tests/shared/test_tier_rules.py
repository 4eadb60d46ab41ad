"""Tier qualification by period (shared.domain.tier_rules): known answers, the program's
refusals naming the field, and properties over random earn histories."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.domain.tier_rules import (
    TierRules,
    add_points,
    format_totals,
    month_index,
    parse_totals,
    pruned,
    tier_standing,
    totals_of,
)

THRESHOLDS = (0, 1000, 5000)


def _program(**rules: object) -> LoyaltyProgram:
    body = DEFAULT_PROGRAM.model_dump(mode="json")
    body["tier_rules"] = rules
    return LoyaltyProgram.model_validate(body)


# --- known answers ----------------------------------------------------------------


def test_lifetime_is_the_default_and_never_expires() -> None:
    tier, standing = DEFAULT_PROGRAM.standing({}, date(2030, 1, 1), lifetime_points=5200)
    assert tier.code == "gold"
    assert standing.kept_until is None
    assert DEFAULT_PROGRAM.tier_rules is None


def test_calendar_year_keeps_the_tier_to_the_end_of_next_year_then_grace() -> None:
    program = _program(basis="calendar", period_months=12, grace_months=2)
    totals = totals_of([(date(2026, 3, 10), 1200)])
    tier, standing = program.standing(totals, date(2026, 3, 10))
    assert (tier.code, standing.kept_until, standing.period_points) == (
        "silver",
        date(2028, 2, 29),
        1200,
    )
    # in 2027 nothing earned this year, the tier is still kept
    tier, standing = program.standing(totals, date(2027, 12, 31))
    assert (tier.code, standing.period_points) == ("silver", 0)
    assert program.standing(totals, date(2028, 2, 29))[0].code == "silver"
    assert program.standing(totals, date(2028, 3, 1))[0].code == "member"


def test_calendar_quarter_upgrade_at_once_and_lower_tier_survives_longer() -> None:
    program = _program(basis="calendar", period_months=3, grace_months=0)
    # Gold in Q1 2026 (kept to the end of Q2), Silver in Q2 (kept to the end of Q3)
    totals = totals_of([(date(2026, 1, 5), 5000), (date(2026, 4, 2), 1000)])
    tier, standing = program.standing(totals, date(2026, 4, 2))
    assert (tier.code, standing.kept_until) == ("gold", date(2026, 6, 30))
    tier, standing = program.standing(totals, date(2026, 7, 1))
    assert (tier.code, standing.kept_until) == ("silver", date(2026, 9, 30))
    assert program.standing(totals, date(2026, 10, 1))[0].code == "member"


def test_rolling_window_and_grace() -> None:
    program = _program(basis="rolling", period_months=12, grace_months=1)
    totals = totals_of([(date(2026, 3, 10), 600), (date(2026, 5, 1), 500)])
    tier, standing = program.standing(totals, date(2026, 5, 1))
    # 1,100 in the window until March leaves it (end of Feb 2027), then one month grace
    assert (tier.code, standing.kept_until, standing.period_points) == (
        "silver",
        date(2027, 3, 31),
        1100,
    )
    assert program.standing(totals, date(2027, 3, 31))[0].code == "silver"
    assert program.standing(totals, date(2027, 4, 1))[0].code == "member"


def test_totals_round_trip_and_voids_never_go_below_zero() -> None:
    totals = add_points(totals_of([(date(2026, 1, 31), 40)]), date(2026, 1, 2), -100)
    assert totals == {}
    totals = totals_of([(date(2026, 1, 31), 40), (date(2025, 12, 1), 7)])
    assert (
        format_totals(totals)
        == f"{month_index(date(2025, 12, 1))}:7 {month_index(date(2026, 1, 1))}:40"
    )
    assert parse_totals(format_totals(totals)) == totals
    assert parse_totals(None) == {}


# --- refusals name the field ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "field", "words"),
    [
        ({"basis": "rolling", "period_months": -3}, "period_months", "greater than or equal"),
        ({"basis": "rolling", "period_months": 0}, "period_months", "greater than or equal"),
        ({"basis": "rolling", "period_months": 3, "grace_months": 4}, "grace_months", "longer"),
        ({"basis": "calendar", "grace_months": 13}, "grace_months", "less than or equal"),
        ({"basis": "calendar", "period_months": 5}, "period_months", "divides the year"),
        ({"basis": "quarterly"}, "basis", "'lifetime', 'rolling' or 'calendar'"),
    ],
)
def test_bad_tier_rules_name_the_field(rules: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _program(**rules)
    text = str(caught.value)
    assert field in text
    assert words in text


def test_thresholds_not_ascending_name_the_tier() -> None:
    body = DEFAULT_PROGRAM.model_dump(mode="json")
    body["tiers"][2]["min_lifetime_points"] = 800
    with pytest.raises(ValidationError) as caught:
        LoyaltyProgram.model_validate(body)
    assert "tiers[2].min_lifetime_points: 800 is not above" in str(caught.value)


# --- properties -------------------------------------------------------------------

START = date(2025, 1, 1)
rules_st = st.one_of(
    st.builds(
        lambda p, g: TierRules(basis="rolling", period_months=p, grace_months=min(g, p)),
        st.integers(1, 24),
        st.integers(0, 12),
    ),
    st.builds(
        lambda p, g: TierRules(basis="calendar", period_months=p, grace_months=min(g, p)),
        st.sampled_from([1, 2, 3, 4, 6, 12]),
        st.integers(0, 12),
    ),
)
earns_st = st.lists(st.tuples(st.integers(0, 5 * 365), st.integers(1, 3000)), max_size=25).map(
    lambda xs: sorted((START + timedelta(days=d), p) for d, p in xs)
)


def _oracle(rules: TierRules, earns: list[tuple[date, int]], today: date) -> int:
    """The definition read literally: the best tier of any period (or window) that was
    reached by ``today`` and is still kept on it."""
    now = month_index(today)
    n, g = rules.period_months, rules.grace_months
    best = 0

    def tier(points: int) -> int:
        return max(i for i, t in enumerate(THRESHOLDS) if points >= t)

    if rules.basis == "rolling":
        for unit in range(now - g, now + 1):
            points = sum(
                p for d, p in earns if d <= today and unit - n + 1 <= month_index(d) <= unit
            )
            best = max(best, tier(points))
        return best
    for period in range(now // n - 3, now // n + 1):
        if (period + 2) * n - 1 + g < now:
            continue
        points = sum(p for d, p in earns if d <= today and month_index(d) // n == period)
        best = max(best, tier(points))
    return best


@settings(max_examples=150, deadline=None)
@given(rules_st, earns_st, st.integers(0, 6 * 365))
def test_standing_is_the_definition(
    rules: TierRules, earns: list[tuple[date, int]], day: int
) -> None:
    today = START + timedelta(days=day)
    known = totals_of([(d, p) for d, p in earns if d <= today])
    assert tier_standing(rules, THRESHOLDS, known, today).tier == _oracle(rules, earns, today)


signed_st = st.lists(
    st.tuples(st.integers(0, 5 * 365), st.integers(-2000, 3000).filter(bool)), max_size=25
).map(lambda xs: sorted((START + timedelta(days=d), p) for d, p in xs))


@settings(max_examples=150, deadline=None)
@given(rules_st, signed_st, st.integers(0, 5 * 365), st.integers(0, 5 * 365))
def test_till_and_server_agree(
    rules: TierRules, earns: list[tuple[date, int]], snap: int, later: int
) -> None:
    """The server computes from every earn (and void: negative); a till from what the
    server sent it with the member on day ``snapshot`` (pruned, on the wire) plus its
    own earns and voids since."""
    snapshot = START + timedelta(days=snap)
    today = snapshot + timedelta(days=later)
    server = totals_of(earns)
    sent = format_totals(pruned(rules, totals_of(e for e in earns if e[0] <= snapshot), snapshot))
    till = parse_totals(sent)
    for when, points in earns:
        if when > snapshot:
            till = add_points(till, when, points)
    assert tier_standing(rules, THRESHOLDS, till, today) == tier_standing(
        rules, THRESHOLDS, server, today
    )


@settings(max_examples=150, deadline=None)
@given(rules_st, earns_st, st.integers(0, 5 * 365), st.data())
def test_never_drops_before_period_end_and_grace(
    rules: TierRules, earns: list[tuple[date, int]], day: int, data: st.DataObject
) -> None:
    """Whatever is earned later, the tier held on a day is held every day to its
    ``kept_until``; with nothing earned after, it is lost the day after."""
    today = START + timedelta(days=day)
    before = [(d, p) for d, p in earns if d <= today]
    standing = tier_standing(rules, THRESHOLDS, totals_of(before), today)
    if standing.kept_until is None:
        assert standing.tier == 0
        return
    assert standing.kept_until >= today
    span = (standing.kept_until - today).days
    for offset in data.draw(st.lists(st.integers(0, span), min_size=1, max_size=5)):
        later = today + timedelta(days=offset)
        assert tier_standing(rules, THRESHOLDS, totals_of(earns), later).tier >= standing.tier
    after = standing.kept_until + timedelta(days=1)
    assert tier_standing(rules, THRESHOLDS, totals_of(before), after).tier < standing.tier


def test_lifetime_programs_keep_no_monthly_totals() -> None:
    assert pruned(TierRules(), {month_index(date(2026, 1, 1)): 50}, date(2026, 1, 1)) == {}
