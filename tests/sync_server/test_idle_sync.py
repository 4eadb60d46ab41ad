"""Idle terminals cost no database work; long polls; the token cache's revocation bound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from shared.protocol import PushRequest
from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import Terminal
from sync_server.services.terminals import TerminalService
from tests.sync_server.helpers import Pairing, pair_terminal, pull_all, push
from tests.sync_server.live import ServerProcess

# Background work of a serving process that runs whatever the tills do: one small query
# for lately revoked terminals every auth_cache_seconds / 2 (not per request or per till).
HOUSEKEEPING_THREADS = ("revocations",)


@contextmanager
def counting_statements(database: Database) -> Iterator[list[str]]:
    """Every SQL statement either engine of ``database`` runs meanwhile, but the
    housekeeping threads'."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name not in HOUSEKEEPING_THREADS:
            seen.append(statement)

    engines = {database.write_engine, database.read_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _idle_headers(paired: Pairing) -> dict[str, str]:
    # As terminal.offline.sync_client sends them on an idle sync.
    return paired.headers | {"X-Terminal-Version": "1.0", "X-Queue-Depth": "0"}


def _up_to_date(client: TestClient, paired: Pairing) -> tuple[Any, dict[str, Any], str]:
    """The app's services, an enrolled member and a cursor past everything, with the
    change feed trusted (on PostgreSQL: its listener is up)."""
    services = client.app.state.services  # type: ignore[attr-defined]
    member = paired.events.enrol()
    push(client, paired, [member])
    # The enrolment's slow phone hash is computed after the push and published as a new
    # version of the member: the till is idle once that is through too.
    if services.phone_hashes is not None:
        assert services.phone_hashes.wait_idle(30)
    _, cursor = pull_all(client, paired)
    _wait_for(lambda: services.feed.latest() is not None)
    return services, member, cursor


def test_an_idle_tills_sync_touches_no_database(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    services, member, cursor = _up_to_date(client, paired)
    params = {"cursor": cursor, "limit": 5000}
    headers = _idle_headers(paired)
    assert client.get("/v1/changes", params=params, headers=headers).status_code == 200
    services.terminals.seen.flush()  # what the first request recorded is written...
    _wait_for(lambda: services.feed.latest() is not None)  # ...and seen by the feed (SQLite)

    with counting_statements(database) as statements:
        for _ in range(3):
            body = client.get("/v1/changes", params=params, headers=headers).json()
            assert body == {"changes": [], "cursor": cursor, "more": False}
        started = time.monotonic()
        waited = client.get("/v1/changes", params=params | {"wait": 0.3}, headers=headers)
        assert waited.json()["changes"] == []
        assert time.monotonic() - started >= 0.25
    assert statements == []

    # Not a stale answer: a change made meanwhile (another terminal) comes at once.
    other = pair_terminal(client, database, settings)
    push(client, other, [other.events.earn(str(member["member_id"]), 10_000, 100)])
    body = client.get("/v1/changes", params=params, headers=headers).json()
    assert [c["id"] for c in body["changes"]] == [str(member["member_id"])]


def test_a_long_poll_answers_when_something_changes(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    services, member, cursor = _up_to_date(client, paired)
    other = pair_terminal(client, database, settings)
    earn = other.events.earn(str(member["member_id"]), 10_000, 100)

    def push_later() -> None:  # another terminal's push, on another thread
        time.sleep(0.5)
        services.push.push(other.terminal_id, PushRequest.model_validate({"events": [earn]}).events)

    pusher = threading.Thread(target=push_later)
    pusher.start()
    started = time.monotonic()
    params = {"cursor": cursor, "wait": 20}
    body = client.get("/v1/changes", params=params, headers=_idle_headers(paired)).json()
    elapsed = time.monotonic() - started
    pusher.join()
    assert [c["id"] for c in body["changes"]] == [str(member["member_id"])]
    assert 0.4 <= elapsed < 10, elapsed
    # A cursor behind the latest version answers at once, whatever the wait.
    started = time.monotonic()
    body = client.get("/v1/changes", params=params, headers=paired.headers).json()
    assert body["changes"]
    assert time.monotonic() - started < 5


def test_an_idle_tills_token_stays_cached_past_the_revocation_bound(
    settings: Settings, database: Database
) -> None:
    """Its requests come a minute apart; with revocations swept every bound / 2 the
    token is not read from the database again each time."""
    quick = settings.model_copy(update={"auth_cache_seconds": 0.4})
    app = create_app(quick, services=build_services(quick, database), background=False)
    with TestClient(app) as client:
        paired = pair_terminal(client, database, quick)
        headers = _idle_headers(paired)
        assert client.get("/v1/changes", headers=headers).status_code == 200
        time.sleep(1.0)  # well past the 0.4 s bound
        with counting_statements(database) as statements:
            assert client.get("/v1/changes", params={"limit": 1}, headers=headers).is_success
        assert not [s for s in statements if "token_hash" in s], statements
        # Revoked by another process: this one's caches are not told (no
        # forget_terminal_everywhere), only the database changes.
        with database.write() as session:
            session.execute(
                update(Terminal)
                .where(Terminal.id == paired.terminal_id)
                .values(revoked_at=datetime.now(UTC), token_hash=None)
            )
        revoked = time.monotonic()
        while client.get("/v1/changes", headers=headers).status_code == 200:
            assert time.monotonic() - revoked < 0.4 + 1.0, "a revoked token outlived the bound"
            time.sleep(0.05)


@pytest.mark.slow
def test_a_revoked_token_stops_working_within_the_cache_bound(
    server_factory: Callable[..., ServerProcess], database: Database, settings: Settings
) -> None:
    server = server_factory(SYNC_AUTH_CACHE_SECONDS="1.5")
    http = httpx.Client(base_url=server.url, timeout=30)
    paired = pair_terminal(http, database, settings)
    for _ in range(3):  # cached now
        assert http.get("/v1/changes", headers=paired.headers).status_code == 200
    TerminalService(database, settings).revoke(paired.terminal_id)  # another process
    revoked = time.monotonic()
    while http.get("/v1/changes", headers=paired.headers).status_code == 200:
        assert time.monotonic() - revoked < 1.5 + 1.0, "a revoked token outlived the cache"
        time.sleep(0.05)
    for _ in range(3):
        assert http.get("/v1/changes", headers=paired.headers).status_code == 401
