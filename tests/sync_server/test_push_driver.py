"""The push path's statements on the DB-API connection (repositories/lite.py, direct.py;
docs/PUSH_COST.md), on SQLite and PostgreSQL: errors arrive as SQLAlchemy's (the push
retries on those), times come back as the instants written, and what one push wrote
through the driver is what the database holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sync_server.db import Database
from sync_server.models import LedgerEvent, PushBatch, Terminal
from sync_server.repositories import events as events_repo
from tests.sync_server.helpers import Pairing, push


def test_a_driver_error_is_sqlalchemys(database: Database) -> None:
    """A duplicate batch row: the same IntegrityError SQLAlchemy would raise, so that
    PushService retries a lost race exactly as before."""
    batch = str(uuid.uuid4())
    now = datetime.now(UTC)

    def twice() -> None:
        with database.write() as session:
            events_repo.add_batch(session, batch, now)
            events_repo.add_batch(session, batch, now)

    with pytest.raises(IntegrityError):
        twice()
    with database.read() as session:  # the transaction was rolled back
        assert session.get(PushBatch, batch) is None


def test_times_read_back_as_the_instants_written(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    """An adjustment pushed with a +08:00 time: the daily-limit read (points moved, on
    the driver) returns that instant in UTC, and only inside its window."""
    enrol = paired.events.enrol()
    member = str(enrol["member_id"])
    shanghai = timezone(timedelta(hours=8))
    at = datetime.now(shanghai).replace(microsecond=123456) - timedelta(hours=1)
    adjust = paired.events.adjust(member, 7, occurred_at=at.isoformat())
    body = push(client, paired, [enrol, adjust])
    assert [r["status"] for r in body["results"]] == ["accepted", "accepted"]
    with database.read() as session:
        moved = events_repo.points_moved(
            session, {member}, at - timedelta(seconds=1), at + timedelta(seconds=1)
        )
        assert moved == [(member, "points.adjusted", at.astimezone(UTC), 7, paired.terminal_id)]
        assert moved[0][2].tzinfo is not None
        later = events_repo.points_moved(
            session, {member}, at + timedelta(microseconds=1), at + timedelta(days=1)
        )
        assert later == []


def test_one_push_writes_its_batch_ledger_rows_and_watermark(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    """What the writer sent through the driver (on PostgreSQL one statement for the batch
    row, the ledger rows and the terminal) is all there, with the push's versions."""
    enrol = paired.events.enrol()
    member = str(enrol["member_id"])
    earn = paired.events.earn(member, 10_000, 100)
    body = push(client, paired, [enrol, earn])
    assert [r["status"] for r in body["results"]] == ["accepted", "accepted"]
    with database.read() as session:
        terminal = session.get(Terminal, paired.terminal_id)
        assert terminal is not None
        assert (terminal.watermark, terminal.max_seq) == (2, 2)
        assert terminal.last_seen_at is not None
        rows = session.execute(
            select(LedgerEvent.seq, LedgerEvent.batch_id, LedgerEvent.version_slot)
            .where(LedgerEvent.terminal_id == paired.terminal_id)
            .order_by(LedgerEvent.seq)
        ).all()
        assert [r.seq for r in rows] == [1, 2]
        assert len({r.batch_id for r in rows}) == 1
        batch = session.get(PushBatch, rows[0].batch_id)
        assert batch is not None
        assert batch.base_version is not None
        versions = [batch.base_version + r.version_slot for r in rows]
    assert versions == [r["member_version"] for r in body["results"]]
    again = push(client, paired, [enrol, earn])  # stored outcomes, read on the driver
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert [r["member_version"] for r in again["results"]] == versions
