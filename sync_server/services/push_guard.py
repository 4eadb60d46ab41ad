"""What a paired till may push, beyond the schema: the checks a rogue till meets.

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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from shared.domain.business_day import business_date
from shared.errors import DomainError, RuleViolation
from shared.protocol import Event, PointsAdjustedData, PointsRedeemedData
from sync_server.repositories import catalog
from sync_server.repositories import events as events_repo
from sync_server.services.ledger import Context, Outcome

MANAGER_TYPES = frozenset({"points.adjusted", "event.voided"})
_TALLIED = frozenset({"points.adjusted", "points.redeemed"})


class SeqOutOfWindow(DomainError):
    code = "seq_out_of_window"
    status = 409


@dataclass(frozen=True)
class PushLimits:
    """The server's settings for these checks (see sync_server.config.Settings)."""

    seq_window: int = 10_000
    max_age: timedelta = timedelta(days=30)
    max_ahead: timedelta = timedelta(hours=24)


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


def first_missing(watermark: int, max_seq: int, held: set[int], limit: int) -> list[int]:
    """The first ``limit`` seqs in (watermark, max_seq] not in ``held``; the loop stops
    after ``len(held) + limit`` steps, whatever the distance to ``max_seq``."""
    missing: list[int] = []
    seq = watermark + 1
    while seq <= max_seq and len(missing) < limit:
        if seq not in held:
            missing.append(seq)
        seq += 1
    return missing


@dataclass
class PushGuard:
    """Loaded once per push, then asked about each fresh event in order."""

    ctx: Context
    limits: PushLimits
    staff: dict[str, dict[str, Any]]
    day_of: Any  # (aware datetime) -> the store's business date
    moved: dict[tuple[str, str, date], int] = field(default_factory=lambda: defaultdict(int))

    def refusal(self, event: Event) -> Outcome | None:
        """A rejected outcome for an event these rules refuse, or None."""
        member_id = str(event.member_id)
        try:
            self._check(event)
        except DomainError as error:
            return Outcome("rejected", member_id, code=error.code, detail=error.message)
        return None

    def settle(self, event: Event, outcome: Outcome) -> None:
        """After the ledger's outcome: flag a redemption beyond the limits, and count
        what an accepted redemption or adjustment moved today."""
        if outcome.status != "accepted" or event.type not in _TALLIED:
            return
        key = (str(event.member_id), event.type, self.day_of(event.occurred_at))
        if event.type == "points.redeemed":
            data = PointsRedeemedData.model_validate(event.data)
            hit = self.ctx.current_program.redeem_limit_hit(
                data.points, redeemed_today=self.moved[key]
            )
            outcome.code = hit.code if hit is not None else None
        self.moved[key] += abs(outcome.points_delta)

    def _check(self, event: Event) -> None:
        now = self.ctx.now
        if not now - self.limits.max_age <= event.occurred_at <= now + self.limits.max_ahead:
            raise RuleViolation(
                f"occurred_at {event.occurred_at.isoformat()} is outside the window the "
                f"server accepts ({self.limits.max_age.days} days back, "
                f"{int(self.limits.max_ahead.total_seconds() // 3600)} hours ahead).",
                code="occurred_at_out_of_window",
            )
        if event.type in MANAGER_TYPES:
            self._check_manager(event)
        if event.type == "points.adjusted":
            data = PointsAdjustedData.model_validate(event.data)
            key = (str(event.member_id), event.type, self.day_of(event.occurred_at))
            self.ctx.current_program.check_adjustment(data.points, adjusted_today=self.moved[key])

    def _check_manager(self, event: Event) -> None:
        staff = self.staff.get(str(event.staff_id)) if event.staff_id else None
        if staff is None:
            reason = "names no staff" if event.staff_id is None else "names unknown staff"
        elif staff["role"] != "manager" or not staff["active"]:
            reason = "names staff who is not an active manager"
        elif staff["store_code"] not in (None, self.ctx.store_code):
            reason = f"names a manager of another store than {self.ctx.store_code}"
        else:
            return
        raise RuleViolation(
            f"A {event.type} event needs an active manager of this store; this one {reason}.",
            code="staff_not_authorised",
        )


def load_guard(session: Session, ctx: Context, limits: PushLimits, fresh: list[Event]) -> PushGuard:
    """Read what the checks need, only for the events that need it: the staff named by
    adjustments and voids, and what redemptions and adjustments moved around them."""
    staff_ids = {str(e.staff_id) for e in fresh if e.type in MANAGER_TYPES and e.staff_id}
    staff = catalog.staff_by_ids(session, staff_ids)
    tallied = [e for e in fresh if e.type in _TALLIED]
    if not tallied:
        return PushGuard(ctx, limits, staff, lambda _moment: None)
    timezone, closing = catalog.store_day_settings(session, ctx.store_code)

    def day_of(moment: datetime) -> date:
        return business_date(moment, timezone, closing)

    guard = PushGuard(ctx, limits, staff, day_of)
    # A business day spans at most 24 h (plus a shifted closing time): two days either
    # side of the batch's events hold every event of their days.
    # Clamped to the accepted window, so that no event a till sends widens the read.
    since = max(min(e.occurred_at for e in tallied), ctx.now - limits.max_age)
    until = min(max(e.occurred_at for e in tallied), ctx.now + limits.max_ahead)
    since, until = since - timedelta(days=2), until + timedelta(days=2)
    members = {str(e.member_id) for e in tallied}
    for member_id, type_, occurred_at, delta in events_repo.points_moved(
        session, members, since, until
    ):
        guard.moved[(member_id, type_, day_of(occurred_at))] += abs(delta)
    return guard
