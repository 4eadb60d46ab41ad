"""Tiers qualified by period at the server: an earn raises the tier at once and says until
when it is kept; `tiers review` lowers it past that day, once, as a change every till
pulls, however often and on however many workers it runs (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.domain.tier_rules import month_end, month_index
from sync_server.cli import main
from sync_server.db import Database
from sync_server.services.admin import AdminService
from sync_server.services.tiers import TierService
from tests.sync_server.helpers import Pairing, pull_all, push


def publish_calendar(database: Database) -> LoyaltyProgram:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": 2}
    body["tier_rules"] = {"basis": "calendar", "period_months": 12, "grace_months": 1}
    return AdminService(database).publish_program(LoyaltyProgram.model_validate(body))


def _member(client: TestClient, paired: Pairing, member_id: str) -> dict[str, Any]:
    state, _ = pull_all(client, paired)
    data: dict[str, Any] = state[("member", member_id)]["data"]
    data["version"] = state[("member", member_id)]["version"]
    return data


def _tier_events(database: Database, member_id: str) -> list[Any]:
    with database.read() as session:
        return list(
            session.execute(
                text(
                    "SELECT event_id, payload, member_version FROM events "
                    "WHERE type = 'member.tier_changed' AND member_id = :m"
                ),
                {"m": member_id},
            )
        )


def test_earn_raises_the_tier_and_review_lowers_it_once(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    publish_calendar(database)
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    results = push(client, paired, [enrol, ev.earn(member, 100_000, 1000, rule_version=2)])
    assert [r["status"] for r in results["results"]] == ["accepted", "accepted"]
    today = datetime.now(UTC).date()
    # kept to the end of next calendar year, then one month of grace
    kept = month_end(month_index(date(today.year + 2, 1, 1)))
    data = _member(client, paired, member)
    assert (data["tier"], data["tier_until"]) == ("silver", kept.isoformat())
    assert data["tier_points"] == f"{month_index(today)}:1000"

    # the next earn is at Silver (x1.25); Gold's x1.5 was never reached
    wrong = ev.earn(member, 10_000, 150, rule_version=2)
    right = ev.earn(member, 10_000, 125, rule_version=2)
    answers = push(client, paired, [wrong, right])["results"]
    assert [(a["status"], a.get("code")) for a in answers] == [
        ("rejected", "points_mismatch"),
        ("accepted", None),
    ]

    service = TierService(database)
    assert service.review().members == 0  # nobody is past their day
    before = _member(client, paired, member)["version"]
    on_the_day = datetime.combine(kept, time(23, 59), tzinfo=UTC)
    assert service.review(on_the_day).members == 0  # still kept on its last day
    after = datetime.combine(kept + timedelta(days=1), time(0, 1), tzinfo=UTC)
    assert service.review(after).members == 1
    assert service.review(after).members == 0  # idempotent
    assert service.review(after + timedelta(days=40)).members == 0

    data = _member(client, paired, member)
    assert data["tier"] == "member"
    assert "tier_until" not in data
    assert data["version"] > before
    events = _tier_events(database, member)
    assert len(events) == 1
    assert '"from_tier":"silver"' in events[0].payload
    assert '"to_tier":"member"' in events[0].payload
    # the lowering is a version of its own (a later one may follow: the phone's slow
    # hash is published by a worker)
    assert before < events[0].member_version <= data["version"]


def test_two_workers_reviewing_at_once_lower_each_member_once(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    publish_calendar(database)
    ev = paired.events
    members = []
    batch = []
    for index in range(12):
        enrol = ev.enrol(phone=f"138123400{index:02d}")
        members.append(enrol["member_id"])
        batch += [enrol, ev.earn(enrol["member_id"], 500_000, 5000, rule_version=2)]
    push(client, paired, batch)
    assert {_member(client, paired, m)["tier"] for m in members} == {"gold"}
    later = datetime.now(UTC) + timedelta(days=3 * 366)
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            counts.append(TierService(database).review(later).members)
        except BaseException as error:  # pragma: no cover (reported below)
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sum(counts) == len(members)
    for member in members:
        assert len(_tier_events(database, member)) == 1
        assert _member(client, paired, member)["tier"] == "member"


def test_a_lifetime_program_keeps_no_totals_and_nothing_runs_out(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    push(client, paired, [enrol, ev.earn(member, 600_000, 6000)])
    data = _member(client, paired, member)
    assert data["tier"] == "gold"
    assert "tier_until" not in data
    assert "tier_points" not in data
    far = datetime.now(UTC) + timedelta(days=20 * 366)
    assert TierService(database).review(far).members == 0


def test_cli_refuses_bad_tier_rules_naming_the_field_and_reviews(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--db", db_url)
    assert main(["migrate", *db]) == 0
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": 2}
    program = tmp_path / "p.json"
    for rules, named in (
        ({"basis": "rolling", "period_months": -12}, "tier_rules.period_months:"),
        ({"basis": "calendar", "grace_months": 13}, "tier_rules.grace_months:"),
        ({"basis": "rolling", "period_months": 2, "grace_months": 3}, "grace_months: 3 is longer"),
    ):
        program.write_text(json.dumps({**body, "tier_rules": rules}))
        capsys.readouterr()
        assert main(["program", "publish", str(program), *db]) == 2
        assert named in capsys.readouterr().err
    steps = json.loads(json.dumps(body))
    steps["tiers"][2]["min_lifetime_points"] = 500
    program.write_text(json.dumps(steps))
    assert main(["program", "publish", str(program), *db]) == 2
    assert "tiers[2].min_lifetime_points: 500 is not above" in capsys.readouterr().err
    assert main(["program", "show", *db]) == 0
    assert json.loads(capsys.readouterr().out)["rule_version"] == 1  # nothing published

    program.write_text(json.dumps({**body, "tier_rules": {"basis": "calendar"}}))
    assert main(["program", "publish", str(program), *db]) == 0
    capsys.readouterr()
    assert main(["tiers", "review", "--json", *db]) == 0
    assert json.loads(capsys.readouterr().out) == {"members": 0, "checked": 0, "updated": 0}
    assert main(["tiers", "review", "--now", "2026-01-01T00:00:00", *db]) == 2


def test_the_published_schema_describes_tier_rules(client: TestClient) -> None:
    schema = client.get("/v1/program/schema").json()
    assert "tier_rules" in schema["properties"]
    rules = schema["$defs"]["TierRules"]["properties"]
    assert rules["basis"]["enum"] == ["lifetime", "rolling", "calendar"]
    assert (rules["period_months"]["minimum"], rules["period_months"]["maximum"]) == (1, 24)
    assert (rules["grace_months"]["minimum"], rules["grace_months"]["maximum"]) == (0, 12)


def test_rebuild_counts_earns_from_before_a_switch_to_period_tiers(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    earn = ev.earn(member, 600_000, 6000)
    push(client, paired, [enrol, earn, ev.void(member, earn["event_id"])])
    again = ev.earn(member, 120_000, 1200)
    push(client, paired, [again])
    assert _member(client, paired, member)["tier"] == "silver"  # lifetime 1,200
    publish_calendar(database)
    assert "tier_points" not in _member(client, paired, member)  # not counted yet
    report = TierService(database).review(rebuild=True)
    # Silver either way, now with its totals and a day
    assert (report.members, report.checked, report.updated) == (0, 1, 1)
    data = _member(client, paired, member)
    today = datetime.now(UTC).date()
    assert data["tier_points"] == f"{month_index(today)}:1200"  # the void took 6,000 back
    assert data["tier_until"] == month_end(month_index(date(today.year + 2, 1, 1))).isoformat()
    again_report = TierService(database).review(rebuild=True)
    assert (again_report.members, again_report.updated) == (0, 0)  # nothing to change again
