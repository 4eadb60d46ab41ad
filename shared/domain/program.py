"""The loyalty program as versioned data, and every rule computed from it.

Both sides call these functions: the terminal to show and apply a rule, the server to
recompute what a terminal claims. All arithmetic is on integers.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.money import ISO_4217, check_int
from shared.domain.promotions import (
    NO_MEMBER_FACTS,
    EarnBreakdown,
    MemberFacts,
    Promotion,
    SaleFacts,
    best_breakdown,
    check_promotions,
    claimed_breakdown,
)
from shared.domain.tier_rules import LIFETIME, MonthTotals, Standing, TierRules, tier_standing
from shared.errors import RuleViolation, ValidationFailed

LANGUAGE_CODE = r"^[a-z]{2,3}(_[A-Z]{2})?$"  # "en", "zh_CN": the till's UI languages
TierName = Annotated[str, Field(min_length=1, max_length=64)]


class Tier(BaseModel):
    """A tier of the program. ``name`` is its name in any language the program has no
    entry for; ``names`` holds it per UI language, e.g. ``{"zh_CN": "金卡"}``. The field
    is optional (programs published without it stay valid) and, like every part of the
    program, changes only with a new ``rule_version``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    name: TierName
    min_lifetime_points: int = Field(ge=0)
    multiplier_percent: int = Field(ge=0, le=10_000)
    names: dict[Annotated[str, Field(pattern=LANGUAGE_CODE)], TierName] = Field(
        default_factory=dict, max_length=32
    )

    def name_in(self, language: str) -> str | None:
        """The name for ``language`` ("zh_CN"), else for its base ("zh"); None if the
        program gives none (the caller falls back to ``name``)."""
        base = language.split("_", 1)[0]
        return self.names.get(language) or self.names.get(base)

    def __hash__(self) -> int:  # frozen, but ``names`` is a dict
        return hash((self.code, self.name, self.min_lifetime_points, self.multiplier_percent))


class CurrencyUnits(BaseModel):
    """The earn and redemption units of one currency (docs/PROGRAM.md, "Currencies"):
    a program serving a CNY and an HKD store earns and redeems at the rates head office
    set for each. A currency the program does not list uses the program's own fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    earn_unit_cents: int = Field(default=100, ge=1)
    points_per_unit: int = Field(default=1, ge=0)
    redeem_points_unit: int = Field(default=100, ge=1)
    redeem_value_cents_per_unit: int = Field(default=100, ge=1)


CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class LoyaltyProgram(BaseModel):
    """One published version of the loyalty rules (PROTOCOL.md, rule_version 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_version: int = Field(ge=1)
    name: str = "Default program"
    earn_unit_cents: int = Field(default=100, ge=1)
    points_per_unit: int = Field(default=1, ge=0)
    tiers: tuple[Tier, ...]
    redeem_points_unit: int = Field(default=100, ge=1)
    redeem_value_cents_per_unit: int = Field(default=100, ge=1)
    redeem_min_points: int = Field(default=100, ge=1)
    redeem_max_sale_percent: int = Field(default=50, ge=0, le=100)
    offline_daily_redeem_cap_points: int = Field(default=2000, ge=0)
    expiry_months: int = Field(default=24, ge=1, le=1200)
    max_sale_amount_cents: int = Field(default=100_000_000, ge=1)
    # What one till may move without head office (docs/SECURITY.md, "Rogue till"): a
    # manager's adjustment, and one member's adjustments in a business day, are refused
    # beyond these; a redemption beyond its limits is accepted (the goods have left) and
    # flagged for head office. The terminal refuses all four before queuing.
    max_adjustment_points: int = Field(default=5_000, ge=1)
    max_member_daily_adjustment_points: int = Field(default=20_000, ge=1)
    max_redeem_points: int = Field(default=100_000, ge=1)
    max_member_daily_redeem_points: int = Field(default=200_000, ge=1)
    # Managers approve voids and adjustments: their PINs are longer (shared.domain.staff_pin)
    manager_pin_length: int = Field(default=6, ge=4, le=8)
    # Points on top of the base earn (shared.domain.promotions, docs/PROGRAM.md)
    promotions: tuple[Promotion, ...] = ()
    # A return of more than this amount needs a manager's PIN (shared.domain.returns).
    return_approval_cents: int = Field(default=50_000, ge=0)
    # Earn and redemption units per store currency (shared by the till and the server
    # through ``units``); a currency not listed uses the four fields above.
    currencies: dict[CurrencyCode, CurrencyUnits] = Field(default_factory=dict, max_length=50)
    # How tiers are qualified for (shared.domain.tier_rules): absent, by lifetime points
    # and never lost, as before; or by the points of a rolling or calendar period.
    tier_rules: TierRules | None = None

    @model_validator(mode="after")
    def _tiers_are_ordered(self) -> LoyaltyProgram:
        for code in self.currencies:
            if code not in ISO_4217:
                raise ValueError(f"currencies.{code}: not an ISO 4217 currency in use")
        if not self.tiers or self.tiers[0].min_lifetime_points != 0:
            raise ValueError("tiers[0].min_lifetime_points: the first tier must start at 0 points")
        for index in range(1, len(self.tiers)):
            below, tier = self.tiers[index - 1], self.tiers[index]
            if tier.min_lifetime_points <= below.min_lifetime_points:
                raise ValueError(
                    f"tiers[{index}].min_lifetime_points: {tier.min_lifetime_points} is not "
                    f"above tiers[{index - 1}].min_lifetime_points "
                    f"({below.min_lifetime_points}); thresholds must be strictly increasing"
                )
        if len({t.code for t in self.tiers}) != len(self.tiers):
            raise ValueError("tier codes must be unique")
        check_promotions(self.promotions, {t.code for t in self.tiers})
        return self

    def __hash__(self) -> int:  # frozen, but ``currencies`` is a dict
        return hash((self.rule_version, self.name, self.tiers, self.promotions))

    # --- currencies ---------------------------------------------------------------

    def units(self, currency: str | None = None) -> CurrencyUnits:
        """The earn and redemption units of a store's currency: the program's entry for
        it, else the program's own fields (also when ``currency`` is None)."""
        found = self.currencies.get(currency) if currency is not None else None
        if found is not None:
            return found
        return CurrencyUnits(
            earn_unit_cents=self.earn_unit_cents,
            points_per_unit=self.points_per_unit,
            redeem_points_unit=self.redeem_points_unit,
            redeem_value_cents_per_unit=self.redeem_value_cents_per_unit,
        )

    # --- tiers and earning -------------------------------------------------------

    def tier_for(self, lifetime_points: int) -> Tier:
        current = self.tiers[0]
        for tier in self.tiers:
            if lifetime_points >= tier.min_lifetime_points:
                current = tier
        return current

    @property
    def rules_for_tiers(self) -> TierRules:
        return self.tier_rules or LIFETIME

    def standing(
        self, totals: MonthTotals, today: date, *, lifetime_points: int = 0
    ) -> tuple[Tier, Standing]:
        """The tier a member holds on ``today`` and until when (``tier_rules``): from the
        member's monthly earned totals, or its lifetime points for a lifetime program."""
        found = tier_standing(
            self.rules_for_tiers,
            tuple(t.min_lifetime_points for t in self.tiers),
            totals,
            today,
            lifetime_points=lifetime_points,
        )
        return self.tiers[found.tier], found

    def check_sale_amount(self, amount_cents: object) -> int:
        amount = check_int(amount_cents, what="Sale amount", code="invalid_amount")
        if amount <= 0:
            raise ValidationFailed("The sale amount must be more than zero.", code="invalid_amount")
        if amount > self.max_sale_amount_cents:
            raise ValidationFailed(
                "The sale amount is larger than any sale this program accepts.",
                code="invalid_amount",
                max_amount_cents=self.max_sale_amount_cents,
            )
        return amount

    def points_for_sale(
        self, amount_cents: int, lifetime_points_before: int, currency: str | None = None
    ) -> int:
        """floor(amount / unit) x points_per_unit x tier multiplier, rounded down, in the
        units of the sale's ``currency`` (``units``)."""
        amount = self.check_sale_amount(amount_cents)
        tier = self.tier_for(lifetime_points_before)
        if currency is None or not self.currencies:
            unit, per_unit = self.earn_unit_cents, self.points_per_unit
        else:
            units = self.units(currency)
            unit, per_unit = units.earn_unit_cents, units.points_per_unit
        base = (amount // unit) * per_unit
        return base * tier.multiplier_percent // 100

    def earn_breakdown(
        self,
        amount_cents: int,
        lifetime_points_before: int,
        *,
        local_time: datetime,
        store_code: str,
        member: MemberFacts = NO_MEMBER_FACTS,
        exhausted: Iterable[str] = (),
        language: str = "",
        currency: str | None = None,
    ) -> EarnBreakdown:
        """The points of a sale and why: the base at the member's tier, then each
        promotion that applies (``shared.domain.promotions.best_breakdown``).
        ``local_time`` is the sale's wall-clock time in the store's time zone."""
        base = self.points_for_sale(amount_cents, lifetime_points_before, currency)
        if not self.promotions:
            return EarnBreakdown(base, ())
        facts = self._facts(
            amount_cents, self.tier_for(lifetime_points_before).code, local_time, store_code, member
        )
        return best_breakdown(
            self.promotions, base, facts, language=language, exhausted=frozenset(exhausted)
        )

    def promoted_claim_stands(
        self,
        amount_cents: int,
        points: int,
        claimed: tuple[str, ...],
        lifetime_points: int,
        voided_lifetime: int = 0,
        *,
        local_time: datetime,
        store_code: str,
        member: MemberFacts = NO_MEMBER_FACTS,
        currency: str | None = None,
    ) -> bool:
        """Whether a till that names the promotions it applied (``claimed``) could have
        awarded ``points``: at some tier the member reached (as ``earn_claim_stands``),
        with those promotions holding for the sale. Member facts the server does not
        know pass; a promotion the sale does not meet (time, store, amount) fails."""
        found = self.claimed_breakdown(
            amount_cents,
            points,
            claimed,
            lifetime_points,
            voided_lifetime,
            local_time=local_time,
            store_code=store_code,
            member=member,
            currency=currency,
        )
        return found is not None

    def claimed_breakdown(
        self,
        amount_cents: int,
        points: int,
        claimed: tuple[str, ...],
        lifetime_points: int,
        voided_lifetime: int = 0,
        *,
        local_time: datetime,
        store_code: str,
        member: MemberFacts = NO_MEMBER_FACTS,
        currency: str | None = None,
    ) -> EarnBreakdown | None:
        """The breakdown behind a claim that stands (see ``promoted_claim_stands``), at
        the highest tier the member reached that gives it; None if none does."""
        reached = lifetime_points + max(voided_lifetime, 0)
        for tier in reversed(self.tiers):
            if tier.min_lifetime_points > reached:
                continue
            base = self.points_for_sale(amount_cents, tier.min_lifetime_points, currency)
            facts = self._facts(amount_cents, tier.code, local_time, store_code, member)
            found = claimed_breakdown(self.promotions, claimed, base, points, facts)
            if found is not None:
                return found
        return None

    @staticmethod
    def _facts(
        amount: int, tier_code: str, local_time: datetime, store_code: str, member: MemberFacts
    ) -> SaleFacts:
        return SaleFacts(
            local_time=local_time,
            store_code=store_code,
            amount_cents=amount,
            tier_code=tier_code,
            birthday_month=member.birthday_month,
            first_purchase=member.first_purchase,
            days_since_seen=member.days_since_seen,
        )

    def earn_claim_stands(
        self,
        amount_cents: int,
        points: int,
        lifetime_points: int,
        voided_lifetime: int = 0,
        currency: str | None = None,
    ) -> bool:
        """Whether a terminal's points for a sale stand, given the lifetime points the
        member had before it (as the server knows them) and the lifetime points that
        voids have taken back from the member so far (``voided_lifetime``).

        Right are the points at the member's tier, and also those at any lower tier the
        member has passed: a till that had not yet heard of another store's earns
        computed them at the tier it knew, and its receipt is printed. So are the points
        at a tier the member held before a void took it back: a till that had heard of
        an earn but not yet of its void (another store's, made meanwhile) computed them
        at the tier it knew. The lifetime points before any void are never below what a
        till can know, so a correct till is never refused. A tier the member never
        reached is wrong.
        """
        reached = lifetime_points + max(voided_lifetime, 0)
        return any(
            points == self.points_for_sale(amount_cents, tier.min_lifetime_points, currency)
            for tier in self.tiers
            if tier.min_lifetime_points <= reached
        )

    # --- redemption -------------------------------------------------------------

    def points_value_cents(self, points: int, currency: str | None = None) -> int:
        """What ``points`` are worth in the minor units of ``currency`` (``units``)."""
        units = self.units(currency)
        return points * units.redeem_value_cents_per_unit // units.redeem_points_unit

    def redeem_limits(
        self,
        *,
        balance: int,
        sale_amount_cents: int,
        offline_redeemed_today: int | None,
        redeemed_today: int = 0,
        currency: str | None = None,
    ) -> RedeemLimits:
        """The most a member may redeem on this sale, and which limit binds.

        ``offline_redeemed_today`` is None when the terminal is online (no offline cap),
        else the points this member already redeemed today on this terminal;
        ``redeemed_today`` is what counts against the program's daily limit.
        """
        sale = self.check_sale_amount(sale_amount_cents)
        cap_cents = sale * self.redeem_max_sale_percent // 100
        units = self.units(currency)
        candidates = [
            ("insufficient_balance", max(balance, 0)),
            (
                "exceeds_sale_cap",
                cap_cents * units.redeem_points_unit // units.redeem_value_cents_per_unit,
            ),
            ("redemption_over_limit", self.max_redeem_points),
            (
                "redemption_daily_limit",
                max(self.max_member_daily_redeem_points - max(redeemed_today, 0), 0),
            ),
        ]
        if offline_redeemed_today is not None:
            left = self.offline_daily_redeem_cap_points - offline_redeemed_today
            candidates.append(("offline_daily_cap", max(left, 0)))
        binding, max_points = min(candidates, key=lambda c: c[1])
        if max_points < self.redeem_min_points:
            max_points = 0
        return RedeemLimits(
            max_points=max_points,
            max_value_cents=self.points_value_cents(max_points, currency),
            binding_limit=binding,
            sale_cap_cents=cap_cents,
            min_points=self.redeem_min_points,
        )

    def check_redeem(
        self,
        points: object,
        *,
        balance: int,
        sale_amount_cents: int,
        offline_redeemed_today: int | None,
        redeemed_today: int = 0,
        currency: str | None = None,
    ) -> int:
        """Validate a redemption; returns its value in cents or raises with the rule."""
        pts = check_int(points, what="Points", code="invalid_points")
        if pts <= 0:
            raise ValidationFailed(
                "Points to redeem must be more than zero.", code="invalid_points"
            )
        if pts < self.redeem_min_points:
            raise RuleViolation(
                f"At least {self.redeem_min_points} points must be redeemed at once.",
                code="below_minimum_redeem",
                min_points=self.redeem_min_points,
            )
        limits = self.redeem_limits(
            balance=balance,
            sale_amount_cents=sale_amount_cents,
            offline_redeemed_today=offline_redeemed_today,
            redeemed_today=redeemed_today,
            currency=currency,
        )
        value = self.points_value_cents(pts, currency)
        if pts > balance:
            raise RuleViolation(
                f"The member has {balance} points; {pts} cannot be redeemed.",
                code="insufficient_balance",
                balance=balance,
                max_points=limits.max_points,
                max_value_cents=limits.max_value_cents,
            )
        if value > limits.sale_cap_cents:
            raise RuleViolation(
                f"Points may pay at most {self.redeem_max_sale_percent}% of the sale.",
                code="exceeds_sale_cap",
                percent=self.redeem_max_sale_percent,
                cap_cents=limits.sale_cap_cents,
                max_points=limits.max_points,
                max_value_cents=limits.max_value_cents,
            )
        if offline_redeemed_today is not None:
            left = self.offline_daily_redeem_cap_points - offline_redeemed_today
            if pts > left:
                raise RuleViolation(
                    f"While offline a member may redeem at most "
                    f"{self.offline_daily_redeem_cap_points} points a day; "
                    f"{max(left, 0)} are left today.",
                    code="offline_daily_cap",
                    cap=self.offline_daily_redeem_cap_points,
                    left=max(left, 0),
                    max_points=limits.max_points,
                    max_value_cents=limits.max_value_cents,
                )
        hit = self.redeem_limit_hit(pts, redeemed_today=redeemed_today)
        if hit is not None:
            hit.params["max_points"] = limits.max_points
            hit.params["max_value_cents"] = limits.max_value_cents
            raise hit
        return value

    def redeem_limit_hit(self, points: int, *, redeemed_today: int) -> RuleViolation | None:
        """The limit a redemption of ``points`` breaks, after ``redeemed_today`` points this
        member already redeemed this business day, or None. The terminal refuses it;
        the server flags it (``code`` on the accepted event)."""
        return _limit_breach(
            "redemption",
            points,
            redeemed_today,
            per_event=self.max_redeem_points,
            per_day=self.max_member_daily_redeem_points,
        )

    def redemption_flag(
        self,
        points: int,
        *,
        sale_amount_cents: int | None,
        offline: bool,
        redeemed_today: int,
        redeemed_here_today: int,
        currency: str | None = None,
    ) -> str | None:
        """The limit an accepted redemption broke, as the server re-checks it (it is
        accepted: the goods have left; head office sees the flag), or None. The codes
        are those the till refuses with: the per-event and daily limits, then
        ``below_minimum_redeem``, ``exceeds_sale_cap`` (when the event gives the sale)
        and ``offline_daily_cap`` (when the till says it was offline; counted over what
        that till redeemed for the member that business day, ``redeemed_here_today``)."""
        hit = self.redeem_limit_hit(points, redeemed_today=redeemed_today)
        if hit is not None:
            return hit.code
        if points < self.redeem_min_points:
            return "below_minimum_redeem"
        if sale_amount_cents is not None:
            cap_cents = sale_amount_cents * self.redeem_max_sale_percent // 100
            if self.points_value_cents(points, currency) > cap_cents:
                return "exceeds_sale_cap"
        if offline and redeemed_here_today + points > self.offline_daily_redeem_cap_points:
            return "offline_daily_cap"
        return None

    def check_adjustment(self, points: object, *, adjusted_today: int) -> int:
        """Validate a manager's signed adjustment against the program's limits, after
        ``adjusted_today`` points (in absolute value) this member was adjusted by this
        business day. Returns the points, or raises with the limit that bit."""
        pts = check_int(points, what="Points", code="invalid_points")
        if pts == 0:
            raise ValidationFailed("An adjustment must change the balance.", code="invalid_points")
        breach = _limit_breach(
            "adjustment",
            abs(pts),
            adjusted_today,
            per_event=self.max_adjustment_points,
            per_day=self.max_member_daily_adjustment_points,
        )
        if breach is not None:
            raise breach
        return pts

    # --- expiry -----------------------------------------------------------------

    def expires_at(self, earned_at: datetime) -> datetime:
        return add_months(earned_at, self.expiry_months)


@dataclass(frozen=True, slots=True)
class RedeemLimits:
    max_points: int
    max_value_cents: int
    binding_limit: str
    sale_cap_cents: int
    min_points: int


def _limit_breach(
    what: str, points: int, today: int, *, per_event: int, per_day: int
) -> RuleViolation | None:
    """``{what}_over_limit`` when ``points`` exceed ``per_event``; ``{what}_daily_limit``
    when they exceed what ``per_day`` leaves after ``today``; else None."""
    if points > per_event:
        return RuleViolation(
            f"One {what} may move at most {per_event} points.",
            code=f"{what}_over_limit",
            limit=per_event,
            max_points=per_event,
        )
    left = max(per_day - max(today, 0), 0)
    if points > left:
        return RuleViolation(
            f"A member's {what}s may move at most {per_day} points a business day; "
            f"{left} are left today.",
            code=f"{what}_daily_limit",
            cap=per_day,
            left=left,
        )
    return None


def describe_program_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """A refused program's errors (pydantic's ``errors()``), each naming its field:
    "promotions[0].multiplier: Input should be less than or equal to 10"."""
    lines = []
    for error in errors:
        path = ""
        for part in error.get("loc", ()):
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        lines.append(f"{path}: {message}" if path else message)
    return "; ".join(lines)


def add_months(moment: datetime, months: int) -> datetime:
    """Same day-of-month ``months`` later, clamped to the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def points_to_expire(
    lots: Iterable[tuple[datetime, int]], debited: int, now: datetime, program: LoyaltyProgram
) -> int:
    """Points that expire at ``now``: lots are consumed oldest first by ``debited``.

    ``lots`` are (earned_at, points) credits; ``debited`` is every point already spent,
    deducted or expired. What is left of a lot whose expiry has passed expires.
    """
    remaining_debit = max(debited, 0)
    expiring = 0
    for earned_at, points in sorted(lots, key=lambda lot: lot[0]):
        used = min(points, remaining_debit)
        remaining_debit -= used
        left = points - used
        if left > 0 and program.expires_at(earned_at) <= now:
            expiring += left
    return expiring


def expiry_schedule(
    lots: Iterable[tuple[datetime, int]],
    debited: int,
    balance: int,
    now: datetime,
    program: LoyaltyProgram,
) -> list[tuple[datetime, int]]:
    """What of the balance expires when, soonest first: (expires_at, points).

    Lots are consumed oldest first by ``debited`` (as in :func:`points_to_expire`); what
    is left of each lot that has not expired by ``now`` expires at its own time. Never
    more than ``balance`` in all (a balance an overdraft took below its lots)."""
    remaining_debit = max(debited, 0)
    left_in_balance = max(balance, 0)
    schedule: dict[datetime, int] = {}
    for earned_at, points in sorted(lots, key=lambda lot: lot[0]):
        used = min(points, remaining_debit)
        remaining_debit -= used
        left = min(points - used, left_in_balance)
        expires = program.expires_at(earned_at)
        if left <= 0 or expires <= now:
            continue
        left_in_balance -= left
        schedule[expires] = schedule.get(expires, 0) + left
    return sorted(schedule.items())


DEFAULT_PROGRAM = LoyaltyProgram(
    rule_version=1,
    tiers=tuple(
        Tier(
            code=code,
            name=name,
            min_lifetime_points=threshold,
            multiplier_percent=multiplier,
            names={"en": name, "zh_CN": chinese},
        )
        for code, name, chinese, threshold, multiplier in (
            ("member", "Member", "会员", 0, 100),
            ("silver", "Silver", "银卡", 1000, 125),
            ("gold", "Gold", "金卡", 5000, 150),
        )
    ),
)
