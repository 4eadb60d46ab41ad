"""Returns: what giving back all or part of a sale does to the member's points.

One rule for the till (which shows the effect at once, offline too) and the server
(which decides it, across every terminal that returned part of the same sale):

- Earned points come back out in proportion to the amount returned. The share is taken
  on the running total of everything returned from the sale so far, rounded down, and
  each return takes the difference: however a sale is split into partial returns, the
  points taken back add up to exactly ``floor(earned * returned / sale)``, never more
  than the sale earned, and all of them once the whole sale is back.
- Points redeemed on the sale go back to the member in the same proportion, the same
  way (all of them on a full return).
- A coupon used on the sale comes back when the sale is fully returned and the coupon
  has not expired by then.
- Whatever is asked beyond what is left of the sale is not returned: it is the
  ``excess``, which the server flags for head office (the goods are back already).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.money import check_int
from shared.domain.program import LoyaltyProgram
from shared.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class SaleFigures:
    """A sale as its returns see it: its amount, the points it earned and the points
    redeemed on it (0 when none, or when that part was voided), and how much of it has
    been returned already (by every terminal)."""

    amount_cents: int
    earned_points: int
    redeemed_points: int
    returned_cents: int = 0

    @property
    def left_cents(self) -> int:
        return max(self.amount_cents - self.returned_cents, 0)


@dataclass(frozen=True, slots=True)
class ReturnEffect:
    """What one return does: the part of the amount accepted, the part beyond what was
    left (``excess_cents``), the earned points taken back, the redeemed points given
    back, whether the sale is now fully returned, and whether its coupon comes back."""

    accepted_cents: int
    excess_cents: int
    points_taken: int
    points_given: int
    full: bool
    restore_coupon: bool

    @property
    def balance_delta(self) -> int:
        return self.points_given - self.points_taken

    @property
    def lifetime_delta(self) -> int:
        return -self.points_taken


def _share(points: int, returned: int, amount: int) -> int:
    return points * returned // amount


def return_effect(
    sale: SaleFigures,
    amount_cents: int,
    *,
    coupon_expires_at: datetime | None = None,
    has_coupon: bool = False,
    at: datetime | None = None,
) -> ReturnEffect:
    """The effect of returning ``amount_cents`` of ``sale`` now (``at``, for the
    coupon's expiry). A return of more than is left is cut to what is left."""
    asked = check_int(amount_cents, what="The amount returned", code="invalid_amount")
    if asked <= 0:
        raise ValidationFailed(
            "The amount returned must be more than zero.", code="invalid_amount", value=asked
        )
    total = check_int(sale.amount_cents, what="The sale amount", code="invalid_amount")
    if total <= 0:
        raise ValidationFailed("The sale amount must be more than zero.", code="invalid_amount")
    before = min(max(sale.returned_cents, 0), total)
    accepted = min(asked, total - before)
    after = before + accepted
    earned = max(sale.earned_points, 0)
    redeemed = max(sale.redeemed_points, 0)
    full = after == total
    coupon_back = (
        has_coupon
        and full
        and accepted > 0
        and (coupon_expires_at is None or at is None or coupon_expires_at > at)
    )
    return ReturnEffect(
        accepted_cents=accepted,
        excess_cents=asked - accepted,
        points_taken=_share(earned, after, total) - _share(earned, before, total),
        points_given=_share(redeemed, after, total) - _share(redeemed, before, total),
        full=full,
        restore_coupon=coupon_back,
    )


def needs_manager(program: LoyaltyProgram, amount_cents: int) -> bool:
    """A return of more than the program's ``return_approval_cents`` needs a manager."""
    return amount_cents > program.return_approval_cents
