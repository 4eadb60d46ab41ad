"""The change log's tail held in memory (sync_server/services/change_tail.py): every page
it answers equals the database's page, and it never answers what it cannot know."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from shared.domain.program import DEFAULT_PROGRAM
from sync_server.db import Database
from sync_server.services.admin import AdminService
from sync_server.services.change_tail import ChangeTail, TailRead, TailRow
from sync_server.services.pull import PullService, decode_cursor, encode_cursor
from tests.sync_server.helpers import Pairing, ensure_store, push


def _cursor_of(body: dict[str, Any]) -> int:
    return decode_cursor(body["cursor"])


def test_pages_from_the_tail_equal_the_databases(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    pull: PullService = client.app.state.services.pull  # type: ignore[attr-defined]
    assert pull.tail is not None
    plain = PullService(database, max_limit=pull.max_limit)  # no feed: always the database
    start = _cursor_of(client.get("/v1/changes", headers=paired.headers).json())
    while True:  # to the end of what is there, so the tail starts at the latest version
        body = client.get(
            "/v1/changes", params={"cursor": encode_cursor(start)}, headers=paired.headers
        ).json()
        if not body["changes"]:
            break
        start = _cursor_of(body)
    # the tail starts (empty) at the latest version, as at a server's first pulls
    assert pull.tail.page(start, 1, "S001", start) == ([], start, False)
    enrolments = [paired.events.enrol() for _ in range(4)]
    push(client, paired, enrolments)
    members = [e["member_id"] for e in enrolments]
    for round_ in range(3):  # the same members again: the log keeps their latest only
        push(client, paired, [paired.events.adjust(m, round_ + 1) for m in members[:3]])
    ensure_store(database, "S002")
    admin = AdminService(database)
    admin.add_staff("C-TAIL-2", "Other store's cashier", "cashier", "135790", "S002")
    admin.add_staff("C-TAIL-1", "This store's cashier", "cashier", "135791", "S001")
    admin.erase_member(enrolments[3]["data"]["member_code"])  # a tombstone
    # programs: staged to S001 at once, then to every store from tomorrow (scheduled:
    # its change carries effective_from, from the tail as from the database)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    admin.publish_program(DEFAULT_PROGRAM.model_copy(update={"rule_version": 2}), stores=["S001"])
    admin.publish_program(
        DEFAULT_PROGRAM.model_copy(update={"rule_version": 3}), effective_from=tomorrow
    )
    # the admin wrote through another engine: a read lets the feed trust the counter again
    client.get("/v1/changes", params={"cursor": encode_cursor(start)}, headers=paired.headers)
    latest = pull.feed.latest() if pull.feed is not None else None
    assert latest is not None
    assert latest > start
    answered = 0
    for after in range(start, latest + 1):
        for limit in (1, 2, 5, 1000):
            for store in ("S001", "S002", None):
                cursor = encode_cursor(after)
                held = pull.tail.page(after, limit, store, pull.feed.latest())  # type: ignore[union-attr]
                answered += held is not None
                assert pull.changes_json(cursor, limit, store) == plain.changes_json(
                    cursor, limit, store
                ), (after, limit, store)
    # every cursor from the tail's start on was answered from memory
    assert answered == (latest - start + 1) * 4 * 3
    page = client.get(
        "/v1/changes", params={"cursor": encode_cursor(start)}, headers=paired.headers
    ).json()
    member_ids = [c["id"] for c in page["changes"] if c["entity"] == "member"]
    assert sorted(member_ids) == sorted(members)  # once each, the latest version
    staff = {c["data"]["staff_code"] for c in page["changes"] if c["entity"] == "staff"}
    assert "C-TAIL-1" in staff  # this store's, not the other's
    assert "C-TAIL-2" not in staff
    programs = {c["id"]: c for c in page["changes"] if c["entity"] == "program"}
    assert programs["3"]["effective_from"][:10] == tomorrow.date().isoformat()
    assert "effective_from" not in programs["2@S001"]  # staged, in force at once
    elsewhere = pull.changes_json(encode_cursor(start), 1000, "S002")
    assert '"id":"2@S001"' not in elsewhere  # the staged version reaches S001's tills only


class _Log:
    """A change log in a list, read as the database would be (for the tail's bounds)."""

    def __init__(self) -> None:
        self.rows: list[TailRow] = []
        self.reads = 0

    def add(self, entity_id: str) -> int:
        version = (self.rows[-1].version if self.rows else 0) + 1
        self.rows = [r for r in self.rows if r.entity_id != entity_id]
        self.rows.append(TailRow("member", entity_id, version, "upsert", "{}", None))
        return version

    def read(self, after: int, limit: int) -> TailRead:
        self.reads += 1
        found = [r for r in self.rows if r.version > after]
        current = self.rows[-1].version if self.rows else 0
        return TailRead(current, found[:limit], len(found) <= limit)


def test_the_tail_starts_again_when_old_or_full_and_waits_for_a_known_version() -> None:
    log = _Log()
    now = [0.0]
    tail = ChangeTail(log.read, lambda _e, i: i, max_entries=3, max_age=60, clock=lambda: now[0])
    first = log.add("a")
    assert tail.page(0, 10, None, None) is None  # the feed is unsure: the database answers
    assert tail.page(first, 10, None, first) == ([], first, False)
    assert tail.page(0, 10, None, first) is None  # before the tail's start
    second, third = log.add("b"), log.add("a")  # a's newer version replaces its older
    parts, last, more = tail.page(first, 10, None, third) or ([], 0, True)
    assert [p.split('"id":')[1][:3] for p in parts] == ['"b"', '"a"']
    assert (last, more) == (third, False)
    assert second < third
    assert tail.page(first, 1, None, third) == (parts[:1], second, True)
    assert tail.page(third + 1, 10, None, third) is None  # ahead of the log: the database
    for name in "cdef":  # more than max_entries at once: starts again after them
        log.add(name)
    latest = log.rows[-1].version
    assert tail.page(first, 10, None, latest) is None
    assert tail.page(latest, 10, None, latest) == ([], latest, False)
    now[0] = 61.0  # too old: starts again at the latest version
    assert tail.page(first, 10, None, latest) is None
    assert tail.base == latest
