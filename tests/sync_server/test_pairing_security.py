"""Pairing under attack: the attempt limit holds under concurrent guesses, a blocked
address waits a short, stated time (then a right code pairs), waits grow, and pending
codes are stored with a slow salted hash. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from argon2.low_level import Type, hash_secret_raw
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from shared.errors import DomainError
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import Terminal, Throttle
from sync_server.services import pairing_hash
from sync_server.services.terminals import TerminalService
from tests.sync_server.helpers import new_terminal


def _outcome(service: TerminalService, code: str, client: str = "10.0.0.66") -> str:
    try:
        service.pair(code, "guess", client)
    except DomainError as error:
        return error.code
    return "paired"


def test_concurrent_wrong_codes_cannot_pass_the_limit(
    database: Database, settings: Settings
) -> None:
    new_terminal(database, settings)
    service = TerminalService(database, settings)
    guesses = [f"WRONG{n:05d}" for n in range(40)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda code: _outcome(service, code), guesses))
    assert outcomes.count("invalid_pairing_code") == settings.pair_max_failures
    assert outcomes.count("too_many_attempts") == len(guesses) - settings.pair_max_failures
    # Another address is not affected.
    assert _outcome(service, "WRONGCODE9", client="10.0.0.7") == "invalid_pairing_code"


def test_a_blocked_address_waits_a_stated_short_time_then_a_right_code_pairs(
    client: TestClient, database: Database, settings: Settings
) -> None:
    quick = settings.model_copy(update={"pair_block_seconds": 1})
    client.app.state.services.terminals = TerminalService(database, quick)  # type: ignore[attr-defined]
    _, good = new_terminal(database, settings)
    for _ in range(quick.pair_max_failures):
        wrong = client.post("/v1/pair", json={"pairing_code": "WRONGCODE1", "device_name": "x"})
        assert wrong.status_code == 400
    refused = client.post("/v1/pair", json={"pairing_code": good, "device_name": "x"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert "try again in 1 seconds" in refused.json()["detail"]
    deadline = time.monotonic() + 10
    while True:
        answer = client.post("/v1/pair", json={"pairing_code": good, "device_name": "x"})
        if answer.status_code != 429 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answer.status_code == 201, answer.text


def test_each_further_wrong_code_doubles_the_wait(database: Database, settings: Settings) -> None:
    new_terminal(database, settings)
    service = TerminalService(database, settings.model_copy(update={"pair_block_seconds": 1}))
    waits = []
    for _ in range(3):
        while (outcome := _outcome(service, "WRONGCODE1")) == "invalid_pairing_code":
            pass
        assert outcome == "too_many_attempts"
        with pytest.raises(DomainError) as refused:
            service.pair("WRONGCODE1", "guess", "10.0.0.66")
        waits.append(refused.value.params["retry_after"])
        deadline = time.monotonic() + 10
        while _outcome(service, "WRONGCODE1") == "too_many_attempts":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert waits == [1, 2, 4]


def test_pending_codes_are_stored_with_a_slow_salted_hash(
    database: Database, settings: Settings
) -> None:
    terminal_id, code = new_terminal(database, settings)
    with database.read() as session:
        stored = session.execute(
            select(Terminal.pairing_code_hash).where(Terminal.id == terminal_id)
        ).scalar_one()
        salt = pairing_hash.salt(session)
    assert stored != hashlib.sha256(code.encode()).hexdigest()
    assert len(salt) == 16
    assert stored == hash_secret_raw(
        code.encode(), salt, time_cost=2, memory_cost=19456, parallelism=1, hash_len=32,
        type=Type.ID,
    ).hex()  # fmt: skip


def test_a_code_pending_before_the_upgrade_still_pairs(
    client: TestClient, database: Database, settings: Settings
) -> None:
    terminal_id, _ = new_terminal(database, settings)
    code = "ABCDEFGH23"
    with database.write() as session:  # as the migration re-keyed an old SHA-256 code
        legacy = "L" + hashlib.sha256(code.encode()).hexdigest()[:63]
        session.execute(
            update(Terminal).where(Terminal.id == terminal_id).values(pairing_code_hash=legacy)
        )
    answer = client.post("/v1/pair", json={"pairing_code": "abcd-efgh-23", "device_name": "x"})
    assert answer.status_code == 201
    assert answer.json()["terminal_id"] == terminal_id


def test_wrong_codes_purge_only_rows_nothing_still_counts(
    database: Database, settings: Settings
) -> None:
    now = datetime.now(UTC)
    with database.write() as session:
        for key, age in (
            ("login-from:10.9.0.1", timedelta(hours=1)),
            ("pair:old", timedelta(days=2)),
        ):
            session.add(Throttle(key=key, failures=3, last_failure_at=now - age))
    assert _outcome(TerminalService(database, settings), "WRONGCODE1") == "invalid_pairing_code"
    with database.read() as session:
        kept = set(session.execute(select(Throttle.key)).scalars())
    assert "login-from:10.9.0.1" in kept
    assert "pair:old" not in kept
