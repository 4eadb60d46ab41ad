"""Promotions: which apply, what they add, what the server accepts, what is refused."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.domain.promotions import (
    NO_MEMBER_FACTS,
    MemberFacts,
    Promotion,
    TriggerLimit,
    local_wall_time,
)

TUESDAY_5PM = datetime(2026, 12, 8, 17, 0)  # a Tuesday in December


def program(*promotions: Promotion) -> LoyaltyProgram:
    return LoyaltyProgram.model_validate(
        {**DEFAULT_PROGRAM.model_dump(), "rule_version": 2, "promotions": promotions}
    )


TUESDAY = Promotion(
    code="tue2x",
    name="Tuesday",
    kind="multiplier",
    multiplier=Decimal(2),
    days_of_week=(2,),
    from_time=time(16),
    until_time=time(18),
)
BIRTHDAY = Promotion(
    code="bday", name="birthday", kind="bonus", bonus_points=50, birthday_month=True, stacks=True
)


def test_the_issue_example_base_tuesday_birthday() -> None:
    p = program(TUESDAY, BIRTHDAY)
    got = p.earn_breakdown(
        12_800,
        0,
        local_time=TUESDAY_5PM,
        store_code="S1",
        member=MemberFacts(birthday_month=12),
    )
    assert got.describe() == "base 128, Tuesday x2 +128, birthday +50"
    assert got.total == 306
    assert got.codes == ("tue2x", "bday")


def test_a_promotion_outside_its_hours_day_or_month_does_not_apply() -> None:
    p = program(TUESDAY, BIRTHDAY)
    born_in_june = MemberFacts(birthday_month=6)
    at_six = TUESDAY_5PM.replace(hour=18)  # until_time is exclusive
    wednesday = TUESDAY_5PM + timedelta(days=1)
    for moment in (at_six, wednesday):
        got = p.earn_breakdown(12_800, 0, local_time=moment, store_code="S1", member=born_in_june)
        assert got.describe() == "base 128"


def test_a_till_that_does_not_know_the_birthday_gives_no_birthday_bonus() -> None:
    got = program(BIRTHDAY).earn_breakdown(10_000, 0, local_time=TUESDAY_5PM, store_code="S1")
    assert got.total == 100


def test_the_tier_multiplier_is_in_the_base_and_promotions_multiply_the_base() -> None:
    gold_triple = Promotion(
        code="gold3x", name="Gold December", kind="multiplier", multiplier=Decimal(3),
        tiers=("gold",), starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31),
    )  # fmt: skip
    p = program(gold_triple)
    gold = p.earn_breakdown(10_000, 5_000, local_time=TUESDAY_5PM, store_code="S1")
    assert (gold.base, gold.total) == (150, 450)
    silver = p.earn_breakdown(10_000, 1_000, local_time=TUESDAY_5PM, store_code="S1")
    assert silver.total == 125
    january = p.earn_breakdown(10_000, 5_000, local_time=datetime(2027, 1, 5), store_code="S1")
    assert january.total == 150


def test_non_stacking_promotions_best_one_wins() -> None:
    small = Promotion(code="a", name="A", kind="bonus", bonus_points=20)
    double = Promotion(code="b", name="B", kind="multiplier", multiplier=Decimal("1.5"))
    p = program(small, double)
    assert p.earn_breakdown(10_000, 0, local_time=TUESDAY_5PM, store_code="S").codes == ("b",)
    assert p.earn_breakdown(2_000, 0, local_time=TUESDAY_5PM, store_code="S").codes == ("a",)


def test_welcome_win_back_minimum_sale_and_stores() -> None:
    welcome = Promotion(code="w", name="welcome", kind="bonus", bonus_points=100, stacks=True)
    welcome = welcome.model_copy(update={"welcome": True})
    back = Promotion(
        code="back", name="back", kind="bonus", bonus_points=30, win_back_days=90,
        min_sale_cents=5_000, stores=("S1",), stacks=True,
    )  # fmt: skip
    p = program(welcome, back)

    def codes(amount: int, store: str, facts: MemberFacts) -> tuple[str, ...]:
        return p.earn_breakdown(
            amount, 0, local_time=TUESDAY_5PM, store_code=store, member=facts
        ).codes

    assert codes(1_000, "S1", MemberFacts(first_purchase=True)) == ("w",)
    assert codes(1_000, "S1", MemberFacts(first_purchase=False)) == ()
    assert codes(5_000, "S1", MemberFacts(days_since_seen=90)) == ("back",)
    assert codes(4_999, "S1", MemberFacts(days_since_seen=90)) == ()
    assert codes(5_000, "S2", MemberFacts(days_since_seen=90)) == ()
    assert codes(5_000, "S1", MemberFacts(days_since_seen=89)) == ()


def test_an_exhausted_promotion_leaves_the_next_best() -> None:
    small = Promotion(code="a", name="A", kind="bonus", bonus_points=20)
    big = Promotion(
        code="b", name="B", kind="bonus", bonus_points=90, limit=TriggerLimit(times=1, per="day")
    )
    p = program(small, big)
    got = p.earn_breakdown(1_000, 0, local_time=TUESDAY_5PM, store_code="S", exhausted={"b"})
    assert got.codes == ("a",)


def test_names_follow_the_till_language() -> None:
    named = TUESDAY.model_copy(update={"names": {"zh_CN": "周二"}})
    got = program(named).earn_breakdown(
        10_000, 0, local_time=TUESDAY_5PM, store_code="S", language="zh_CN"
    )
    assert got.parts[0].name == "周二"


def test_the_server_accepts_what_a_till_could_produce_and_nothing_else() -> None:
    p = program(TUESDAY, BIRTHDAY)

    def stands(points: int, claimed: tuple[str, ...], moment: datetime = TUESDAY_5PM,
               member: MemberFacts = NO_MEMBER_FACTS) -> bool:  # fmt: skip
        return p.promoted_claim_stands(
            12_800, points, claimed, 0, local_time=moment, store_code="S1", member=member
        )

    assert stands(306, ("tue2x", "bday"))  # the server does not know the birthday
    assert not stands(306, ("tue2x", "bday"), member=MemberFacts(birthday_month=3))
    assert stands(128, ())  # a till that had used the promotion up
    assert stands(256, ("tue2x",))
    assert not stands(256, ("tue2x",), TUESDAY_5PM + timedelta(hours=2))  # after 18:00
    assert not stands(300, ("tue2x", "bday"))  # the sum is wrong
    assert not stands(306, ("tue2x", "bday", "bday"))  # named twice
    assert not stands(128, ("nope",))  # no such promotion


def test_local_wall_time_is_the_store_time_zone() -> None:
    utc = datetime(2026, 12, 8, 9, 0).astimezone()
    moment = datetime.fromisoformat("2026-12-08T09:00:00+00:00")
    assert local_wall_time(moment, "Asia/Shanghai") == datetime(2026, 12, 8, 17, 0)
    with pytest.raises(ValueError, match="aware"):
        local_wall_time(utc.replace(tzinfo=None), "Asia/Shanghai")


# --- refused programs: the error names the field ------------------------------------


def invalid(promotions: list[dict[str, Any]]) -> str:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "promotions": promotions}
    with pytest.raises(ValidationError) as caught:
        LoyaltyProgram.model_validate(body)
    return str(caught.value)


BASE = {"code": "p1", "name": "P", "kind": "multiplier", "multiplier": "2"}


def test_a_multiplier_over_ten_is_refused_naming_the_field() -> None:
    text = invalid([{**BASE, "multiplier": "10.5"}])
    assert "promotions.0.multiplier" in text
    assert "less than or equal to 10" in text


def test_an_end_before_its_start_is_refused() -> None:
    text = invalid([{**BASE, "starts_on": "2026-12-24", "ends_on": "2026-12-01"}])
    assert "ends_on 2026-12-01 is before starts_on 2026-12-24" in text


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"from_time": "18:00", "until_time": "16:00"}, "until_time 16:00:00 is not after"),
        ({"from_time": "18:00"}, "from_time and until_time"),
        ({"welcome": True, "win_back_days": 30}, "welcome and win_back_days contradict"),
        ({"days_of_week": [2, 2]}, "days_of_week names a day twice"),
        (
            {"days_of_week": [1], "starts_on": "2026-12-08", "ends_on": "2026-12-10"},
            "days_of_week: none of them falls between the dates",
        ),
        ({"tiers": ["platinum"]}, "promotions[0].tiers: no tier platinum"),
        ({"multiplier": None}, "multiplier: a multiplier promotion needs a multiplier"),
        ({"bonus_points": 5}, "multiplier promotion needs a multiplier"),
        ({"multiplier": "2.555"}, "promotions.0.multiplier"),
    ],
)
def test_contradictions_are_refused(extra: dict[str, Any], words: str) -> None:
    assert words in invalid([{**BASE, **extra}])


def test_duplicate_and_shadowed_promotions_are_refused() -> None:
    assert "promotions[1].code: 'p1' is also promotions[0]" in invalid([BASE, BASE])
    weaker = {**BASE, "code": "p2", "multiplier": "1.5"}
    text = invalid([BASE, weaker])
    assert "promotions[1]: overlaps promotions[0] ('p1')" in text
    assert "'p2' never applies" in text
    # the same pair is fine when one stacks, or when their conditions differ
    LoyaltyProgram.model_validate(
        {**DEFAULT_PROGRAM.model_dump(mode="json"),
         "promotions": [BASE, {**weaker, "stacks": True}]}
    )  # fmt: skip
    LoyaltyProgram.model_validate(
        {**DEFAULT_PROGRAM.model_dump(mode="json"),
         "promotions": [BASE, {**weaker, "stores": ["S1"]}]}
    )  # fmt: skip


def test_a_program_with_promotions_survives_its_json() -> None:
    p = program(TUESDAY, BIRTHDAY)
    assert LoyaltyProgram.model_validate_json(p.model_dump_json()) == p


# --- properties against an independent model ------------------------------------------


@st.composite
def promotions_strategy(draw: st.DrawFn) -> list[Promotion]:
    count = draw(st.integers(0, 6))
    found: list[Promotion] = []
    for index in range(count):
        kind = draw(st.sampled_from(["multiplier", "bonus"]))
        start = draw(st.none() | st.dates(date(2026, 11, 1), date(2027, 1, 31)))
        length = draw(st.integers(7, 60))
        hours = draw(st.none() | st.tuples(st.integers(0, 22), st.integers(1, 23)))
        from_t, until_t = (None, None)
        if hours is not None and hours[0] < hours[1]:
            from_t, until_t = time(hours[0]), time(hours[1])
        welcome = draw(st.booleans())
        candidate = Promotion(
            code=f"p{index}",
            name=f"P{index}",
            kind=kind,
            multiplier=draw(st.decimals("1.01", "10", places=2)) if kind == "multiplier" else None,
            bonus_points=draw(st.integers(1, 500)) if kind == "bonus" else None,
            min_sale_cents=draw(st.sampled_from([0, 0, 5_000, 20_000])),
            starts_on=start,
            ends_on=start + timedelta(days=length) if start else None,
            days_of_week=tuple(draw(st.sets(st.integers(1, 7), max_size=3))),
            from_time=from_t,
            until_time=until_t,
            stores=tuple(draw(st.sets(st.sampled_from(["S1", "S2", "S3"]), max_size=2))),
            tiers=tuple(draw(st.sets(st.sampled_from(["member", "silver", "gold"]), max_size=2))),
            birthday_month=draw(st.booleans()),
            welcome=welcome,
            win_back_days=None if welcome else draw(st.none() | st.integers(1, 120)),
            stacks=draw(st.booleans()),
        )
        trial = [*found, candidate]
        try:
            program(*trial)
        except ValidationError:
            continue  # a shadowed promotion: the program would be refused
        found = trial
    return found


def oracle_applies(p: Promotion, *, at: datetime, store: str, amount: int, tier: str,
                   facts: MemberFacts) -> bool:  # fmt: skip
    """Written apart from shared.domain.promotions.eligible, from the documented rules."""
    if amount < p.min_sale_cents:
        return False
    if p.starts_on is not None and at.date() < p.starts_on:
        return False
    if p.ends_on is not None and at.date() > p.ends_on:
        return False
    if p.days_of_week and at.isoweekday() not in p.days_of_week:
        return False
    if p.from_time is not None and p.until_time is not None:
        minute = at.hour * 60 + at.minute
        if not p.from_time.hour * 60 <= minute < p.until_time.hour * 60:
            return False
    if p.stores and store not in p.stores:
        return False
    if p.tiers and tier not in p.tiers:
        return False
    if p.birthday_month and facts.birthday_month != at.month:
        return False
    if p.welcome and facts.first_purchase is not True:
        return False
    return not (
        p.win_back_days is not None
        and (facts.days_since_seen is None or facts.days_since_seen < p.win_back_days)
    )


def oracle_points(p: Promotion, base: int) -> int:
    if p.kind == "bonus":
        assert p.bonus_points is not None
        return p.bonus_points
    assert p.multiplier is not None
    return int(Fraction(base) * Fraction(str(p.multiplier))) - base  # floor: all >= 0


def oracle_total(promotions: list[Promotion], base: int, **where: Any) -> int:
    """The most any allowed choice gives: every applicable stacking promotion, plus at
    most one applicable non-stacking one (tried by brute force)."""
    applicable = [p for p in promotions if oracle_applies(p, **where)]
    stacked = sum(oracle_points(p, base) for p in applicable if p.stacks)
    singles = [oracle_points(p, base) for p in applicable if not p.stacks]
    return base + stacked + max([0, *singles])


sales = st.fixed_dictionaries(
    {
        "at": st.datetimes(datetime(2026, 10, 25), datetime(2027, 2, 15)).map(
            lambda d: d.replace(second=0, microsecond=0)
        ),
        "store": st.sampled_from(["S1", "S2", "S3"]),
        "amount": st.integers(1, 100_000),
        "lifetime": st.sampled_from([0, 999, 1_000, 4_999, 5_000, 80_000]),
        "facts": st.builds(
            MemberFacts,
            birthday_month=st.none() | st.integers(1, 12),
            first_purchase=st.none() | st.booleans(),
            days_since_seen=st.none() | st.integers(0, 200),
        ),
    }
)


@settings(max_examples=300, deadline=None)
@given(promotions_strategy(), sales)
def test_earn_matches_the_oracle_and_the_server_accepts_it(
    promotions: list[Promotion], sale: dict[str, Any]
) -> None:
    p = program(*promotions)
    amount, lifetime, facts = sale["amount"], sale["lifetime"], sale["facts"]
    got = p.earn_breakdown(
        amount, lifetime, local_time=sale["at"], store_code=sale["store"], member=facts
    )
    base = DEFAULT_PROGRAM.points_for_sale(amount, lifetime)
    tier = DEFAULT_PROGRAM.tier_for(lifetime).code
    where = {"at": sale["at"], "store": sale["store"], "amount": amount, "tier": tier}
    assert got.base == base
    assert got.total == oracle_total(promotions, base, facts=facts, **where)
    by_code = {q.code: q for q in p.promotions}  # a skipped candidate leaves a gap in codes
    assert sum(1 for code in got.codes if not by_code[code].stacks) <= 1
    # the server, knowing less about the member, accepts exactly what the till claimed
    assert p.promoted_claim_stands(
        amount, got.total, got.codes, lifetime, local_time=sale["at"],
        store_code=sale["store"], member=MemberFacts(birthday_month=facts.birthday_month),
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(promotions_strategy(), sales, st.integers(-3, 3))
def test_the_server_refuses_points_no_choice_could_give(
    promotions: list[Promotion], sale: dict[str, Any], off: int
) -> None:
    p = program(*promotions)
    amount, lifetime = sale["amount"], sale["lifetime"]
    got = p.earn_breakdown(amount, lifetime, local_time=sale["at"], store_code=sale["store"])
    claimed = got.total + off
    # every choice a till may make: a reached tier, any subset with at most one single
    possible = set()
    tiers = [t for t in DEFAULT_PROGRAM.tiers if t.min_lifetime_points <= lifetime]
    for tier in tiers:
        base = DEFAULT_PROGRAM.points_for_sale(amount, tier.min_lifetime_points)
        for size in range(len(got.codes) + 1):
            for subset in itertools.combinations(got.codes, size):
                chosen = [q for q in p.promotions if q.code in subset]
                possible.add(base + sum(oracle_points(q, base) for q in chosen))
    stands = p.promoted_claim_stands(
        amount, claimed, got.codes, lifetime, local_time=sale["at"], store_code=sale["store"]
    )
    if stands:
        assert claimed in possible
    if off == 0:
        assert stands


def test_the_readme_worked_example_holds() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The loyalty program", 1)[1]
    block = section.split("```json", 1)[1].split("```", 1)[0]
    p = LoyaltyProgram.model_validate(
        {**DEFAULT_PROGRAM.model_dump(mode="json"), **json.loads("{" + block + "}")}
    )
    first = MemberFacts(first_purchase=True)
    got = p.earn_breakdown(12_800, 0, local_time=TUESDAY_5PM, store_code="S1", member=first)
    assert got.describe() == "base 128, Tuesday x2 +128, Welcome +100"
    assert (got.total, got.codes) == (356, ("tue2x", "hi"))
    later = p.earn_breakdown(
        12_800, 0, local_time=TUESDAY_5PM.replace(hour=18), store_code="S1", member=first
    )
    assert later.total == 228  # the welcome still applies; Tuesday's hours are over
