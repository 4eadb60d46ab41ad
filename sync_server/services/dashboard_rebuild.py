"""Rebuild the dashboard's roll-ups from the ledger and the members (a job: after the
upgrade to s19d, after a seed, or to check the push path's roll-ups). One transaction:
the roll-ups are emptied and refilled, members read in chunks by id.

What the push path knows and a rebuild does not: the tier a member had at each event
(a rebuild puts every figure of a member under their tier now) and the time a member
changed tier (counted from enrolment in their tier now)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.domain.business_day import business_date
from sync_server.db import Database
from sync_server.repositories import catalog
from sync_server.repositories import dashboard as repo
from sync_server.services.dashboard_rollup import (
    VISIT_TYPES,
    Visit,
    active_deltas,
    buyer_changes,
    churn_figures,
    figures_of,
)

_CHUNK = 2000


@dataclass(frozen=True)
class RebuildReport:
    members: int
    events: int
    daily_rows: int


@dataclass(frozen=True)
class _Clock:
    timezone: str
    closing_time: str

    def day(self, moment: datetime) -> date:
        return business_date(moment, self.timezone, self.closing_time)


class DashboardRebuild:
    def __init__(self, database: Database, *, chunk: int = _CHUNK) -> None:
        self.database = database
        self.chunk = chunk

    def rebuild(self) -> RebuildReport:
        members = events = 0
        daily: dict[tuple[str, date, str], dict[str, int]] = {}
        active: dict[tuple[str, date, int], int] = {}
        with self.database.write() as session:
            clocks = {
                s.code: _Clock(s.timezone, s.closing_time) for s in catalog.list_stores(session)
            }
            utc = _Clock("UTC", "00:00")
            repo.clear(session)
            after = ""
            while True:
                chunk = repo.member_chunk(session, after, self.chunk)
                if not chunk:
                    break
                after = chunk[-1].id
                found = repo.accepted_events(session, [m.id for m in chunk])
                by_member: dict[str, list[Any]] = {}
                for event in found:
                    by_member.setdefault(event.member_id, []).append(event)
                new_days: list[tuple[str, date]] = []
                buy_days: list[tuple[str, date]] = []
                for member in chunk:
                    home = member.store_code or ""
                    clock = clocks.get(home, utc)
                    visits = [Visit(member.id, home, clock.day(member.enrolled_at), member.tier)]
                    _add(daily, (home, visits[0].day, member.tier), new_members=1)
                    _add(daily, (home, visits[0].day, member.tier), tier_members=1)
                    mine = by_member.get(member.id, [])
                    earned = {e.event_id: e for e in mine if e.type == "points.earned"}
                    for event in mine:
                        store = event.store_code or home
                        day = clocks.get(store, clock).day(event.occurred_at)
                        amount, voided = _amount(event.payload), ""
                        if event.type == "event.voided":
                            target_id = _voided_id(event.payload)
                            target = earned.get(target_id) or _typed(mine, target_id)
                            voided = target.type if target is not None else ""
                            amount = _amount(target.payload) if voided == "points.earned" else 0
                        elif event.type == "sale.returned":
                            amount = int(event.accepted_cents or 0)
                        flow = figures_of(event.type, amount, event.points_delta, voided)
                        flow.pop("new_members", None)  # counted from the member row
                        if event.type == "points.expired":
                            flow = {"points_expired": -event.points_delta}
                        if flow:
                            _add(daily, (store, day, member.tier), **flow)
                        if event.points_delta:
                            key = (home, day, member.tier)
                            _add(daily, key, balance_delta=event.points_delta)
                        if event.type in VISIT_TYPES - {"member.enrolled"}:
                            bought = event.type == "points.earned"
                            visits.append(Visit(member.id, home, day, member.tier, bought))
                    visits.sort(key=lambda v: v.day)
                    for figures in churn_figures({}, visits):
                        key = (home, figures.business_date, member.tier)
                        _add(daily, key, at_risk=figures.at_risk, won_back=figures.won_back)
                    for key3, n in buyer_changes({}, visits).items():
                        active[key3] = active.get(key3, 0) + n
                    buy_days.extend({(member.id, v.day) for v in visits if v.purchase})
                    fresh, deltas = active_deltas({}, visits)
                    for visit in fresh:
                        key = (home, visit.day, member.tier)
                        _add(daily, key, active_members=1)
                        new_days.append((member.id, visit.day))
                    for key3, n in deltas.items():
                        active[key3] = active.get(key3, 0) + n
                repo.add_member_days(session, new_days)
                repo.add_member_days(session, buy_days, buyers=True)
                members += len(chunk)
                events += len(found)
            repo.add_daily(session, [_row(key, figures) for key, figures in daily.items()])
            coupons: dict[tuple[str, date, str], list[int]] = {}
            for title, created_at, status, home in repo.all_coupons(session):
                held = coupons.setdefault((home or "", repo.utc_day(created_at), title), [0, 0])
                held[0] += 1
                held[1] += 1 if status == "redeemed" else 0
            repo.add_coupons(
                session,
                [
                    {"store_code": s, "day": d, "title": t, "issued": n, "used": u}
                    for (s, d, t), (n, u) in coupons.items()
                ],
            )
            repo.add_active(
                session,
                [
                    {"store_code": s, "day": d, "window_days": w, "delta": n}
                    for (s, d, w), n in active.items()
                    if n
                ],
            )
        return RebuildReport(members, events, len(daily))


def _amount(payload: str | None) -> int:
    """A sale's amount (its stored payload); 0 for other events."""
    return int(json.loads(payload)["data"].get("amount_cents", 0)) if payload else 0


def _voided_id(payload: str | None) -> str:
    """The event a void names (its stored payload)."""
    return str(json.loads(payload)["data"].get("voided_event_id", "")) if payload else ""


def _typed(events: list[Any], event_id: str) -> Any:
    """The member's event of this id (a void names one of its member's events)."""
    return next((e for e in events if e.event_id == event_id), None)


def _add(daily: dict[tuple[str, date, str], dict[str, int]], key: Any, **figures: int) -> None:
    row = daily.setdefault(key, {})
    for name, n in figures.items():
        row[name] = row.get(name, 0) + n


def _row(key: tuple[str, date, str], figures: Mapping[str, int]) -> dict[str, Any]:
    row: dict[str, Any] = dict(zip(repo.DAILY_KEY, key, strict=True))
    row.update({name: figures.get(name, 0) for name in repo.FIGURES})
    return row
