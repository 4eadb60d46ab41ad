"""Reconciliation of terminal-days, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from sync_server.services.reconcile import ReconcileService
from tests.sync_server.helpers import Pairing, pair_terminal, push
from tests.sync_server.test_day_close_and_cli import _close, run


@pytest.mark.history(3650)  # fixed business days in November 2026
def test_missing_event_is_pending_then_mismatch_then_matched(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol(phone="13900001111")
    member = enrol["member_id"]
    day = "2026-11-25"
    stamp = "2026-11-25T10:00:00+08:00"
    events = [
        enrol,
        ev.make(
            "points.earned",
            member,
            {
                "sale_ref": "S-1",
                "amount_cents": 10_000,
                "currency": "CNY",
                "points": 100,
                "rule_version": 1,
            },
            occurred_at=stamp,
        ),
        ev.redeem(member, 100),
    ]
    push(client, paired, [events[0], events[2]])
    assert _close(client, paired, events, business_date=day)["missing_seqs"] == [2]
    service = ReconcileService(database)
    [row] = [d for d in service.day(date(2026, 11, 25)) if d.terminal_id == paired.terminal_id]
    assert row.status == "pending"
    assert row.missing_seqs == [2]
    assert "missing seqs 2" in row.reasons[0]

    # The terminal syncs again and says its queue is empty: the gap is now a mismatch
    # (once the server has written the queue depth: in batches, each second).
    client.get("/v1/changes", headers={**paired.headers, "X-Queue-Depth": "0"})
    deadline = time.monotonic() + 10
    while True:
        [row] = service.day(date(2026, 11, 25))
        if row.status == "mismatch" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert row.status == "mismatch"
    assert row.missing_seqs == [2]

    push(client, paired, [events[1]])
    [row] = service.day(date(2026, 11, 25))
    assert (row.status, row.missing_seqs, row.reasons) == ("matched", [], [])
    summary, drill = service.terminal_day(paired.terminal_id, date(2026, 11, 25))
    assert summary is not None
    assert [e["seq"] for e in drill] == [1, 2, 3]


def test_totals_and_digest_differences_are_named(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    events = [enrol, ev.earn(enrol["member_id"], 10_000, 100)]
    push(client, paired, events)
    _close(client, paired, events, points_earned=5, event_digest="0" * 64)
    [row] = ReconcileService(database).day(date(2026, 11, 25))
    assert row.status == "mismatch"
    assert "digest differs" in row.reasons
    assert "totals differ: points earned" in row.reasons


def test_exceptions_and_cli(
    client: TestClient,
    paired: Pairing,
    database: Database,
    settings: Settings,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ev = paired.events
    first = ev.enrol(phone="13911112222")
    nobody = str(uuid.uuid4())
    push(client, paired, [first, ev.redeem(first["member_id"], 100), ev.earn(nobody, 100, 1)])
    # Another terminal enrols the same phone: a likely duplicate member.
    other = pair_terminal(client, database, settings, name="Till 2")
    other_enrol = other.events.enrol(phone="13911112222")
    push(client, other, [other_enrol])
    exceptions = ReconcileService(database).exceptions()
    assert [o["member_code"] for o in exceptions["overdrafts"]] == [first["data"]["member_code"]]
    assert [r["code"] for r in exceptions["rejected"]] == ["unknown_member"]
    [group] = exceptions["duplicate_members"]
    assert {m["member_code"] for m in group["members"]} == {
        first["data"]["member_code"],
        other_enrol["data"]["member_code"],
    }
    _close(client, paired, [first], last_seq=1)
    code, out, _ = run(capsys, "reconcile", "--date", "2026-11-25", "--json", "--db", db_url)
    body = json.loads(out)
    assert code == 0
    assert {d["status"] for d in body["terminal_days"]} >= {"matched"}
    assert len(body["exceptions"]["rejected"]) == 1
    assert body["exceptions"]["flagged"] == []
    code, out, _ = run(capsys, "reconcile", "--date", "2026-11-25", "--exceptions", "--db", db_url)
    assert "1 overdrafts, 0 flagged redemptions, 1 rejected events" in out
    assert run(capsys, "reconcile", "--date", "25/11", "--db", db_url)[0] == 2


def test_a_later_seq_arriving_after_the_close_makes_the_gap_a_mismatch(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    events = [enrol, ev.earn(member, 5_000, 50), ev.adjust(member, 5)]
    push(client, paired, [events[0], events[2]])
    _close(client, paired, events)
    service = ReconcileService(database)
    assert [d.status for d in service.day(date(2026, 11, 25))] == ["pending"]
    push(client, paired, [ev.adjust(member, 1)])  # seq 4, the next day's first event
    [row] = service.day(date(2026, 11, 25))
    assert (row.status, row.missing_seqs) == ("mismatch", [2])
    push(client, paired, [events[1]])
    assert [d.status for d in service.day(date(2026, 11, 25))] == ["matched"]


@pytest.mark.history(3650)  # fixed business days in November 2026
def test_days_with_events_but_no_close_are_unclosed(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    late = "2026-11-20T23:30:00+08:00"  # after closing time, still the 20th (closes 23:00)
    push(client, paired, [enrol, ev.adjust(enrol["member_id"], 5, occurred_at=late)])
    board = ReconcileService(database).board(date(2026, 11, 19), date(2026, 11, 21))
    assert [(d.business_date, d.status) for d in board] == [("2026-11-20", "unclosed")]
    assert board[0].reasons == ["no day close received"]


def test_head_office_today_is_the_latest_business_date_of_any_store(database: Database) -> None:
    service = ReconcileService(database)
    evening_utc = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)  # 00:30 on the 26th in Shanghai
    assert service.today(evening_utc) == date(2026, 11, 25)  # no stores yet: the UTC date
    admin = AdminService(database)
    admin.add_store("LON", "London", currency="GBP", timezone="Europe/London", phone_region="GB")
    assert service.today(evening_utc) == date(2026, 11, 25)
    admin.add_store("SH1", "Shanghai", timezone="Asia/Shanghai", closing_time="02:00")
    assert service.today(evening_utc) == date(2026, 11, 25)  # before its 02:00 close
    admin.add_store("SH2", "Shanghai East", timezone="Asia/Shanghai")
    assert service.today(evening_utc) == date(2026, 11, 26)  # its new day has begun
