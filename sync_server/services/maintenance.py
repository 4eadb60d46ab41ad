"""Points expiry (oldest first, per the program) and tombstone purging."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.domain.program import LoyaltyProgram, add_months, points_to_expire
from sync_server.db import Database
from sync_server.repositories import catalog
from sync_server.repositories import changes as changes_repo
from sync_server.repositories import events as events_repo
from sync_server.repositories import members as members_repo
from sync_server.services.common import (
    EventSink,
    member_data,
    server_event,
    utcnow,
)
from sync_server.services.dashboard_rollup import DayFigures, write_figures
from sync_server.services.versioning import ChangeBatch

_CHUNK = 200


@dataclass(frozen=True)
class ExpiryReport:
    members: int
    points: int


class MaintenanceService:
    def __init__(
        self,
        database: Database,
        *,
        tombstone_retention_days: int = 90,
        events: EventSink | None = None,
    ) -> None:
        self.database = database
        self.retention = timedelta(days=tombstone_retention_days)
        self.events = events  # points.expired for webhooks and the broker

    def expire_points(self, now: datetime | None = None) -> ExpiryReport:
        """Expire every lot older than the program's expiry; one transaction per chunk."""
        now = now or utcnow()
        with self.database.read() as session:
            row = catalog.get_program(session, catalog.program_version_in_force(session, now))
            assert row is not None
            program = LoyaltyProgram.model_validate_json(row.body)
        cutoff = add_months(now, -program.expiry_months)
        after = ""
        members = points = 0
        while True:
            with self.database.read() as session:
                candidates = events_repo.expiry_candidates(session, cutoff, after, _CHUNK)
            if not candidates:
                break
            after = candidates[-1]
            expired = self._expire_chunk(candidates, program, now)
            members += sum(1 for p in expired if p)
            points += sum(expired)
        return ExpiryReport(members, points)

    def _expire_chunk(
        self, member_ids: list[str], program: LoyaltyProgram, now: datetime
    ) -> list[int]:
        with self.database.write() as session:
            rows = members_repo.lock_many(session, member_ids)
            expiring: dict[str, int] = {}
            for member_id, row in rows.items():
                if row["status"] != "active":
                    continue
                lots = events_repo.credit_lots(session, member_id)
                debited = events_repo.total_debited(session, member_id)
                amount = min(points_to_expire(lots, debited, now, program), max(row["balance"], 0))
                if amount > 0:
                    expiring[member_id] = amount
            if not expiring:
                return []
            changes = ChangeBatch()
            slots = {m: changes.touch("member", m) for m in expiring}
            for member_id, amount in expiring.items():
                rows[member_id]["balance"] -= amount
                if not program.rules_for_tiers.by_period:  # by period: `tiers review` lowers
                    rows[member_id]["tier"] = program.tier_for(
                        rows[member_id]["lifetime_points"]
                    ).code
                rows[member_id]["updated_at"] = now
            base = changes.write(session, lambda _e, m: member_data(rows[m]), now)
            ledger = []
            for member_id, amount in expiring.items():
                row = rows[member_id]
                row["version"] = base + slots[member_id]
                ledger.append(
                    server_event(
                        str(uuid.uuid4()),
                        "points.expired",
                        member_id,
                        {"points": amount},
                        now,
                        now,
                        row,
                        points_delta=-amount,
                    )
                )
            members_repo.update_many(session, [rows[m] for m in expiring], profile=False)
            events_repo.insert_many(session, ledger)
            write_figures(
                session, [_expired(rows[m], amount, now) for m, amount in expiring.items()]
            )
            if self.events is not None:
                for entry in ledger:
                    data = {
                        "event_id": entry["event_id"],
                        "member_id": entry["member_id"],
                        "member_code": rows[entry["member_id"]]["member_code"],
                        "points": entry["points_delta"],
                        "balance": entry["member_balance"],
                    }
                    message = f"msg_{entry['event_id']}"
                    self.events(session, "points.expired", entry["member_id"], message, data, now)
            return list(expiring.values())

    def purge_tombstones(self, now: datetime | None = None) -> int:
        with self.database.write() as session:
            return changes_repo.purge_tombstones(session, (now or utcnow()) - self.retention)


def _expired(row: dict[str, Any], amount: int, now: datetime) -> DayFigures:
    """The dashboard's roll-up of an expiry: on the member's home store, the UTC day."""
    store = row["store_code"] or ""
    return DayFigures(store, now.date(), row["tier"], points_expired=amount, balance_delta=-amount)
