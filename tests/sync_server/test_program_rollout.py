"""Scheduled and staged publishing: what a store's till receives, which version is in
force for a store before and after the effective time, and which earns the server
accepts (the version in force for that store at the sale's time, or an older one)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.errors import ValidationFailed
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.repositories import catalog
from sync_server.services.admin import AdminService
from tests.sync_server.helpers import Pairing, new_terminal, pull_all, push


def version(number: int) -> LoyaltyProgram:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": number}
    return LoyaltyProgram.model_validate({**body, "name": f"Program {number}"})


def pair_at(client: TestClient, database: Database, settings: Settings, store: str) -> Pairing:
    _terminal_id, code = new_terminal(database, settings, store=store, name=f"Till {store}")
    response = client.post("/v1/pair", json={"pairing_code": code, "device_name": store})
    assert response.status_code == 201, response.text
    body = response.json()
    return Pairing(
        body["terminal_id"], body["token"], body["member_code_prefix"], body["phone_hash_key"], body
    )


def programs_of(changes: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str | None]:
    """The program entries a till received: change id -> effective_from (None: at once)."""
    return {
        key[1]: change.get("effective_from")
        for key, change in changes.items()
        if key[0] == "program"
    }


def outcome(client: TestClient, till: Pairing, event: dict[str, Any]) -> tuple[str, str | None]:
    result = push(client, till, [event])["results"][0]
    return result["status"], result.get("code")


def test_a_staged_store_and_another_store_receive_and_apply_different_versions(
    client: TestClient, database: Database, settings: Settings
) -> None:
    admin = AdminService(database)
    first = pair_at(client, database, settings, "S001")
    other = pair_at(client, database, settings, "S002")
    start = datetime.now(UTC) + timedelta(hours=1)
    admin.publish_program(version(2), stores=["S001"])  # staged: S001 first, at once
    admin.publish_program(version(3), effective_from=start)  # every store, from `start`

    seen_first = programs_of(pull_all(client, first)[0])
    seen_other = programs_of(pull_all(client, other)[0])
    when = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    # Delivered ahead, with its time; the staged version only to its store.
    assert seen_first == {"1": None, "2@S001": None, "3": when}
    assert seen_other == {"1": None, "3": when}

    now = datetime.now(UTC)
    assert admin.program_in_force("S001", now) == 2
    assert admin.program_in_force("S002", now) == 1
    assert admin.program_in_force("S001", start - timedelta(seconds=1)) == 2
    assert admin.program_in_force("S001", start) == 3
    assert admin.program_in_force("S002", start) == 3
    with database.read() as session:  # the chain's (expiry, summaries, partner earns)
        assert catalog.program_version_in_force(session, now) == 1
        assert catalog.program_version_in_force(session, start) == 3
    states = {v.rule_version: v.state for v in admin.program_versions(now)}
    assert states == {3: "scheduled", 2: "staged", 1: "in_force"}

    # Then to all: the other store's tills receive version 2 too.
    admin.roll_out(2)
    assert programs_of(pull_all(client, other)[0]) == {"1": None, "2": None, "3": when}
    assert admin.program_in_force("S002", now + timedelta(seconds=1)) == 2
    with pytest.raises(Conflict):
        admin.roll_out(2, stores=["S002"])  # it already reaches every store


def test_earns_are_checked_against_the_version_in_force_for_the_store_at_the_sale(
    client: TestClient, database: Database, settings: Settings
) -> None:
    admin = AdminService(database)
    first = pair_at(client, database, settings, "S001")
    other = pair_at(client, database, settings, "S002")
    start = datetime.now(UTC) + timedelta(hours=1)
    admin.publish_program(version(2), stores=["S001"])
    admin.publish_program(version(3), effective_from=start)
    points = version(2).points_for_sale(10_000, 0)

    def earn(
        till: Pairing, rule_version: int, at: datetime | None = None
    ) -> tuple[str, str | None]:
        enrol = till.events.enrol(phone=f"1381234{till.events.seq:04d}")
        assert push(client, till, [enrol])["results"][0]["status"] == "accepted"
        sale = till.events.earn(
            enrol["member_id"], 10_000, points, rule_version,
            occurred_at=at.isoformat() if at else None,
        )  # fmt: skip
        return outcome(client, till, sale)

    assert earn(first, 2) == ("accepted", None)  # staged here
    assert earn(other, 2) == ("rejected", "rule_version_not_in_force")  # not here
    assert earn(other, 1) == ("accepted", None)
    assert earn(first, 1) == ("accepted", None)  # a till that has not synced yet
    assert earn(first, 3) == ("rejected", "rule_version_not_in_force")  # before its time
    # A sale after the effective time (the till's clock; the server takes events up to
    # a day ahead of its own): the scheduled version stands, the staged one still not.
    later = start + timedelta(minutes=1)
    assert earn(other, 3, later) == ("accepted", None)
    assert earn(first, 3, later) == ("accepted", None)
    assert earn(other, 2, later) == ("rejected", "rule_version_not_in_force")
    assert earn(other, 1, later) == ("accepted", None)  # an older version still stands


def test_a_roll_out_is_refused_in_the_past_and_to_no_store(database: Database) -> None:
    admin = AdminService(database)
    admin.add_store("S001", "Downtown")
    with pytest.raises(ValidationFailed) as past:
        admin.publish_program(version(2), effective_from=datetime.now(UTC) - timedelta(hours=1))
    assert past.value.code == "effective_from_past"
    with pytest.raises(ValidationFailed) as none:
        admin.publish_program(version(2), stores=[])
    assert none.value.code == "no_stores_chosen"
    assert admin.current_program().rule_version == 1


def test_a_store_setting_change_reaches_only_that_stores_tills(
    client: TestClient, database: Database, settings: Settings
) -> None:
    first = pair_at(client, database, settings, "S001")
    other = pair_at(client, database, settings, "S002")
    _, cursor = pull_all(client, first)
    AdminService(database).update_store(
        "S001",
        name="Downtown 2",
        currency="HKD",
        timezone="Asia/Hong_Kong",
        phone_region="HK",
        language="en",
        closing_time="22:30",
    )
    changed, _ = pull_all(client, first, cursor=cursor)
    assert changed[("store", "S001")]["data"] == {
        "store_code": "S001",
        "name": "Downtown 2",
        "currency": "HKD",
        "timezone": "Asia/Hong_Kong",
        "phone_region": "HK",
        "language": "en",
        "closing_time": "22:30",
    }
    assert not [key for key in pull_all(client, other)[0] if key[0] == "store"]


def test_publish_staged_and_scheduled_from_the_command_line(
    db_url: str, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sync_server.cli import main

    db = ("--db", db_url)
    admin = AdminService(database)
    admin.add_store("S001", "Downtown")
    admin.add_store("S002", "Uptown")
    file = tmp_path / "v2.json"
    file.write_text(version(2).model_dump_json(), encoding="utf-8")
    assert main(["program", "publish", str(file), "--stores", "S001", "--json", *db]) == 0
    assert json.loads(capsys.readouterr().out)["stores"] == ["S001"]
    assert admin.program_in_force("S001") == 2
    assert admin.program_in_force("S002") == 1
    assert main(["program", "rollout", "2", "--effective-from", "2026-12-24T09:00", *db]) == 2
    capsys.readouterr()  # no offset: refused
    start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert main(["program", "rollout", "2", "--effective-from", start, *db]) == 0
    capsys.readouterr()
    assert main(["program", "versions", "--json", *db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(v["rule_version"], v["state"]) for v in listed] == [(2, "staged"), (1, "in_force")]
    assert listed[0]["rollouts"] == [
        {"store": "S001", "effective_from": None},
        {"store": None, "effective_from": datetime.fromisoformat(start).isoformat()},
    ]
    assert admin.program_in_force("S002", datetime.now(UTC) + timedelta(days=2)) == 2
