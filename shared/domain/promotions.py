"""Promotions: points a program gives on top of a sale's base earn, and why.

A promotion is part of the versioned program (``LoyaltyProgram.promotions``). It is a
points multiplier (``x2`` adds the base points once more) or a fixed bonus, with
conditions on the sale (minimum amount, dates, days of week, hours in the store's time
zone, stores) and on the member (tiers, birthday month, first purchase after enrolment,
not seen for N days). Promotions that stack all apply; of those that do not, the one
giving the most points applies beside them.

The till and the server call the same functions. The till knows every fact of its
sale; the server may not know what the till knew (an earn made offline at another
store), so a fact passed as ``None`` is unknown, and :func:`eligible` decides whether
an unknown fact lets a condition pass. All arithmetic is on integers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.business_day import store_zone

LANGUAGE_CODE = r"^[a-z]{2,3}(_[A-Z]{2})?$"
PromotionKind = Literal["multiplier", "bonus"]
LimitPeriod = Literal["day", "week", "month", "program"]
Weekday = Annotated[int, Field(ge=1, le=7)]  # ISO: 1 Monday .. 7 Sunday
StoreCode = Annotated[str, Field(min_length=1, max_length=32)]
TierCode = Annotated[str, Field(min_length=1, max_length=32)]
PromotionName = Annotated[str, Field(min_length=1, max_length=64)]
MAX_PROMOTIONS = 50
MAX_MULTIPLIER = Decimal(10)
MAX_BONUS_POINTS = 1_000_000


class TriggerLimit(BaseModel):
    """How often one member may receive a promotion: ``times`` per ``per``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    times: int = Field(ge=1, le=10_000)
    per: LimitPeriod


class Promotion(BaseModel):
    """One promotion of the program (docs/PROGRAM.md, "Promotions")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: PromotionName
    names: dict[Annotated[str, Field(pattern=LANGUAGE_CODE)], PromotionName] = Field(
        default_factory=dict, max_length=32
    )
    kind: PromotionKind
    multiplier: Decimal | None = Field(default=None, gt=1, le=MAX_MULTIPLIER, decimal_places=2)
    bonus_points: int | None = Field(default=None, ge=1, le=MAX_BONUS_POINTS)
    min_sale_cents: int = Field(default=0, ge=0)
    starts_on: date | None = None
    ends_on: date | None = None
    days_of_week: tuple[Weekday, ...] = Field(default=(), max_length=7)
    from_time: time | None = None
    until_time: time | None = None
    stores: tuple[StoreCode, ...] = Field(default=(), max_length=1000)
    tiers: tuple[TierCode, ...] = Field(default=(), max_length=100)
    birthday_month: bool = False
    welcome: bool = False
    win_back_days: int | None = Field(default=None, ge=1, le=3650)
    stacks: bool = False
    limit: TriggerLimit | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Promotion:
        where = f"promotion {self.code!r}"
        if self.kind == "multiplier" and (self.multiplier is None or self.bonus_points):
            raise ValueError(f"{where}: multiplier: a multiplier promotion needs a multiplier")
        if self.kind == "bonus" and (self.bonus_points is None or self.multiplier):
            raise ValueError(f"{where}: bonus_points: a bonus promotion needs bonus_points")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError(
                f"{where}: ends_on {self.ends_on} is before starts_on {self.starts_on}"
            )
        if (self.from_time is None) != (self.until_time is None):
            raise ValueError(f"{where}: from_time and until_time are given together or not at all")
        if self.from_time and self.until_time and self.until_time <= self.from_time:
            raise ValueError(f"{where}: until_time {self.until_time} is not after from_time")
        if len(set(self.days_of_week)) != len(self.days_of_week):
            raise ValueError(f"{where}: days_of_week names a day twice")
        if self.welcome and self.win_back_days is not None:
            raise ValueError(
                f"{where}: welcome and win_back_days contradict: a first purchase is no return"
            )
        if self._never_on_listed_day():
            raise ValueError(f"{where}: days_of_week: none of them falls between the dates")
        return self

    def _never_on_listed_day(self) -> bool:
        if not self.days_of_week or self.starts_on is None or self.ends_on is None:
            return False
        span = (self.ends_on - self.starts_on).days
        if span >= 6:
            return False
        days = {(self.starts_on + timedelta(days=i)).isoweekday() for i in range(span + 1)}
        return not days & set(self.days_of_week)

    @property
    def multiplier_percent(self) -> int:
        """The multiplier in whole percent (``2.5`` is 250); 100 for a bonus."""
        return int(self.multiplier * 100) if self.multiplier is not None else 100

    def extra_points(self, base: int) -> int:
        """Points this promotion adds to ``base``: base x (multiplier - 1), rounded down,
        or the fixed bonus."""
        if self.kind == "bonus":
            return self.bonus_points or 0
        return base * (self.multiplier_percent - 100) // 100

    def name_in(self, language: str) -> str:
        base = language.split("_", 1)[0]
        return self.names.get(language) or self.names.get(base) or self.name

    def conditions(self) -> tuple[object, ...]:
        """Everything that decides whether it applies (to find one that shadows another)."""
        return (
            self.min_sale_cents,
            self.starts_on,
            self.ends_on,
            frozenset(self.days_of_week),
            self.from_time,
            self.until_time,
            frozenset(self.stores),
            frozenset(self.tiers),
            self.birthday_month,
            self.welcome,
            self.win_back_days,
        )


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What the promotions ask about the member; ``None`` is unknown."""

    birthday_month: int | None = None
    first_purchase: bool | None = None
    days_since_seen: int | None = None


NO_MEMBER_FACTS = MemberFacts()


@dataclass(frozen=True, slots=True)
class SaleFacts:
    """What decides which promotions apply to one sale.

    ``local_time`` is the sale's wall-clock time in the store's time zone (naive). The
    member facts are ``None`` when unknown (the server, about what a till knew)."""

    local_time: datetime
    store_code: str
    amount_cents: int
    tier_code: str
    birthday_month: int | None = None
    first_purchase: bool | None = None
    days_since_seen: int | None = None


@dataclass(frozen=True, slots=True)
class EarnPart:
    """One line of an earn: the promotion's code and name, and the points it adds."""

    code: str
    name: str
    kind: PromotionKind
    multiplier_percent: int
    points: int


@dataclass(frozen=True, slots=True)
class EarnBreakdown:
    """Why a sale earned what it earned: the base (tier included) and each promotion."""

    base: int
    parts: tuple[EarnPart, ...]

    @property
    def total(self) -> int:
        return self.base + sum(part.points for part in self.parts)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(part.code for part in self.parts)

    def without(self, codes: Collection[str]) -> EarnBreakdown:
        """The same earn with these promotions taken off (over their trigger limit)."""
        return EarnBreakdown(self.base, tuple(p for p in self.parts if p.code not in codes))

    def describe(self) -> str:
        """``base 128, tuesday x2 +128, birthday +50`` (logs and the CLI)."""
        lines = [f"base {self.base}"]
        for part in self.parts:
            if part.kind == "multiplier":
                lines.append(f"{part.name} x{_times(part.multiplier_percent)} +{part.points}")
            else:
                lines.append(f"{part.name} +{part.points}")
        return ", ".join(lines)


def _times(percent: int) -> str:
    whole, cents = divmod(percent, 100)
    return str(whole) if cents == 0 else f"{whole}.{cents:02d}".rstrip("0")


def eligible(promotion: Promotion, facts: SaleFacts, *, unknown_passes: bool = False) -> bool:
    """Whether every condition of ``promotion`` holds for this sale. A member fact that
    is ``None`` passes only when ``unknown_passes`` (the server weighing a till's claim)."""
    moment = facts.local_time
    day = moment.date()
    checks = (
        facts.amount_cents >= promotion.min_sale_cents,
        promotion.starts_on is None or day >= promotion.starts_on,
        promotion.ends_on is None or day <= promotion.ends_on,
        not promotion.days_of_week or moment.isoweekday() in promotion.days_of_week,
        promotion.from_time is None
        or promotion.until_time is None
        or promotion.from_time <= moment.time() < promotion.until_time,
        not promotion.stores or facts.store_code in promotion.stores,
        not promotion.tiers or facts.tier_code in promotion.tiers,
    )
    if not all(checks):
        return False
    if promotion.birthday_month and not _fact(
        None if facts.birthday_month is None else facts.birthday_month == moment.month,
        unknown_passes,
    ):
        return False
    if promotion.welcome and not _fact(facts.first_purchase, unknown_passes):
        return False
    if promotion.win_back_days is not None:
        seen = facts.days_since_seen
        if not _fact(None if seen is None else seen >= promotion.win_back_days, unknown_passes):
            return False
    return True


def _fact(value: bool | None, unknown_passes: bool) -> bool:
    return unknown_passes if value is None else value


def best_breakdown(
    promotions: Sequence[Promotion],
    base: int,
    facts: SaleFacts,
    *,
    language: str = "",
    exhausted: Collection[str] = (),
) -> EarnBreakdown:
    """The earn the till awards: every eligible stacking promotion, and the eligible
    non-stacking one giving the most points (the first listed on a tie). Promotions
    whose trigger limit the member has used up (``exhausted``) do not apply."""
    stacking: set[str] = set()
    best: Promotion | None = None
    best_points = -1
    for promotion in promotions:
        if promotion.code in exhausted or not eligible(promotion, facts):
            continue
        if promotion.stacks:
            stacking.add(promotion.code)
            continue
        points = promotion.extra_points(base)
        if points > best_points:
            best, best_points = promotion, points
    chosen = [p for p in promotions if p.code in stacking or p is best]
    return breakdown_of(chosen, base, language=language)


def breakdown_of(chosen: Iterable[Promotion], base: int, *, language: str = "") -> EarnBreakdown:
    """The breakdown of ``base`` with exactly these promotions applied, in this order."""
    return EarnBreakdown(
        base,
        tuple(
            EarnPart(
                code=p.code,
                name=p.name_in(language) if language else p.name,
                kind=p.kind,
                multiplier_percent=p.multiplier_percent,
                points=p.extra_points(base),
            )
            for p in chosen
        ),
    )


def claimed_breakdown(
    promotions: Sequence[Promotion],
    claimed: Sequence[str],
    base: int,
    points: int,
    facts: SaleFacts,
) -> EarnBreakdown | None:
    """The breakdown a till made if it could have awarded ``points`` at this ``base``
    with the promotions it names, else None: each exists, is named once, holds for the
    sale (member facts the server does not know pass), at most one of them does not
    stack, and the points add up. A till may have applied fewer than the best (a
    trigger limit it knew was used up)."""
    by_code = {p.code: p for p in promotions}
    if len(set(claimed)) != len(claimed):
        return None
    chosen: list[Promotion] = []
    for code in claimed:
        promotion = by_code.get(code)
        if promotion is None or not eligible(promotion, facts, unknown_passes=True):
            return None
        chosen.append(promotion)
    if sum(1 for p in chosen if not p.stacks) > 1:
        return None
    made = breakdown_of(chosen, base)
    return made if made.total == points else None


def claim_could_be(
    promotions: Sequence[Promotion],
    claimed: Sequence[str],
    base: int,
    points: int,
    facts: SaleFacts,
) -> bool:
    """Whether :func:`claimed_breakdown` finds the till's breakdown."""
    return claimed_breakdown(promotions, claimed, base, points, facts) is not None


# --- trigger limits ------------------------------------------------------------------


def period_key(per: LimitPeriod, day: date) -> date:
    """The first business day of the period ``day`` falls in (weeks start on Monday);
    every day of a program-long limit shares one key."""
    if per == "day":
        return day
    if per == "week":
        return day - timedelta(days=day.weekday())
    if per == "month":
        return day.replace(day=1)
    return date.min


def times_used(limit: TriggerLimit, day: date, used_on: Iterable[date]) -> int:
    """How many of the business days a member received the promotion on (one entry per
    earn) fall in the same period as ``day``."""
    key = period_key(limit.per, day)
    return sum(1 for used in used_on if period_key(limit.per, used) == key)


def used_up(
    promotions: Sequence[Promotion], day: date, used_on: Callable[[str], Iterable[date]]
) -> frozenset[str]:
    """The codes of the promotions whose trigger limit this member has reached in the
    period of ``day``; ``used_on(code)`` gives the business days of its earlier earns."""
    return frozenset(
        p.code
        for p in promotions
        if p.limit is not None and times_used(p.limit, day, used_on(p.code)) >= p.limit.times
    )


def check_promotions(promotions: Sequence[Promotion], tier_codes: Collection[str]) -> None:
    """Program-wide checks (raises ``ValueError`` naming the field): unique codes, known
    tiers, and no non-stacking promotion shadowed by another without a trigger limit,
    with the same conditions, that gives at least as much (it could never apply)."""
    if len(promotions) > MAX_PROMOTIONS:
        raise ValueError(f"promotions: at most {MAX_PROMOTIONS} promotions")
    seen: dict[str, int] = {}
    for index, promotion in enumerate(promotions):
        where = f"promotions[{index}]"
        if promotion.code in seen:
            raise ValueError(
                f"{where}.code: {promotion.code!r} is also promotions[{seen[promotion.code]}]"
            )
        seen[promotion.code] = index
        unknown = sorted(set(promotion.tiers) - set(tier_codes))
        if unknown:
            raise ValueError(f"{where}.tiers: no tier {', '.join(unknown)} in this program")
    for index, promotion in enumerate(promotions):
        for other_index, other in enumerate(promotions):
            if other_index == index or promotion.stacks or other.stacks or other.limit:
                continue  # a promotion with a trigger limit may be used up: no shadow
            if other.kind != promotion.kind or other.conditions() != promotion.conditions():
                continue
            if other.extra_points(10_000) >= promotion.extra_points(10_000) and (
                other_index < index or other.extra_points(10_000) > promotion.extra_points(10_000)
            ):
                raise ValueError(
                    f"promotions[{index}]: overlaps promotions[{other_index}] "
                    f"({other.code!r}): same conditions, neither stacks, and "
                    f"{other.code!r} gives at least as much, so {promotion.code!r} never applies"
                )


def local_wall_time(moment: datetime, zone_name: str) -> datetime:
    """``moment`` (aware) as the store's naive wall-clock time."""
    if moment.tzinfo is None:
        raise ValueError("local_wall_time needs an aware datetime")
    return moment.astimezone(store_zone(zone_name)).replace(tzinfo=None)
