"""Pull: pages, compaction, tombstones, cursor expiry, programs, staff, expiry of points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from shared.domain.program import DEFAULT_PROGRAM
from shared.protocol import ChangesResponse
from sync_server.db import Database
from sync_server.services.admin import AdminService
from sync_server.services.maintenance import MaintenanceService
from sync_server.services.seed import SeedService
from tests.sync_server.helpers import Pairing, pull_all, push


def test_bootstrap_pages_and_compaction(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    # paging only: no slow phone hashes (2,500 argon2id would dominate the test)
    report = SeedService(database).seed(2_500, coupons_every=10, phone_lookup=None)
    state, cursor = pull_all(client, paired, limit=700)
    members = [k for k in state if k[0] == "member"]
    assert len(members) == report.members == 2_500
    assert sum(1 for k in state if k[0] == "coupon") == report.coupons
    staff = [c for k, c in state.items() if k[0] == "staff"]
    assert {s["data"]["role"] for s in staff} == {"manager", "cashier"}
    assert all(s["data"]["pin_hash"].startswith("$argon2") for s in staff)
    assert state[("program", "1")]["data"]["rule_version"] == 1
    # Nothing new: an empty page with the same position.
    body = client.get("/v1/changes", params={"cursor": cursor}, headers=paired.headers).json()
    assert ChangesResponse.model_validate(body).changes == []
    assert body["more"] is False
    # Many changes to one member arrive as one (the latest) change.
    member_id = members[0][1]
    events = [paired.events.adjust(member_id, 1) for _ in range(5)]
    last = push(client, paired, events)["results"][-1]
    body = client.get("/v1/changes", params={"cursor": cursor}, headers=paired.headers).json()
    assert [(c["id"], c["version"]) for c in body["changes"]] == [
        (member_id, last["member_version"])
    ]
    assert body["changes"][0]["data"]["balance"] == last["member_balance"]


def test_erased_member_is_a_tombstone_until_purged(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    enrol = paired.events.enrol()
    push(client, paired, [enrol])
    _, start = pull_all(client, paired)
    old_cursor = client.get("/v1/changes", params={"limit": 1}, headers=paired.headers).json()[
        "cursor"
    ]
    AdminService(database).erase_member(enrol["data"]["member_code"])
    state, _ = pull_all(client, paired, cursor=start)
    change = state[("member", enrol["member_id"])]
    assert change["op"] == "delete"
    assert change["data"] is None
    maintenance = MaintenanceService(database, tombstone_retention_days=90)
    assert maintenance.purge_tombstones(datetime.now(UTC) + timedelta(days=89)) == 0
    assert maintenance.purge_tombstones(datetime.now(UTC) + timedelta(days=91)) == 1
    response = client.get("/v1/changes", params={"cursor": old_cursor}, headers=paired.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "cursor_expired"
    state, _ = pull_all(client, paired)  # a rebuild from the start works
    assert ("member", enrol["member_id"]) not in state


def test_published_program_reaches_terminals(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    admin = AdminService(database)
    v2 = DEFAULT_PROGRAM.model_copy(update={"rule_version": 2, "points_per_unit": 2})
    admin.publish_program(v2)
    state, _ = pull_all(client, paired)
    assert state[("program", "2")]["data"]["points_per_unit"] == 2
    enrol = paired.events.enrol()
    member = enrol["member_id"]
    results = push(
        client,
        paired,
        [
            enrol,
            paired.events.earn(member, 1_000, 20, rule_version=2),
            paired.events.earn(member, 1_000, 10, rule_version=1),
        ],
    )["results"]
    assert [r["status"] for r in results] == ["accepted"] * 3


@pytest.mark.history(3650)  # lots earned 800-900 days ago
def test_points_expire_oldest_first(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    now = datetime.now(UTC)
    old = (now - timedelta(days=800)).isoformat()
    older = (now - timedelta(days=900)).isoformat()
    recent = (now - timedelta(days=30)).isoformat()
    push(
        client,
        paired,
        [
            enrol,
            ev.earn(member, 10_000, 100, occurred_at=older),
            ev.earn(member, 20_000, 200, occurred_at=old),
            ev.earn(member, 40_000, 400, occurred_at=recent),
            ev.redeem(member, 150),  # consumes the oldest lot and 50 of the next
        ],
    )
    _, cursor = pull_all(client, paired)
    report = MaintenanceService(database).expire_points()
    assert (report.members, report.points) == (1, 150)
    assert MaintenanceService(database).expire_points().points == 0  # idempotent
    state, _ = pull_all(client, paired, cursor=cursor)
    assert state[("member", member)]["data"]["balance"] == 400
