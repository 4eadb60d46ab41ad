"""Migration t11c on a replica of the release before it: the first digits and the fast
HMAC of every phone go, the next pull starts from the beginning (so members come back
with their slow hash and other stores' staff can go), settled profile updates lose the
phone. Members stay findable by last 4 digits meanwhile."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

from terminal.offline.db import Replica
from terminal.services import build_services
from tests.ops.test_replica_upgrade import replica_at, settings_for

BEFORE_T11C = "0006"


def _replica_before_t11c(path: Path) -> None:
    replica_at(path, BEFORE_T11C)
    update = {"type": "member.updated", "data": {"phone": "+8613812345678", "name": "W"}}
    member_id = str(uuid.uuid4())
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO members (member_id, member_code, display_name, name_key, phone_last4,"
            " phone_hash, phone_masked, tier, balance, lifetime_points, status, version)"
            " VALUES (?, '1000000000017', 'Wang Fang', 'wang fang', '5678', ?, '138****5678',"
            " 'member', 420, 420, 'active', 3)",
            (member_id, "ab" * 32),
        )
        db.execute(
            "INSERT INTO staff (staff_id, staff_code, name, role, pin_hash, active,"
            " failed_attempts, version) VALUES (?, 'M200', 'Elsewhere', 'manager', 'h', 1, 0, 9)",
            (str(uuid.uuid4()),),
        )
        db.execute(
            "INSERT INTO terminal_state (id, next_member_counter, next_seq, pull_cursor,"
            " watermark, online) VALUES (1, 1, 3, 'djEuOTkuYWJjZGVmMDE', 2, 0)"
        )
        for seq, status in ((1, "acknowledged"), (2, "pending")):
            event_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO local_events (event_id, seq, type, member_id, occurred_at,"
                " business_date, points_delta, lifetime_delta, status) VALUES (?, ?,"
                " 'member.updated', ?, '2026-01-01T00:00:00+00:00', '2026-01-01', 0, 0, ?)",
                (event_id, seq, member_id, status),
            )
            db.execute(
                "INSERT INTO outbox (seq, event_id, payload, status, attempts, created_at)"
                " VALUES (?, ?, ?, ?, 0, '2026-01-01T00:00:00+00:00')",
                (seq, event_id, json.dumps(update), status),
            )


def test_t11c_drops_first_digits_and_fast_hashes_and_pulls_again(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    _replica_before_t11c(settings.replica_path)
    with Replica(settings.replica_path) as replica:
        found = build_services(replica, settings).lookup.by_phone_last4("5678").items
        assert [(m.display_name, m.phone_masked) for m in found] == [("Wang Fang", "****5678")]
    with sqlite3.connect(settings.replica_path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(members)")}
        member = db.execute("SELECT phone_hash, version, balance FROM members").fetchone()
        staff_versions = [row[0] for row in db.execute("SELECT version FROM staff")]
        (cursor,) = db.execute("SELECT pull_cursor FROM terminal_state").fetchone()
        payloads = [json.loads(r[0]) for r in db.execute("SELECT payload FROM outbox ORDER BY seq")]
    assert "phone_masked" not in columns
    assert member == ("", 0, 420)  # the balance stays until the pull overwrites it
    assert staff_versions == [0]
    assert cursor is None
    assert "phone" not in payloads[0]["data"]
    assert payloads[0]["data"]["name"] == "W"
    assert payloads[1]["data"]["phone"] == "+8613812345678"  # not pushed yet: kept
