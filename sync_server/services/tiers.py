"""Tiers kept until a day (``shared.domain.tier_rules``): the review that lowers the tier
of every member past the last day their tier is kept, at the end of a period and its
grace. Each lowered tier is a new version of the member (every till pulls it) and a
``member.tier_changed`` event in the ledger (webhooks' ``tier.changed``).

Safe to run twice, or on two workers at once: each member is re-read under its row lock
and lowered only while still past its day; the event's id is derived from the member and
the day its tier ran out, so the same lowering is never recorded twice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.domain.program import LoyaltyProgram
from shared.domain.tier_rules import add_points, format_totals, month_index, utc_day
from sync_server.db import Database
from sync_server.repositories import catalog
from sync_server.repositories import events as events_repo
from sync_server.repositories import members as members_repo
from sync_server.services.common import (
    EventSink,
    member_data,
    server_event,
    utcnow,
)
from sync_server.services.dashboard_rollup import DayFigures, write_figures
from sync_server.services.ledger import member_tier
from sync_server.services.versioning import ChangeBatch

_CHUNK = 200
TIER_CHANGED = "member.tier_changed"
_NAMESPACE = uuid.UUID("5b0b7f0e-4d1c-4b57-9a59-3c1f0f1e7a20")


@dataclass(frozen=True)
class TierReviewReport:
    members: int  # members whose tier this run changed (lowered; or set, by a rebuild)
    checked: int  # members looked at (past their day; or every active one, to rebuild)
    updated: int = 0  # members written (a tier, its day or its monthly totals changed)


def tier_change_id(member_id: str, tier: str, until: Any) -> str:
    """The ledger id of the lowering of ``member_id`` from ``tier`` kept until ``until``."""
    return str(uuid.uuid5(_NAMESPACE, f"{member_id}:{tier}:{until}"))


class TierService:
    def __init__(self, database: Database, *, events: EventSink | None = None) -> None:
        self.database = database
        self.events = events  # tier.changed for webhooks and the broker

    def review(self, now: datetime | None = None, *, rebuild: bool = False) -> TierReviewReport:
        """Lower every member past the last day their tier is kept; one transaction per
        chunk of members, each re-checked under its lock. ``rebuild``: recount every
        active member's monthly totals from the ledger first (after a program switched
        to tiers by period, or changed its period), and set each tier from them."""
        now = now or utcnow()
        today = utc_day(now)
        with self.database.read() as session:
            row = catalog.get_program(session, catalog.program_version_in_force(session, now))
            assert row is not None
            program = LoyaltyProgram.model_validate_json(row.body)
        after = ""
        lowered = checked = updated = 0
        while True:
            with self.database.read() as session:
                if rebuild:
                    due = members_repo.active_ids(session, after, _CHUNK)
                else:
                    due = members_repo.tier_due(session, today, after, _CHUNK)
            if not due:
                break
            after = due[-1]
            checked += len(due)
            moved, written = self._settle(due, program, now, rebuild=rebuild)
            lowered += moved
            updated += written
        return TierReviewReport(lowered, checked, updated)

    def _settle(
        self, member_ids: list[str], program: LoyaltyProgram, now: datetime, *, rebuild: bool
    ) -> tuple[int, int]:
        """(members whose tier changed, members written)."""
        today = utc_day(now)
        with self.database.write() as session:
            rows = members_repo.lock_many(session, member_ids)
            counted: dict[str, dict[int, int]] = {}
            if rebuild and program.rules_for_tiers.by_period:
                first = month_index(today) - program.rules_for_tiers.lookback_months + 1
                since = datetime(first // 12, first % 12 + 1, 1, tzinfo=UTC)
                for member_id, when, delta in events_repo.lifetime_moves(session, rows, since):
                    counted[member_id] = add_points(counted.get(member_id, {}), when, delta)
            moved: dict[str, tuple[str, Any]] = {}  # member -> (tier before, kept until)
            changed: list[str] = []
            for member_id, row in rows.items():
                until = row["tier_until"]
                if row["status"] != "active":
                    continue
                if rebuild:
                    points = format_totals(counted.get(member_id, {}))
                elif until is None or until >= today:
                    continue  # lowered meanwhile (another worker), or not due
                else:
                    points = row["tier_points"] or ""
                tier, points, new_until = member_tier(
                    program, points, row["lifetime_points"], 0, None, now
                )
                before = (row["tier"], row["tier_points"] or "", row["tier_until"])
                if before == (tier, points, new_until):
                    continue
                changed.append(member_id)
                if row["tier"] != tier:
                    moved[member_id] = (row["tier"], until)
                row.update(tier=tier, tier_points=points, tier_until=new_until, updated_at=now)
            if not changed:
                return 0, 0
            changes = ChangeBatch()
            slots = {m: changes.touch("member", m) for m in changed}
            base = changes.write(session, lambda _e, m: member_data(rows[m]), now)
            for member_id in changed:
                rows[member_id]["version"] = base + slots[member_id]
            ledger, figures = [], []
            for member_id, (before_tier, until) in moved.items():
                row = rows[member_id]
                event_id = tier_change_id(member_id, before_tier, until or f"rebuild:{today}")
                data = {
                    "from_tier": before_tier,
                    "to_tier": row["tier"],
                    "kept_until": None if until is None else str(until),
                    "tier_until": None if row["tier_until"] is None else str(row["tier_until"]),
                }
                ledger.append(server_event(event_id, TIER_CHANGED, member_id, data, now, now, row))
                store = row["store_code"] or ""
                figures.append(DayFigures(store, now.date(), before_tier, tier_members=-1))
                figures.append(DayFigures(store, now.date(), row["tier"], tier_members=1))
                if self.events is not None:
                    message = {
                        "event_id": event_id,
                        "member_id": member_id,
                        "member_code": row["member_code"],
                        "from": before_tier,
                        "to": row["tier"],
                    }
                    self.events(session, "tier.changed", member_id, f"msg_{event_id}", message, now)
            members_repo.update_many(session, [rows[m] for m in changed], profile=False)
            events_repo.insert_many(session, ledger)
            write_figures(session, figures)
            return len(moved), len(changed)
