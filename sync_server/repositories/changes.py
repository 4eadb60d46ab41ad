"""The version counter and the compacted change log that pulls read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from sync_server.models import Change, SyncCounter, table_of
from sync_server.repositories import bulk

COUNTER_ID = 1


def allocate_versions(session: Session, count: int) -> int:
    """Reserve ``count`` consecutive versions; returns the first.

    Call it at the END of a writing transaction: the counter row stays locked until
    commit, so versions become visible in the order they were handed out.
    """
    new_value = session.execute(
        update(SyncCounter)
        .where(SyncCounter.id == COUNTER_ID)
        .values(value=SyncCounter.value + count)
        .returning(SyncCounter.value)
    ).scalar_one()
    return int(new_value) - count + 1


def counter_state(session: Session) -> tuple[int, int]:
    """(highest version handed out, highest purged tombstone version)."""
    row = session.execute(
        select(SyncCounter.value, SyncCounter.purged_through).where(SyncCounter.id == COUNTER_ID)
    ).one()
    return int(row[0]), int(row[1])


def upsert_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Keep only the latest change per entity: insert, or replace the older one."""
    bulk.upsert_rows(session, table_of(Change), ["entity", "entity_id"], rows)


def page(
    session: Session, after_version: int, limit: int
) -> list[tuple[str, str, int, str, str | None]]:
    """Up to ``limit`` changes with a version above ``after_version``, in version order."""
    rows = session.execute(
        select(Change.entity, Change.entity_id, Change.version, Change.op, Change.data)
        .where(Change.version > after_version)
        .order_by(Change.version)
        .limit(limit)
    ).all()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def purge_tombstones(session: Session, older_than: datetime) -> int:
    """Drop deletes older than the horizon; cursors below them expire. Returns how many."""
    highest = session.execute(
        select(func.max(Change.version)).where(
            Change.op == "delete", Change.changed_at < older_than
        )
    ).scalar_one_or_none()
    if highest is None:
        return 0
    result = session.execute(
        delete(Change).where(Change.op == "delete", Change.changed_at < older_than)
    )
    purged = cast(CursorResult[Any], result).rowcount
    session.execute(
        update(SyncCounter)
        .where(SyncCounter.id == COUNTER_ID, SyncCounter.purged_through < highest)
        .values(purged_through=highest)
    )
    return int(purged or 0)
