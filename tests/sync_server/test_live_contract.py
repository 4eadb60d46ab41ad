"""The contract over loopback against a real server process: pairing, auth, every
bad-input answer, overdraft, idempotency_conflict, cursor expiry, the expiry job."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from sync_server.services.maintenance import MaintenanceService
from sync_server.services.terminals import TerminalService
from tests.sync_server.helpers import new_terminal, pair_terminal, pull_all, push
from tests.sync_server.live import ServerProcess

pytestmark = pytest.mark.slow


def _code(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_contract_over_loopback(
    live_server: ServerProcess, database: Database, settings: Settings
) -> None:
    http = httpx.Client(base_url=live_server.url, timeout=30)
    # Pairing: single use, expiring.
    _, code = new_terminal(database, settings)
    first = http.post("/v1/pair", json={"pairing_code": code, "device_name": "Till"})
    assert first.status_code == 201
    _code(
        http.post("/v1/pair", json={"pairing_code": code, "device_name": "Till"}),
        400,
        "invalid_pairing_code",
    )
    stale = TerminalService(
        database, settings.model_copy(update={"pairing_code_ttl_hours": 0})
    ).add("S001", "Old")
    _code(
        http.post("/v1/pair", json={"pairing_code": stale.pairing_code, "device_name": "x"}),
        400,
        "invalid_pairing_code",
    )
    paired = pair_terminal(http, database, settings)
    h = paired.headers | {"X-Terminal-Version": "1.2.3", "X-Queue-Depth": "7"}
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]

    # Bad input: 422, 413, 401, 403, 400.
    _code(http.post("/v1/events", content=b"[", headers=h), 422, "invalid_json")
    _code(
        http.post("/v1/events", json={"events": [dict(enrol, type="x.y")]}, headers=h),
        422,
        "invalid_request",
    )
    _code(
        http.post("/v1/events", json={"events": [enrol] * 501}, headers=h), 413, "too_many_events"
    )
    _code(
        http.post("/v1/events", content=b"{" + b" " * (1024 * 1024 + 1) + b"}", headers=h),
        413,
        "payload_too_large",
    )

    def chunks() -> object:
        for _ in range(40):  # 1.25 MiB, streamed without a Content-Length
            yield b" " * 32768

    streamed = http.post("/v1/events", content=chunks(), headers=h)  # type: ignore[arg-type]
    _code(streamed, 413, "payload_too_large")
    _code(http.post("/v1/events", json={"events": [enrol]}), 401, "unauthorized")
    other = dict(enrol, terminal_id="00000000-0000-4000-8000-000000000001")
    _code(http.post("/v1/events", json={"events": [other]}, headers=h), 403, "terminal_mismatch")
    _code(http.get("/v1/changes", params={"cursor": "zz"}, headers=h), 400, "invalid_cursor")

    # Overdraft accepted and flagged; idempotency_conflict.
    earn = ev.earn(member, 10_000, 100)
    results = push(http, paired, [enrol, earn, ev.redeem(member, 300)])["results"]
    assert results[2]["status"] == "accepted"
    assert results[2]["overdraft"] is True
    assert results[2]["member_balance"] == -200
    changed = dict(earn, data=dict(earn["data"], amount_cents=20_000, points=200))
    conflict = push(http, paired, [changed])["results"][0]
    assert (conflict["status"], conflict["code"]) == ("rejected", "idempotency_conflict")

    # Last seen, version and queue depth are recorded for the console (in batches, once a
    # second).
    deadline = time.monotonic() + 10
    while True:
        seen = {t.id: t for t in TerminalService(database, settings).list()}[paired.terminal_id]
        if seen.queue_depth == 7 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert seen.reported_version == "1.2.3"
    assert seen.queue_depth == 7
    assert seen.last_seen_at

    # Cursor expiry after a tombstone is purged.
    old_cursor = http.get("/v1/changes", params={"limit": 1}, headers=h).json()["cursor"]
    AdminService(database).erase_member(enrol["data"]["member_code"])
    MaintenanceService(database).purge_tombstones(datetime.now(UTC) + timedelta(days=91))
    _code(http.get("/v1/changes", params={"cursor": old_cursor}, headers=h), 409, "cursor_expired")

    # Revoke: a push is refused at once (it re-reads its terminal row); every request
    # gets 401 within the server's token cache bound (auth_cache_seconds) from then on.
    TerminalService(database, settings).revoke(paired.terminal_id)
    revoked_at = time.monotonic()
    _code(http.post("/v1/events", json={"events": []}, headers=h), 401, "unauthorized")
    bound = settings.auth_cache_seconds + 1.0
    while http.get("/v1/changes", headers=h).status_code == 200:
        assert time.monotonic() - revoked_at < bound, "a revoked token still works"
        time.sleep(0.05)
    _code(http.get("/v1/changes", headers=h), 401, "unauthorized")

    # Throttling: repeated wrong codes from this client, then 429 even for a good code.
    _, good = new_terminal(database, settings)
    for _ in range(settings.pair_max_failures):
        http.post("/v1/pair", json={"pairing_code": "NOTACODE", "device_name": "x"})
    _code(
        http.post("/v1/pair", json={"pairing_code": good, "device_name": "x"}),
        429,
        "too_many_attempts",
    )
    assert http.get("/v1/health").json()["database"] == "ok"
    assert "/v1/events" in http.get("/openapi.json").json()["paths"]


@pytest.mark.history(3650)  # lots earned two years ago
def test_expiry_job_inside_serve(
    server_factory: Callable[..., ServerProcess], database: Database, settings: Settings
) -> None:
    server = server_factory(SYNC_MAINTENANCE_INTERVAL_SECONDS="0.5")
    http = httpx.Client(base_url=server.url, timeout=30)
    paired = pair_terminal(http, database, settings)
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    long_ago = (datetime.now(UTC) - timedelta(days=760)).isoformat()
    push(
        http,
        paired,
        [enrol, ev.earn(member, 30_000, 300, occurred_at=long_ago), ev.earn(member, 5_000, 50)],
    )
    deadline = time.monotonic() + 20
    balance = None
    while time.monotonic() < deadline:
        state, _ = pull_all(http, paired)
        balance = state[("member", member)]["data"]["balance"]
        if balance == 50:
            break
        time.sleep(0.3)
    assert balance == 50, "the periodic expiry job did not expire the old lot"


@pytest.mark.history(3650)  # lots earned two years ago
def test_cli_expire_points_against_running_server(
    live_server: ServerProcess, database: Database, settings: Settings, db_url: str
) -> None:
    import subprocess
    import sys

    from tests.sync_server.live import ROOT

    http = httpx.Client(base_url=live_server.url, timeout=30)
    paired = pair_terminal(http, database, settings)
    enrol = paired.events.enrol()
    long_ago = (datetime.now(UTC) - timedelta(days=800)).isoformat()
    push(
        http,
        paired,
        [enrol, paired.events.earn(enrol["member_id"], 12_000, 120, occurred_at=long_ago)],
    )
    done = subprocess.run(
        [sys.executable, "-m", "sync_server.cli", "expire-points", "--json", "--db", db_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout)["points"] == 120
    state, _ = pull_all(http, paired)
    assert state[("member", enrol["member_id"])]["data"]["balance"] == 0
