"""Closing a business day: what a manager's "Close day" button and the sync loop call.

``close_day`` sends PROTOCOL.md's day-close body for one business day (the store's time
zone and closing time decide which day an event belongs to) and records the server's
answer. ``close_due`` closes every past business day not closed yet (or still pending
at head office), once the store's closing time has passed; call it after each sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.domain.business_day import NOON, business_date, parse_closing_time, store_zone
from shared.errors import DomainError, ValidationFailed
from shared.protocol import DayCloseRequest, DayCloseResponse, StoreSettings
from terminal.config import TerminalSettings
from terminal.offline.clock import Clock, to_text, utc_now
from terminal.offline.db import Replica
from terminal.offline.sync_client import SyncClient, SyncError
from terminal.services.base import require_manager
from terminal.services.day_close_store import ClosedDay, DayCloseStore
from terminal.services.sync import SyncService
from terminal.services.sync_store import SyncStore
from terminal.services.views import StaffSession

ClientFactory = Callable[[], SyncClient]
PENDING_RETRY = timedelta(minutes=10)


class DayCloseFailed(DomainError):
    code = "day_close_failed"
    status = 503


@dataclass(frozen=True, slots=True)
class DayCloseResult:
    business_date: str
    status: str
    missing_seqs: list[int]
    events: int
    points_earned: int
    points_redeemed: int
    amount_cents: int
    details: object


def day_end(day: date, timezone: str, closing_time: str) -> datetime:
    """The moment a business day is over: its closing time (next morning if before noon)."""
    closing = parse_closing_time(closing_time)
    local_day = day + timedelta(days=1) if closing < NOON else day
    return datetime.combine(local_day, closing, tzinfo=store_zone(timezone))


class DayCloseService:
    def __init__(
        self,
        replica: Replica,
        settings: TerminalSettings,
        client_factory: ClientFactory,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.replica = replica
        self.settings = settings
        self.client_factory = client_factory
        self.clock = clock
        self.days = DayCloseStore(replica)
        self.sync_store = SyncStore(replica)

    def today(self) -> date:
        store = self._store()
        return business_date(self.clock(), store.timezone, store.closing_time)

    def preview(self, day: date | None = None) -> DayCloseRequest:
        """The figures that would be sent for ``day`` (default: the current business day)."""
        return self.days.request_for(day or self.today())

    def close_day(self, staff: StaffSession | None, day: date | None = None) -> DayCloseResult:
        """Manager action: close ``day`` (default: today) now. A staff session given must be
        an active manager's; ``None`` is for head-office tooling (the CLI)."""
        if staff is not None:
            with self.replica.read() as session:
                require_manager(session, staff)
        target = day or self.today()
        if target > self.today():
            raise ValidationFailed("That business day has not begun.", code="invalid_date")
        return self._send(target, automatic=False)

    def close_due(self) -> list[DayCloseResult]:
        """Close every business day whose closing time has passed and that is not settled.

        A day head office still calls ``pending`` is sent again at most every
        ``PENDING_RETRY`` (its missing events may arrive with the next syncs). Raises
        ``DayCloseFailed`` when head office cannot be reached (nothing is recorded).
        """
        store = self._store()
        now = self.clock()
        results = []
        due = self.days.days_to_close(
            before=self.today() + timedelta(days=1), retry_before=to_text(now - PENDING_RETRY)
        )
        for day in due:
            if day_end(day, store.timezone, store.closing_time) <= now:
                results.append(self._send(day, automatic=True))
        return results

    def history(self, limit: int = 60) -> list[ClosedDay]:
        return self.days.closed_days(limit)

    def _send(self, day: date, *, automatic: bool) -> DayCloseResult:
        request = self.days.request_for(day)
        try:
            with self.client_factory() as client:
                response: DayCloseResponse = client.day_close(request)
        except SyncError as exc:
            raise DayCloseFailed(
                f"The day close could not reach head office: {exc}", reason=exc.code
            ) from exc
        self.days.record(request, response, automatic=automatic, closed_at=to_text(self.clock()))
        return DayCloseResult(
            business_date=day.isoformat(),
            status=response.status,
            missing_seqs=list(response.missing_seqs),
            events=sum(request.counts.values()),
            points_earned=request.points_earned,
            points_redeemed=request.points_redeemed,
            amount_cents=request.amount_cents,
            details=response.details,
        )

    def _store(self) -> StoreSettings:
        store = self.sync_store.store_settings()
        if store is None:
            raise ValidationFailed(
                "This terminal has no store settings yet: pair it first.", code="not_paired"
            )
        return store


def day_close_for(sync: SyncService, *, clock: Clock = utc_now) -> DayCloseService:
    """The day-close service of a paired terminal (what the app and the UI build)."""
    return DayCloseService(sync.replica, sync.settings, sync.day_close_client, clock=clock)
