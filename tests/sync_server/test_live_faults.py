"""Fault tests against real `sync-server serve` processes on loopback."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import LedgerEvent
from sync_server.services.phone_backfill import PhoneHashBackfill
from sync_server.services.push import PAUSE_LOG_LINE
from tests.sync_server.helpers import Pairing, pair_terminal, pull_all, push
from tests.sync_server.live import DroppingProxy, ServerProcess

pytestmark = pytest.mark.slow


def _ledger_count(database: Database) -> int:
    with database.read() as session:
        return int(session.execute(select(func.count()).select_from(LedgerEvent)).scalar_one())


def _pair(
    server: ServerProcess, database: Database, settings: Settings, name: str = "Till"
) -> tuple[httpx.Client, Pairing]:
    client = httpx.Client(base_url=server.url, timeout=30)
    return client, pair_terminal(client, database, settings, name=name)


def test_response_lost_after_commit(
    live_server: ServerProcess, database: Database, settings: Settings
) -> None:
    client, paired = _pair(live_server, database, settings)
    enrol = paired.events.enrol()
    member = enrol["member_id"]
    batch = [enrol, paired.events.earn(member, 50_000, 500)]
    proxy = DroppingProxy(live_server.port)
    try:
        with pytest.raises(httpx.HTTPError):
            httpx.post(
                proxy.url + "/v1/events", json={"events": batch}, headers=paired.headers, timeout=30
            )
        assert proxy.responses
        assert b" 200 " in proxy.responses[0].split(b"\r\n")[0]
    finally:
        proxy.close()
    retry = push(client, paired, batch)
    assert [r["status"] for r in retry["results"]] == ["duplicate", "duplicate"]
    assert retry["results"][1]["member_balance"] == 500
    state, _ = pull_all(client, paired)
    assert state[("member", member)]["data"]["balance"] == 500
    assert _ledger_count(database) == 2


def _big_batch(paired: Pairing, members: int = 250) -> list[dict[str, Any]]:
    batch = []
    for i in range(members):
        enrol = paired.events.enrol(phone=f"139{i:08d}")
        batch += [enrol, paired.events.earn(enrol["member_id"], 10_000 + i * 100, 100 + i)]
    return batch


def test_server_killed_mid_batch_then_retry(
    server_factory: Callable[..., ServerProcess], database: Database, settings: Settings
) -> None:
    # The server writes the whole batch, then pauses before COMMIT; we kill it there.
    server = server_factory(SYNC_FAULT_PAUSE_BEFORE_COMMIT_SECONDS="30")
    client, paired = _pair(server, database, settings)
    batch = _big_batch(paired)
    failures: list[BaseException] = []

    def send() -> None:
        try:
            httpx.post(
                server.url + "/v1/events",
                json={"events": batch},
                headers=paired.headers,
                timeout=60,
            )
        except httpx.HTTPError as error:
            failures.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    paused = PAUSE_LOG_LINE.split("%d")[0]  # the server logs it once the batch is written
    deadline = time.monotonic() + 60
    while paused not in server.log.read_text(errors="replace"):
        assert sender.is_alive(), server.log.read_text()[-2000:]
        assert time.monotonic() < deadline, server.log.read_text()[-2000:]
        time.sleep(0.05)
    assert _ledger_count(database) == 0  # written, not committed: nothing visible yet
    server.kill()
    sender.join()
    assert failures, "the server answered before it was killed"
    assert _ledger_count(database) == 0, "a half-applied batch is visible"
    server.extra_env["SYNC_FAULT_PAUSE_BEFORE_COMMIT_SECONDS"] = "0"
    server.start()
    retry = push(client, paired, batch)
    assert {r["status"] for r in retry["results"]} == {"accepted"}
    assert retry["terminal_watermark"] == len(batch)
    again = push(client, paired, batch)
    assert {r["status"] for r in again["results"]} == {"duplicate"}
    state, _ = pull_all(client, paired)
    balances = sorted(c["data"]["balance"] for k, c in state.items() if k[0] == "member")
    assert balances == [100 + i for i in range(250)]
    assert _ledger_count(database) == len(batch)


def test_same_batch_to_two_processes_applies_once(
    server_factory: Callable[..., ServerProcess], database: Database, settings: Settings
) -> None:
    first, second = server_factory(), server_factory()
    client, paired = _pair(first, database, settings)
    enrols = [paired.events.enrol(phone=f"136{i:08d}") for i in range(20)]
    push(client, paired, enrols)
    batch = []
    for round_ in range(10):
        for enrol in enrols:
            batch.append(paired.events.earn(enrol["member_id"], 1_000 + round_ * 100, 10 + round_))
    for _ in range(3):
        batch += [paired.events.enrol(phone=f"135{uuid.uuid4().int % 10**8:08d}")]
    barrier = threading.Barrier(2)
    responses: list[dict[str, Any]] = [{}, {}]

    def send(index: int, server: ServerProcess) -> None:
        barrier.wait()
        response = httpx.post(
            server.url + "/v1/events", json={"events": batch}, headers=paired.headers, timeout=60
        )
        assert response.status_code == 200, response.text
        responses[index] = response.json()

    threads = [threading.Thread(target=send, args=(i, s)) for i, s in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(responses[0]["results"], responses[1]["results"], strict=True):
        assert sorted((a["status"], b["status"])) == ["accepted", "duplicate"]
        assert a["member_balance"] == b["member_balance"]
        assert a["member_version"] == b["member_version"]
    assert _ledger_count(database) == len(enrols) + len(batch)
    state, _ = pull_all(client, paired)
    expected = sum(10 + r for r in range(10))
    assert all(state[("member", e["member_id"])]["data"]["balance"] == expected for e in enrols)


def test_pull_under_concurrent_writers_misses_nothing(
    server_factory: Callable[..., ServerProcess], database: Database, settings: Settings
) -> None:
    server = server_factory(workers=2)
    client, reader = _pair(server, database, settings, name="Reader")
    writers = [_pair(server, database, settings, name=f"Writer {i}") for i in range(3)]
    shared_members = []
    for i in range(12):
        enrol = writers[0][1].events.enrol(phone=f"133{i:08d}")
        push(writers[0][0], writers[0][1], [enrol])
        shared_members.append(enrol["member_id"])
    done = threading.Event()
    replica: dict[tuple[str, str], dict[str, Any]] = {}
    cursor: list[str | None] = [None]
    errors: list[BaseException] = []

    def read_once() -> bool:
        params: dict[str, Any] = {"limit": 7}
        if cursor[0]:
            params["cursor"] = cursor[0]
        body = client.get("/v1/changes", params=params, headers=reader.headers).json()
        for change in body["changes"]:
            key = (change["entity"], change["id"])
            if key not in replica or replica[key]["version"] < change["version"]:
                replica[key] = change
        cursor[0] = body["cursor"]
        return bool(body["more"])

    def follow() -> None:
        try:
            while not done.is_set():
                read_once()
        except BaseException as error:
            errors.append(error)

    def write(index: int) -> None:
        http, paired = writers[index]
        try:
            for round_ in range(15):
                events = []
                for j in range(8):
                    member = shared_members[(index * 5 + round_ + j) % len(shared_members)]
                    events.append(paired.events.adjust(member, 1 + j))
                    if j % 3 == 0:
                        events.append(paired.events.enrol(phone=f"13{index}{round_:02d}{j:06d}"))
                results = push(http, paired, events)["results"]
                assert all(r["status"] == "accepted" for r in results), results
        except BaseException as error:
            errors.append(error)

    follower = threading.Thread(target=follow)
    follower.start()
    threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    follower.join()
    assert not errors, errors
    # the servers publish the new members' slow phone hashes in the background: wait
    # until they are all written, so that nothing changes between these two reads
    deadline = time.monotonic() + 120
    while PhoneHashBackfill(database).pending():
        assert time.monotonic() < deadline, "slow phone hashes still missing"
        time.sleep(0.2)
    while read_once():
        pass
    truth, _ = pull_all(client, reader)
    assert {k: (v["version"], v["data"]) for k, v in replica.items()} == {
        k: (v["version"], v["data"]) for k, v in truth.items()
    }
