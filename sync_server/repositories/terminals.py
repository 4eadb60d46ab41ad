"""Terminals: pairing, tokens, watermarks, last-seen."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from sync_server.models import Terminal, table_of
from sync_server.repositories import direct, lite
from sync_server.repositories.bulk import sqlite_time


def get(session: Session, terminal_id: str) -> Terminal | None:
    return session.get(Terminal, terminal_id)


def lock(session: Session, terminal_id: str) -> Terminal | None:
    """The terminal row, locked FOR UPDATE: pushes of one terminal run one at a time."""
    return session.execute(
        select(Terminal).where(Terminal.id == terminal_id).with_for_update()
    ).scalar_one_or_none()


def by_token_hash(session: Session, token_hash: str) -> Terminal | None:
    return session.execute(
        select(Terminal).where(Terminal.token_hash == token_hash)
    ).scalar_one_or_none()


def by_pairing_hash(session: Session, code_hash: str) -> Terminal | None:
    return session.execute(
        select(Terminal).where(Terminal.pairing_code_hash == code_hash).with_for_update()
    ).scalar_one_or_none()


def revoked_since(session: Session, since: datetime) -> list[str]:
    """Ids of the terminals revoked at or after ``since`` (the token caches' sweep)."""
    return list(session.scalars(select(Terminal.id).where(Terminal.revoked_at >= since)))


def add(session: Session, terminal: Terminal) -> None:
    session.add(terminal)
    session.flush()


def used_prefixes(session: Session) -> set[str]:
    return set(session.execute(select(Terminal.member_code_prefix)).scalars())


def list_all(session: Session) -> list[Terminal]:
    return list(session.execute(select(Terminal).order_by(Terminal.created_at)).scalars())


def advance(
    session: Session, terminal_id: str, watermark: int, max_seq: int, seen_at: datetime
) -> None:
    """A push's new watermark and high-water mark, and when the terminal was last seen."""
    if session.get_bind().dialect.name == "sqlite":
        lite.execute(
            session,
            "UPDATE terminals SET watermark = ?, max_seq = ?, last_seen_at = ? WHERE id = ?",
            (watermark, max_seq, sqlite_time(seen_at), terminal_id),
        )
        return
    direct.execute(
        session,
        _advance_statement(),
        id_=terminal_id,
        watermark=watermark,
        max_seq=max_seq,
        seen=seen_at,
    )


@functools.cache
def _advance_statement() -> Any:
    """Built once: building it costs more than running it (a push runs it each time)."""
    table = table_of(Terminal)
    return (
        update(table)
        .where(table.c.id == bindparam("id_"))
        .values(
            watermark=bindparam("watermark"),
            max_seq=bindparam("max_seq"),
            last_seen_at=bindparam("seen", type_=table.c.last_seen_at.type),
        )
    )
