"""Throttle rows (queries only; never commit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sync_server.models import Throttle, table_of


def locked(session: Session, key: str, now: datetime) -> Throttle:
    """The row of ``key``, created if missing, locked FOR UPDATE (PostgreSQL) until the
    transaction ends; on SQLite the writer's ``BEGIN IMMEDIATE`` already serialises."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # On PostgreSQL a concurrent success may delete the row between our insert (which
    # found it and did nothing) and our read: insert again until a row is there.
    for _ in range(10):
        session.execute(
            insert(table_of(Throttle))
            .values(key=key, failures=0, last_failure_at=now, blocked_until=None)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = session.execute(
            select(Throttle).where(Throttle.key == key).with_for_update()
        ).scalar_one_or_none()
        if row is not None:
            return row
    raise RuntimeError(f"throttle row {key!r} kept vanishing")


def forget(session: Session, key: str) -> None:
    session.execute(delete(Throttle).where(Throttle.key == key))


def purge(session: Session, before: datetime) -> None:
    """Rows whose last failure is older than ``before`` and that block nobody."""
    session.execute(
        delete(Throttle).where(
            Throttle.last_failure_at < before,
            (Throttle.blocked_until.is_(None)) | (Throttle.blocked_until < before),
        )
    )
