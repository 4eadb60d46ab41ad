"""Reconciliation: every terminal-day as matched, pending, mismatch (with the reason) or
unclosed, recomputed from the ledger as it stands now; and the exceptions head office
must look at (overdrafts, rejected events, members that look like duplicates).

A terminal-day whose close names seqs the server does not hold is ``pending`` while the
terminal may still send them; once a later seq of that terminal arrives after the close
(terminals push in seq order), or the terminal reports an empty queue after the close,
the same gap is a ``mismatch``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shared.domain.business_day import NOON, business_date, parse_closing_time, store_zone
from shared.protocol import DayCloseRequest
from sync_server.db import Database
from sync_server.models import DayClose, Store, Terminal
from sync_server.repositories import catalog
from sync_server.repositories import events as events_repo
from sync_server.repositories import reconcile as repo
from sync_server.services.day_close import compare_day
from sync_server.services.reports import ReportService

STATUSES = ("matched", "pending", "mismatch", "unclosed")
_REASONS = {
    "event_digest": "digest differs",
    "counts": "totals differ: event counts",
    "points_earned": "totals differ: points earned",
    "points_redeemed": "totals differ: points redeemed",
    "amount_cents": "totals differ: amount",
}


@dataclass
class TerminalDay:
    business_date: str
    terminal_id: str
    terminal_name: str
    store_code: str
    status: str
    reasons: list[str] = field(default_factory=list)
    missing_seqs: list[int] = field(default_factory=list)
    first_seq: int | None = None
    last_seq: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    closed_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _bounds(day: date, store: Store) -> tuple[datetime, datetime]:
    """The UTC span of a store's business day (``shared.domain.business_day`` rules: a
    closing time before noon keeps the small hours on the previous day)."""
    closing = parse_closing_time(store.closing_time)
    start_time = closing if closing < NOON else time()
    zone = store_zone(store.timezone)
    start = datetime.combine(day, start_time, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), start_time, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC bounds wide enough for any time zone and a closing time after midnight."""
    since = datetime.combine(first - timedelta(days=2), time(), tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=3), time(), tzinfo=UTC)
    return since, until


def _may_still_send(session: Any, terminal: Terminal, close: DayClose, missing: list[int]) -> bool:
    """False once the gap cannot close by itself: a terminal pushes in seq order, so a
    later seq received after the close means the missing ones are lost; or the terminal
    said, after the close, that its queue is empty."""
    if repo.received_later_seq(session, terminal.id, min(missing), close.received_at):
        return False
    synced_since = terminal.last_seen_at is not None and terminal.last_seen_at > close.received_at
    return not (synced_since and terminal.queue_depth == 0)


class ReconcileService:
    def __init__(self, database: Database) -> None:
        self.database = database

    def today(self, now: datetime | None = None) -> date:
        """Head office's "today": the latest business date any store has reached (each in
        its own time zone and with its own closing time), so that a default view includes
        every store's current day; the UTC date when there are no stores yet."""
        moment = now or datetime.now(UTC)
        with self.database.read() as session:
            stores = catalog.list_stores(session)
            days = [business_date(moment, s.timezone, s.closing_time) for s in stores]
        return max(days, default=moment.date())

    def board(self, first: date, last: date) -> list[TerminalDay]:
        """Every terminal-day from ``first`` to ``last`` with a close or with events."""
        with self.database.read() as session:
            terminals = {t.id: (t, s) for t, s in repo.terminals_with_stores(session)}
            closes = {
                (c.terminal_id, c.business_date): c for c in repo.day_closes(session, first, last)
            }
            active = {
                (terminal.id, day)
                for terminal, store in terminals.values()
                for day in _dates(first, last)
                if terminal.max_seq > 0
                and (terminal.id, day) not in closes
                and repo.has_events_between(session, terminal.id, *_bounds(day, store))
            }
            days: list[TerminalDay] = []
            for key in sorted(set(closes) | active, key=lambda k: (k[1], k[0])):
                terminal_id, day = key
                if terminal_id not in terminals:
                    continue
                terminal, store = terminals[terminal_id]
                close = closes.get(key)
                if close is None:
                    days.append(self._unclosed(terminal, store, day))
                else:
                    days.append(self._reconcile(session, terminal, store, close))
        return days

    def day(self, business: date) -> list[TerminalDay]:
        return self.board(business, business)

    def terminal_day(
        self, terminal_id: str, business: date
    ) -> tuple[TerminalDay | None, list[dict[str, Any]]]:
        """One terminal-day and its events (those of the day and those the close names)."""
        found = [d for d in self.day(business) if d.terminal_id == terminal_id]
        summary = found[0] if found else None
        since, until = _window(business, business)
        seqs = (summary.first_seq or 0, summary.last_seq or -1) if summary else (0, -1)
        with self.database.read() as session:
            pair = {t.id: (t, s) for t, s in repo.terminals_with_stores(session)}.get(terminal_id)
            if pair is None:
                return None, []
            store = pair[1]
            rows = repo.events_of_terminal(session, terminal_id, since, until, seqs)
        events = []
        for row in rows:
            day = business_date(row["occurred_at"], store.timezone, store.closing_time)
            in_close = seqs[0] <= int(row["seq"] or 0) <= seqs[1]
            if day == business or in_close:
                row["business_date"] = day.isoformat()
                row["occurred_at"] = row["occurred_at"].isoformat()
                events.append(row)
        return summary, events

    def exceptions(self) -> dict[str, Any]:
        with self.database.read() as session:
            rejected = repo.rejected_events(session)
            members = repo.members_with_phone_hashes(session, repo.shared_phone_hashes(session))
        for row in rejected:
            row["occurred_at"] = row["occurred_at"].isoformat()
        groups: dict[str, list[dict[str, Any]]] = {}
        for member in members:
            member["enrolled_at"] = member["enrolled_at"].isoformat()
            groups.setdefault(str(member.pop("phone_hash")), []).append(member)
        duplicates = [
            {"members": group}
            for group in groups.values()
            if len({(m["store_code"], m["terminal_id"]) for m in group}) > 1
        ]
        return {
            "overdrafts": ReportService(self.database).overdrafts(),
            "rejected": rejected,
            "duplicate_members": duplicates,
        }

    # --- one terminal-day ---------------------------------------------------------

    @staticmethod
    def _unclosed(terminal: Terminal, store: Store, day: date) -> TerminalDay:
        return TerminalDay(
            business_date=day.isoformat(),
            terminal_id=terminal.id,
            terminal_name=terminal.name,
            store_code=store.code,
            status="unclosed",
            reasons=["no day close received"],
        )

    @staticmethod
    def _reconcile(session: Any, terminal: Terminal, store: Store, close: DayClose) -> TerminalDay:
        request = DayCloseRequest.model_validate_json(close.payload)
        held = events_repo.terminal_range(session, terminal.id, request.first_seq, request.last_seq)
        status, missing, details = compare_day(request, held)
        reasons: list[str] = []
        if status == "pending":
            reasons = [f"missing seqs {', '.join(str(s) for s in missing[:20])}"]
            if not _may_still_send(session, terminal, close, missing):
                status = "mismatch"
                reasons.append("the terminal reports an empty queue")
            else:
                reasons.append("events still to come")
        elif status == "mismatch":
            reasons = [_REASONS.get(key, key) for key in details.get("differences", [])]
        return TerminalDay(
            business_date=close.business_date.isoformat(),
            terminal_id=terminal.id,
            terminal_name=terminal.name,
            store_code=store.code,
            status=status,
            reasons=reasons,
            missing_seqs=missing,
            first_seq=request.first_seq,
            last_seq=request.last_seq,
            details=json.loads(json.dumps(details, default=str)),
            closed_at=close.received_at.isoformat(),
        )
