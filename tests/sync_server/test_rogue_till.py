"""What a paired till's token can send, and what stops it (docs/SECURITY.md, "Rogue till").

Each test is a finding of the store-network probe: it failed before the fix (a crash, a
500, or points moved that nobody authorised). SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from sync_server.db import Database
from sync_server.models import Terminal
from sync_server.services.admin import AdminService
from sync_server.services.pull import encode_cursor
from sync_server.services.push_guard import first_missing
from tests.sync_server.helpers import Pairing, ensure_manager, new_terminal, pull_all, push


def _member(client: TestClient, paired: Pairing) -> str:
    enrol = paired.events.enrol()
    assert push(client, paired, [enrol])["results"][0]["status"] == "accepted"
    return str(enrol["member_id"])


def _post(client: TestClient, paired: Pairing, events: list[dict[str, Any]]) -> Any:
    return client.post("/v1/events", json={"events": events}, headers=paired.headers)


def _balance(client: TestClient, paired: Pairing, member: str) -> int:
    state, _ = pull_all(client, paired)
    return int(state[("member", member)]["data"]["balance"])


# --- one push crashes the server -------------------------------------------------


@pytest.mark.parametrize("seq", [2**63 - 1, 100_000_000, 10_002])
def test_a_seq_far_above_the_watermark_is_refused_and_nothing_applied(
    client: TestClient, paired: Pairing, database: Database, seq: int
) -> None:
    member = _member(client, paired)
    event = paired.events.earn(member, 10_000, 100)
    event["seq"] = seq
    started = time.monotonic()
    response = _post(client, paired, [event])
    assert time.monotonic() - started < 5
    if seq > 2**53:
        assert response.status_code == 422  # beyond the protocol's range
    else:
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "seq_out_of_window"
    with database.read() as session:
        terminal = session.get(Terminal, paired.terminal_id)
        assert terminal is not None
        assert (terminal.watermark, terminal.max_seq) == (1, 1)
    assert _balance(client, paired, member) == 0
    # The till's next seq in order still goes through.
    event["seq"] = 2
    assert push(client, paired, [event])["results"][0]["status"] == "accepted"


def test_the_window_edge_is_accepted_and_gaps_are_reported(
    client: TestClient, paired: Pairing
) -> None:
    member = _member(client, paired)
    event = paired.events.earn(member, 10_000, 100)
    event["seq"] = 1 + 10_000  # watermark 1 + the default window
    body = push(client, paired, [event])
    assert body["results"][0]["status"] == "accepted"
    assert body["terminal_watermark"] == 1
    assert body["missing_seqs"][:3] == [2, 3, 4]
    assert len(body["missing_seqs"]) == 1000


def test_a_huge_saved_high_water_mark_does_not_make_later_pushes_slow(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    member = _member(client, paired)
    # What a push before the fix left behind.
    with database.write() as session:
        session.execute(
            update(Terminal).where(Terminal.id == paired.terminal_id).values(max_seq=2**62)
        )
    tracemalloc.start()
    started = time.monotonic()
    body = push(client, paired, [paired.events.earn(member, 10_000, 100)])
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert body["results"][0]["status"] == "accepted"
    assert body["terminal_watermark"] == 2
    assert elapsed < 5
    assert peak < 50 * 2**20
    with database.read() as session:
        terminal = session.get(Terminal, paired.terminal_id)
        assert terminal is not None
        assert terminal.max_seq <= 2 + 10_000


def test_missing_seqs_are_found_in_bounded_steps() -> None:
    started = time.monotonic()
    assert first_missing(0, 2**62, {1, 3}, 5) == [2, 4, 5, 6, 7]
    assert first_missing(10, 12, set(), 1000) == [11, 12]
    assert time.monotonic() - started < 1


# --- unhandled 500s ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seq", 2**63),
        ("seq", 2**53 + 1),
        ("occurred_at", "0001-01-01T00:00:00+14:00"),
        ("occurred_at", "9999-12-31T23:59:59-14:00"),
        ("points", 10**23),
        ("points", -5_000_000_000),
        ("amount_cents", 10**30),
    ],
)
def test_out_of_range_numbers_and_dates_are_422_problems(
    client: TestClient, paired: Pairing, field: str, value: object
) -> None:
    member = _member(client, paired)
    if field == "points":
        event = paired.events.adjust(member, 5)
        event["data"]["points"] = value
    elif field == "amount_cents":
        event = paired.events.earn(member, 10_000, 100)
        event["data"]["amount_cents"] = value
    else:
        event = paired.events.earn(member, 10_000, 100)
        event[field] = value
    response = _post(client, paired, [event])
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_request"


def test_a_redemption_of_two_to_the_63_points_is_a_422(client: TestClient, paired: Pairing) -> None:
    member = _member(client, paired)
    event = paired.events.redeem(member, 100)
    event["data"]["points"] = 2**63
    assert _post(client, paired, [event]).status_code == 422
    assert _balance(client, paired, member) == 0


def test_day_close_numbers_have_ranges(client: TestClient, paired: Pairing) -> None:
    body = {
        "business_date": "2026-11-25",
        "first_seq": 1,
        "last_seq": 2**64,
        "counts": {},
        "points_earned": 0,
        "points_redeemed": 0,
        "amount_cents": 0,
        "event_digest": "0" * 64,
    }
    response = client.post("/v1/day-close", json=body, headers=paired.headers)
    assert response.status_code == 422
    body.update(last_seq=2, business_date="0001-01-01")
    assert client.post("/v1/day-close", json=body, headers=paired.headers).status_code == 422


# --- events dated years in the past or in 9999 --------------------------------------


@pytest.mark.parametrize(
    ("shift", "status"),
    [
        (timedelta(days=-29), "accepted"),  # a till offline for four weeks
        (timedelta(hours=23), "accepted"),  # a clock a day ahead
        (timedelta(days=-31), "rejected"),
        (timedelta(days=-3650), "rejected"),
        (timedelta(hours=25), "rejected"),
    ],
)
def test_occurred_at_must_lie_in_the_window_around_server_time(
    client: TestClient, paired: Pairing, shift: timedelta, status: str
) -> None:
    member = _member(client, paired)
    when = (datetime.now(UTC) + shift).isoformat()
    result = push(client, paired, [paired.events.earn(member, 10_000, 100, occurred_at=when)])
    assert result["results"][0]["status"] == status
    if status == "rejected":
        assert result["results"][0]["code"] == "occurred_at_out_of_window"
        assert _balance(client, paired, member) == 0


def test_an_event_in_9999_is_rejected(client: TestClient, paired: Pairing) -> None:
    member = _member(client, paired)
    event = paired.events.earn(member, 10_000, 100, occurred_at="8999-12-31T00:00:00+08:00")
    result = push(client, paired, [event])["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "occurred_at_out_of_window")


# --- points nobody authorised -------------------------------------------------------


def _adjust(paired: Pairing, member: str, points: int, staff_id: str | None) -> dict[str, Any]:
    return paired.events.adjust(member, points, staff_id=staff_id)


def test_adjustments_need_an_active_manager_of_this_store(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    member = _member(client, paired)
    admin = AdminService(database)
    AdminService(database).add_store("S002", "Uptown")
    cashier = admin.add_staff("C-1", "Li Na", "cashier", "1357", "S001")["staff_id"]
    elsewhere = admin.add_staff("M-2", "Zhao Lei", "manager", "135790", "S002")["staff_id"]
    gone = admin.add_staff("M-3", "Sun Li", "manager", "135790", "S001")["staff_id"]
    admin.set_staff_active("M-3", False)
    refused = [None, str(uuid.uuid4()), cashier, elsewhere, gone]
    events = [_adjust(paired, member, 1000, staff) for staff in refused]
    results = push(client, paired, events)["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "staff_not_authorised")
    ] * len(refused)
    manager = ensure_manager(database, "S001")
    ok = push(client, paired, [_adjust(paired, member, 1000, manager)])["results"][0]
    assert ok["status"] == "accepted"
    assert ok["member_balance"] == 1000


def test_a_void_needs_a_manager_too(client: TestClient, paired: Pairing) -> None:
    member = _member(client, paired)
    earn = paired.events.earn(member, 10_000, 100)
    push(client, paired, [earn])
    void = paired.events.void(member, earn["event_id"])
    void["staff_id"] = None
    result = push(client, paired, [void])["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "staff_not_authorised")
    assert _balance(client, paired, member) == 100


def test_adjustments_beyond_the_program_limits_are_refused(
    client: TestClient, paired: Pairing
) -> None:
    member = _member(client, paired)
    events = [
        paired.events.adjust(member, 1_000_000),
        paired.events.adjust(member, -5_000),  # the limit itself
        paired.events.adjust(member, 5_001),
    ]
    results = push(client, paired, events)["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", "adjustment_over_limit"),
        ("accepted", None),
        ("rejected", "adjustment_over_limit"),
    ]
    # 20,000 a member a day in all: 5,000 moved, three more of 5,000, then no more.
    more = [paired.events.adjust(member, 5_000) for _ in range(4)]
    results = push(client, paired, more)["results"]
    assert [r["status"] for r in results] == ["accepted"] * 3 + ["rejected"]
    assert results[-1]["code"] == "adjustment_daily_limit"
    assert _balance(client, paired, member) == 10_000


def test_redemptions_beyond_the_limits_are_accepted_and_flagged(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    member = _member(client, paired)
    small = paired.events.redeem(member, 100)
    huge = paired.events.redeem(member, 1_000_000)
    results = push(client, paired, [small, huge])["results"]
    assert results[0]["status"] == "accepted"
    assert "flag" not in results[0]
    assert results[1]["status"] == "accepted"
    assert results[1]["overdraft"] is True
    assert results[1]["flag"] == "redemption_over_limit"
    again = push(client, paired, [huge])["results"][0]
    assert (again["status"], again["flag"]) == ("duplicate", "redemption_over_limit")
    # The daily limit (200,000 a member): 100 + 1,000,000 already today.
    next_one = push(client, paired, [paired.events.redeem(member, 100)])["results"][0]
    assert next_one["flag"] == "redemption_daily_limit"
    from sync_server.services.reconcile import ReconcileService

    flagged = ReconcileService(database).exceptions()["flagged"]
    assert sorted(f["code"] for f in flagged) == [
        "redemption_daily_limit",
        "redemption_over_limit",
    ]


def test_a_manager_of_another_store_on_another_till_is_refused(
    client: TestClient, paired: Pairing, database: Database, settings: Any
) -> None:
    new_terminal(database, settings, store="S002")
    other = ensure_manager(database, "S002")
    member = _member(client, paired)
    result = push(client, paired, [_adjust(paired, member, 10, other)])["results"][0]
    assert result["code"] == "staff_not_authorised"


def test_a_forged_cursor_beyond_any_version_is_a_400(client: TestClient, paired: Pairing) -> None:
    for version in (2**63, 10**40):
        cursor = encode_cursor(version)
        response = client.get("/v1/changes", params={"cursor": cursor}, headers=paired.headers)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("depth", [b"99999999999999999999999", b"\xb2", b"4294967296"])
def test_a_queue_depth_header_out_of_range_is_ignored(
    client: TestClient, paired: Pairing, database: Database, depth: bytes
) -> None:
    headers: dict[str, Any] = dict(paired.headers, **{"X-Queue-Depth": depth})
    response = client.get("/v1/changes", headers=headers)
    assert response.status_code == 200, response.text
    response = client.get("/v1/changes", headers=dict(paired.headers, **{"X-Queue-Depth": "7"}))
    assert response.status_code == 200
    # Last-seen and queue depth are written in batches (seen_flush_seconds): wait for it.
    deadline = time.monotonic() + 10
    while True:
        with database.read() as session:
            terminal = session.get(Terminal, paired.terminal_id)
            assert terminal is not None
            if terminal.queue_depth == 7 or time.monotonic() > deadline:
                break
        time.sleep(0.05)
    assert terminal.queue_depth == 7
