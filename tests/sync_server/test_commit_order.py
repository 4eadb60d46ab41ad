"""Versions are handed out in commit order, and a push's rows agree on them.

In-process, on SQLite and PostgreSQL: several threads push through their own
PushService to ONE Database while a reader follows cursors with small pages. On
PostgreSQL the counter, the change log, the batch base and the member and coupon
versions are written by one statement (repositories.changes.stamp_versions); these
tests check what that statement must keep true.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from shared.protocol import Event
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import Change, Coupon, LedgerEvent, Member, PushBatch, SyncCounter
from sync_server.services.admin import AdminService
from sync_server.services.pull import PullService
from sync_server.services.push import PushResponseWithGaps, PushService
from tests.sync_server.helpers import Pairing, pair_terminal


def _push(
    service: PushService, paired: Pairing, events: list[dict[str, Any]]
) -> PushResponseWithGaps:
    return service.push(paired.terminal_id, [Event.model_validate(e) for e in events])


class Follower:
    """A terminal's pull loop: cursor to cursor, small pages, newer versions only."""

    def __init__(self, database: Database) -> None:
        self.pull = PullService(database, max_limit=1000)
        self.cursor: str | None = None
        self.replica: dict[tuple[str, str], tuple[int, Any]] = {}
        self.seen: list[int] = []

    def read_once(self, limit: int = 5) -> bool:
        body = json.loads(self.pull.changes_json(self.cursor, limit))
        for change in body["changes"]:
            self.seen.append(change["version"])
            key = (change["entity"], change["id"])
            if key not in self.replica or self.replica[key][0] < change["version"]:
                self.replica[key] = (change["version"], change["data"])
        self.cursor = body["cursor"]
        return bool(body["more"])

    def to_end(self) -> None:
        while self.read_once(limit=500):
            pass


def _versions(database: Database) -> dict[str, dict[str, int]]:
    """entity -> id -> version, from the change log and from the entity tables."""
    with database.read() as session:
        log: dict[str, dict[str, int]] = {}
        for entity, entity_id, version in session.execute(
            select(Change.entity, Change.entity_id, Change.version)
        ):
            log.setdefault(entity, {})[entity_id] = version
        members = {r[0]: r[1] for r in session.execute(select(Member.id, Member.version))}
        coupons = {r[0]: r[1] for r in session.execute(select(Coupon.id, Coupon.version))}
        counter = session.execute(select(SyncCounter.value)).scalar_one()
    return {
        "log_member": log.get("member", {}),
        "log_coupon": log.get("coupon", {}),
        "member": members,
        "coupon": coupons,
        "counter": {"value": counter},
    }


def test_concurrent_pushes_agree_on_versions_and_a_follower_misses_nothing(
    client: TestClient, database: Database, settings: Settings
) -> None:
    writers = [pair_terminal(client, database, settings, name=f"Till {i}") for i in range(4)]
    admin = AdminService(database)
    shared: list[str] = []
    coupons: dict[str, list[str]] = {}
    setup = PushService(database)
    acks: list[tuple[str, int]] = []  # (member id, member_version) of accepted events
    for i in range(8):
        enrol = writers[0].events.enrol(phone=f"1390000{i:04d}")
        result = _push(setup, writers[0], [enrol]).results[0]
        assert result.status == "accepted"
        assert result.member_version is not None
        member = str(enrol["member_id"])
        acks.append((member, result.member_version))
        shared.append(member)
        code = enrol["data"]["member_code"]
        coupons[member] = [
            admin.issue_coupon(code, f"Coupon {j}", 500, "CNY")["coupon_id"] for j in range(4)
        ]
    follower = Follower(database)
    done = threading.Event()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def follow() -> None:
        try:
            while not done.is_set():
                follower.read_once()
        except BaseException as error:
            errors.append(error)

    def write(index: int) -> None:
        paired = writers[index]
        # Half the writers hold the counter a little before committing: a reader that
        # passed a version committed later would never see that change.
        service = PushService(database, pause_before_commit=0.02 * (index % 2))
        try:
            for round_ in range(12):
                events = []
                if round_ % 2 == 0:  # members every writer touches (their locks serialise)
                    for j in range(4):
                        member = shared[(index * 3 + round_ + j) % len(shared)]
                        events.append(paired.events.adjust(member, 1 + j))
                if round_ in (0, 2):  # each writer redeems its own coupons: one change each
                    member = shared[index * 2 + round_ // 2]
                    events.append(paired.events.coupon(member, coupons[member][index]))
                # A member of this writer only: nothing but the counter orders its commit.
                enrol = paired.events.enrol(phone=f"137{index}{round_:02d}00000")
                events += [enrol, paired.events.adjust(str(enrol["member_id"]), 7)]
                response = _push(service, paired, events)
                statuses = [r.status for r in response.results]
                assert statuses == ["accepted"] * len(events), response
                with lock:
                    for event, result in zip(events, response.results, strict=True):
                        assert result.member_version is not None
                        acks.append((str(event["member_id"]), result.member_version))
        except BaseException as error:
            errors.append(error)

    reader = threading.Thread(target=follow)
    reader.start()
    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    assert not errors, errors
    follower.to_end()

    # The follower saw versions in increasing order and ends with the full state.
    assert follower.seen == sorted(follower.seen)
    assert len(set(follower.seen)) == len(follower.seen)
    fresh = Follower(database)
    fresh.to_end()
    assert follower.replica == fresh.replica

    # Every member and coupon row carries the version of its change-log row.
    found = _versions(database)
    assert found["member"] == found["log_member"]
    assert found["coupon"] == found["log_coupon"]
    assert max(fresh.seen) == found["counter"]["value"]
    # The acknowledgements: one member per version, and each member's newest
    # acknowledged version is the version it holds.
    owner: dict[int, str] = {}
    newest: dict[str, int] = {}
    for member, version in acks:
        assert owner.setdefault(version, member) == member, (version, member)
        newest[member] = max(newest.get(member, 0), version)
    for member, version in newest.items():
        assert found["member"][member] == version
    assert {fresh.replica[("member", m)][0] for m in newest} == set(newest.values())
    # The ledger remembers the same versions (what a duplicate push repeats).
    with database.read() as session:
        rows = session.execute(
            select(
                LedgerEvent.member_id,
                LedgerEvent.version_slot,
                LedgerEvent.member_version,
                PushBatch.base_version,
            ).join(PushBatch, PushBatch.id == LedgerEvent.batch_id)
        ).all()
    stored = [(m, version if slot is None else base + slot) for m, slot, version, base in rows]
    assert sorted(stored) == sorted(acks)


def _gate() -> tuple[threading.Event, threading.Event, Callable[[], None]]:
    """A before_commit hook that says "holding the counter" and waits to be released."""
    holding, release = threading.Event(), threading.Event()

    def hook() -> None:
        holding.set()
        assert release.wait(30)

    return holding, release, hook


class _QueueWatch:
    """SQLite: the in-process writer queue, telling when a writer had to wait on it."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self.contended = threading.Event()

    def __enter__(self) -> None:
        if not self.lock.acquire(blocking=False):
            self.contended.set()
            self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


class _Watched:
    """The Database a PushService writes through; on PostgreSQL it notes the backend."""

    def __init__(self, database: Database) -> None:
        self.inner = database
        self.pid: int | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self.inner.write() as session:
            if not self.inner.is_sqlite:
                self.pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            yield session


def _wait_until_blocked(database: Database, watched: _Watched, queue: _QueueWatch) -> None:
    """Until the watched push is seen waiting on a lock (never a fixed sleep)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if database.is_sqlite:
            if queue.contended.wait(0.05):
                return
            continue
        if watched.pid is not None:
            with database.read() as session:
                waits = session.execute(
                    text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": watched.pid},
                ).scalar()
            if waits == "Lock":
                return
        time.sleep(0.05)
    raise AssertionError("the second push never waited for the first")


def test_a_later_push_waits_for_the_one_holding_the_counter(
    client: TestClient, database: Database, settings: Settings
) -> None:
    first, second = (pair_terminal(client, database, settings, name=n) for n in ("A", "B"))
    holding, release, hook = _gate()
    slow = PushService(database, before_commit=hook)
    queue = _QueueWatch(database._write_queue)
    if database.is_sqlite:  # PostgreSQL has no writer queue: its row locks are watched
        database._write_queue = queue
    watched = _Watched(database)
    quick = PushService(watched, before_commit=lambda: reached.append("second"))  # type: ignore[arg-type]
    reached: list[str] = []
    outcomes: dict[str, PushResponseWithGaps] = {}
    errors: list[BaseException] = []

    def run(name: str, service: PushService, paired: Pairing) -> None:
        try:
            outcomes[name] = _push(service, paired, [paired.events.enrol()])
        except BaseException as error:
            errors.append(error)

    follower = Follower(database)
    follower.to_end()
    start = follower.cursor
    held = threading.Thread(target=run, args=("first", slow, first))
    held.start()
    assert holding.wait(30), errors
    waiting = threading.Thread(target=run, args=("second", quick, second))
    waiting.start()
    _wait_until_blocked(database, watched, queue)
    # The second push cannot commit while the first holds its versions uncommitted...
    assert waiting.is_alive(), "a push committed while an earlier version was uncommitted"
    assert reached == []
    assert not errors
    assert not follower.read_once()
    assert follower.cursor == start
    release.set()
    held.join(30)
    waiting.join(30)
    assert not errors, errors
    assert reached == ["second"]
    # ...and gets the versions after it.
    one = outcomes["first"].results[0].member_version
    two = outcomes["second"].results[0].member_version
    assert one is not None
    assert two is not None
    assert one < two
    follower.to_end()
    assert sorted(v for v, _ in follower.replica.values())[-2:] == [one, two]
