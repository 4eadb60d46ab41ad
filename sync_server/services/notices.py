"""Notices the maintenance run sends to webhooks and the broker (issue 18), each once
per occasion (``notices_sent``):

- ``points.expiring``: a member has points that expire within ``expiring_days`` (the
  soonest expiry date and its points, from ``shared.domain.program.expiry_schedule``),
  once per member and expiry date;
- ``member.churn_risk``: no till has seen an active member for ``churn_days``, once per
  member and last visit (a member who comes back and stays away again is told again).

``day_close.mismatch`` is sent by the day close itself (``services/day_close.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.program import LoyaltyProgram, add_months, expiry_schedule
from sync_server.db import Database
from sync_server.repositories import catalog
from sync_server.repositories import events as events_repo
from sync_server.repositories import members as members_repo
from sync_server.repositories import notices as repo
from sync_server.services.common import EventSink, utcnow

_CHUNK = 200
# Members whose last visit is up to this much older than the churn threshold are still
# told (a maintenance run that did not run for a while catches up; older ones are not).
CHURN_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class NoticeReport:
    expiring: int
    churn_risk: int


class NoticeService:
    def __init__(
        self,
        database: Database,
        events: EventSink,
        *,
        expiring_days: int = 30,
        churn_days: int = 90,
    ) -> None:
        self.database = database
        self.events = events
        self.expiring_days = expiring_days
        self.churn_days = churn_days

    def run(self, now: datetime | None = None) -> NoticeReport:
        now = now or utcnow()
        expiring = self.points_expiring(now) if self.expiring_days > 0 else 0
        churn = self.churn_risk(now) if self.churn_days > 0 else 0
        return NoticeReport(expiring, churn)

    def points_expiring(self, now: datetime) -> int:
        """``points.expiring`` for every member with points expiring in the window."""
        with self.database.read() as session:
            row = catalog.get_program(session, catalog.program_version_in_force(session, now))
            assert row is not None
            program = LoyaltyProgram.model_validate_json(row.body)
        horizon = now + timedelta(days=self.expiring_days)
        # lots that expire in (now, horizon] were earned in this window
        first = add_months(now, -program.expiry_months)
        last = add_months(horizon, -program.expiry_months)
        after, sent = "", 0
        while True:
            with self.database.read() as session:
                found = repo.earned_between(session, first, last, after, _CHUNK)
            if not found:
                return sent
            after = found[-1]
            sent += self._expiring_chunk(found, program, now, horizon)

    def _expiring_chunk(
        self, member_ids: list[str], program: LoyaltyProgram, now: datetime, horizon: datetime
    ) -> int:
        sent = 0
        with self.database.write() as session:
            rows = members_repo.lock_many(session, member_ids)
            for member_id, row in rows.items():
                lots = events_repo.credit_lots(session, member_id)
                debited = events_repo.total_debited(session, member_id)
                schedule = expiry_schedule(lots, debited, int(row["balance"]), now, program)
                if not schedule or schedule[0][0] > horizon:
                    continue
                expires_at, points = schedule[0]
                occasion = expires_at.date().isoformat()
                if not repo.claim(session, "points.expiring", member_id, occasion, now):
                    continue
                data = {
                    "member_id": member_id,
                    "member_code": row["member_code"],
                    "points": points,
                    "expires_at": expires_at.isoformat(),
                    "balance": int(row["balance"]),
                }
                message = f"msg_expiring_{member_id}_{occasion}"
                self.events(session, "points.expiring", member_id, message, data, now)
                sent += 1
        return sent

    def churn_risk(self, now: datetime) -> int:
        """``member.churn_risk`` for members whose last visit is ``churn_days`` ago."""
        threshold = now - timedelta(days=self.churn_days)
        after, sent = "", 0
        while True:
            with self.database.read() as session:
                found = repo.last_seen_between(
                    session, threshold - CHURN_LOOKBACK, threshold, after, _CHUNK
                )
            if not found:
                return sent
            after = found[-1][0]
            with self.database.write() as session:
                for member_id, member_code, last_visit in found:
                    occasion = last_visit.date().isoformat()
                    if not repo.claim(session, "member.churn_risk", member_id, occasion, now):
                        continue
                    data = {
                        "member_id": member_id,
                        "member_code": member_code,
                        "last_visit": last_visit.isoformat(),
                        "days_absent": (now - last_visit).days,
                    }
                    message = f"msg_churn_{member_id}_{occasion}"
                    self.events(session, "member.churn_risk", member_id, message, data, now)
                    sent += 1
