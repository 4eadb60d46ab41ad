"""The loyalty program as versioned data, and every rule computed from it.

Both sides call these functions: the terminal to show and apply a rule, the server to
recompute what a terminal claims. All arithmetic is on integers.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.money import check_int
from shared.errors import RuleViolation, ValidationFailed


class Tier(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    min_lifetime_points: int = Field(ge=0)
    multiplier_percent: int = Field(ge=0, le=10_000)


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

    @model_validator(mode="after")
    def _tiers_are_ordered(self) -> LoyaltyProgram:
        if not self.tiers or self.tiers[0].min_lifetime_points != 0:
            raise ValueError("the first tier must start at 0 lifetime points")
        thresholds = [t.min_lifetime_points for t in self.tiers]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("tier thresholds must be strictly increasing")
        if len({t.code for t in self.tiers}) != len(self.tiers):
            raise ValueError("tier codes must be unique")
        return self

    # --- tiers and earning -------------------------------------------------------

    def tier_for(self, lifetime_points: int) -> Tier:
        current = self.tiers[0]
        for tier in self.tiers:
            if lifetime_points >= tier.min_lifetime_points:
                current = tier
        return current

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

    def points_for_sale(self, amount_cents: int, lifetime_points_before: int) -> int:
        """floor(amount / unit) x points_per_unit x tier multiplier, rounded down."""
        amount = self.check_sale_amount(amount_cents)
        tier = self.tier_for(lifetime_points_before)
        base = (amount // self.earn_unit_cents) * self.points_per_unit
        return base * tier.multiplier_percent // 100

    def earn_claim_stands(self, amount_cents: int, points: int, lifetime_points: int) -> bool:
        """Whether a terminal's points for a sale stand, given the lifetime points the
        member had before it (as the server knows them).

        Right are the points at the member's tier, and also those at any lower tier the
        member has passed: a till that had not yet heard of another store's earns
        computed them at the tier it knew, and its receipt is printed. A tier the
        member never reached is wrong.
        """
        return any(
            points == self.points_for_sale(amount_cents, tier.min_lifetime_points)
            for tier in self.tiers
            if tier.min_lifetime_points <= lifetime_points
        )

    # --- redemption -------------------------------------------------------------

    def points_value_cents(self, points: int) -> int:
        return points * self.redeem_value_cents_per_unit // self.redeem_points_unit

    def redeem_limits(
        self, *, balance: int, sale_amount_cents: int, offline_redeemed_today: int | None
    ) -> RedeemLimits:
        """The most a member may redeem on this sale, and which limit binds.

        ``offline_redeemed_today`` is None when the terminal is online (no daily cap),
        else the points this member already redeemed today on this terminal.
        """
        sale = self.check_sale_amount(sale_amount_cents)
        cap_cents = sale * self.redeem_max_sale_percent // 100
        candidates = [
            ("insufficient_balance", max(balance, 0)),
            (
                "exceeds_sale_cap",
                cap_cents * self.redeem_points_unit // self.redeem_value_cents_per_unit,
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
            max_value_cents=self.points_value_cents(max_points),
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
        )
        value = self.points_value_cents(pts)
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
        return value

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


DEFAULT_PROGRAM = LoyaltyProgram(
    rule_version=1,
    tiers=(
        Tier(code="member", name="Member", min_lifetime_points=0, multiplier_percent=100),
        Tier(code="silver", name="Silver", min_lifetime_points=1000, multiplier_percent=125),
        Tier(code="gold", name="Gold", min_lifetime_points=5000, multiplier_percent=150),
    ),
)
