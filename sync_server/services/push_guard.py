"""What a paired till may push, beyond the schema: the checks a rogue till meets.

Pure rules (no session): the loader reads what they need, the ledger asks them.

A terminal's token lets it push events; these rules make sure that nothing it sends
costs the server unbounded work, and that no points move without what the program
allows (docs/SECURITY.md, "Rogue till"):

- seqs: a fresh event's seq lies at most ``seq_window`` above the terminal's watermark,
  else the whole push is refused (409 ``seq_out_of_window``, nothing applied);
- time: ``occurred_at`` lies within ``max_age`` before and ``max_ahead`` after the
  server's time, else the event is rejected (``occurred_at_out_of_window``);
- authority: an adjustment or a void names an active manager of the terminal's store
  (``staff_not_authorised``);
- amounts: an adjustment stays within the program's limits per adjustment and per member
  per business day (refused); a redemption beyond its limits is accepted, since the
  goods have left the store, and flagged for head office (``code`` on the accepted row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from shared.domain.program import LoyaltyProgram
from shared.errors import DomainError, RuleViolation
from shared.protocol import PointsAdjustedData

# PushLimits lives with the states the loader hands the ledger (one import direction:
# the guard reads the states, the states do not import the guard).
from sync_server.services.push_state import PushLimits as PushLimits

if TYPE_CHECKING:
    from sync_server.services.push_state import Incoming, StaffState

MANAGER_TYPES = frozenset({"points.adjusted", "event.voided"})
TALLIED = frozenset({"points.adjusted", "points.redeemed"})


class SeqOutOfWindow(DomainError):
    code = "seq_out_of_window"
    status = 409


def check_seq_window(watermark: int, seqs: Iterable[int], limits: PushLimits) -> None:
    """Refuse the push when a fresh seq jumps beyond the window above the watermark."""
    highest = max(seqs, default=0)
    if highest > watermark + limits.seq_window:
        raise SeqOutOfWindow(
            f"seq {highest} is more than {limits.seq_window} above this terminal's "
            f"watermark {watermark}: push the events in order.",
            watermark=watermark,
            window=limits.seq_window,
        )


def first_missing(watermark: int, max_seq: int, held: AbstractSet[int], limit: int) -> list[int]:
    """The first ``limit`` seqs in (watermark, max_seq] not in ``held``; the loop stops
    after ``len(held) + limit`` steps, whatever the distance to ``max_seq``."""
    missing: list[int] = []
    seq = watermark + 1
    while seq <= max_seq and len(missing) < limit:
        if seq not in held:
            missing.append(seq)
        seq += 1
    return missing


def refusal(
    event: Incoming,
    *,
    now: datetime,
    limits: PushLimits,
    staff: Mapping[str, StaffState],
    store_code: str,
    program: LoyaltyProgram,
    adjusted_today: int,
) -> DomainError | None:
    """Why these rules refuse a fresh event (``adjusted_today``: the points the member's
    accepted adjustments moved on the event's business day so far), or None."""
    if not now - limits.max_age <= event.occurred_at <= now + limits.max_ahead:
        return RuleViolation(
            f"occurred_at {event.occurred_at.isoformat()} is outside the window the "
            f"server accepts ({limits.max_age.days} days back, "
            f"{int(limits.max_ahead.total_seconds() // 3600)} hours ahead).",
            code="occurred_at_out_of_window",
        )
    if event.type in MANAGER_TYPES:
        reason = _not_a_manager(event.staff_id, staff, store_code)
        if reason is not None:
            return RuleViolation(
                f"A {event.type} event needs an active manager of this store; this one {reason}.",
                code="staff_not_authorised",
            )
    if isinstance(event.data, PointsAdjustedData):
        try:
            program.check_adjustment(event.data.points, adjusted_today=adjusted_today)
        except DomainError as error:
            return error
    return None


def redemption_flag(points: int, program: LoyaltyProgram, redeemed_today: int) -> str | None:
    """The flag an accepted redemption beyond the program's limits carries for head
    office (it is accepted: the goods have left the store), or None."""
    hit = program.redeem_limit_hit(points, redeemed_today=redeemed_today)
    return hit.code if hit is not None else None


def here_key(member_id: str, terminal_id: str, day: date) -> tuple[str, str, date]:
    """The counter of what one terminal redeemed for a member on a business day (the
    offline daily cap is that till's)."""
    return (member_id, f"points.redeemed@{terminal_id}", day)


def _not_a_manager(
    staff_id: str | None, staff: Mapping[str, StaffState], store_code: str
) -> str | None:
    found = staff.get(staff_id) if staff_id else None
    if found is None:
        return "names no staff" if staff_id is None else "names unknown staff"
    if found.role != "manager" or not found.active:
        return "names staff who is not an active manager"
    if found.store_code not in (None, store_code):
        return f"names a manager of another store than {store_code}"
    return None


def moved_window(
    occurred: Iterable[datetime], now: datetime, limits: PushLimits
) -> tuple[datetime, datetime]:
    """The span of ledger rows whose moved points count against the daily limits of
    events that occurred at ``occurred``: a business day spans at most 24 h (plus a
    shifted closing time), so two days either side hold every event of their days.
    Clamped to the accepted window, so that no event a till sends widens the read."""
    moments = list(occurred)
    since = max(min(moments), now - limits.max_age)
    until = min(max(moments), now + limits.max_ahead)
    return since - timedelta(days=2), until + timedelta(days=2)
