"""How far a member is from the next tier ("1,240 pts to Gold"), from the program's tiers.

One rule for every side that shows it (the till's slip and customer display, later the
member's history and head office's pages): tiers are reached by lifetime points, so the
points still missing are the next tier's threshold less the member's lifetime points.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.money import check_int
from shared.domain.program import LoyaltyProgram, Tier


@dataclass(frozen=True, slots=True)
class TierProgress:
    """Where ``lifetime_points`` stand: the tier held, the next one (None at the top),
    the lifetime points still missing for it, and how far along the way from the tier
    held to the next one the member is, in thousandths (1000 at the top)."""

    lifetime_points: int
    tier: Tier
    next_tier: Tier | None
    points_to_next: int
    permille: int

    @property
    def at_top(self) -> bool:
        return self.next_tier is None


def tier_progress(program: LoyaltyProgram, lifetime_points: int) -> TierProgress:
    """The member's progress to the next tier of ``program``. Negative lifetime points
    (a void taken back more than a replica had heard of) count as none."""
    lifetime = max(check_int(lifetime_points, what="Lifetime points", code="invalid_points"), 0)
    tier = program.tier_for(lifetime)
    above = [t for t in program.tiers if t.min_lifetime_points > tier.min_lifetime_points]
    if not above:
        return TierProgress(lifetime, tier, None, 0, 1000)
    next_tier = min(above, key=lambda t: t.min_lifetime_points)
    span = next_tier.min_lifetime_points - tier.min_lifetime_points
    done = lifetime - tier.min_lifetime_points
    return TierProgress(
        lifetime_points=lifetime,
        tier=tier,
        next_tier=next_tier,
        points_to_next=next_tier.min_lifetime_points - lifetime,
        permille=done * 1000 // span,
    )
