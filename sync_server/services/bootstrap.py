"""Deployment defaults created by `migrate`: counter, phone hash key, program v1."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from shared.domain.program import DEFAULT_PROGRAM
from sync_server.models import Deployment, Program, SyncCounter
from sync_server.repositories import catalog
from sync_server.services.common import program_data, utcnow
from sync_server.services.versioning import ChangeBatch

HEAD_OFFICE_PREFIX = "100000"


def ensure_defaults(session: Session) -> None:
    """Idempotent: creates only what is missing."""
    now = utcnow()
    if not catalog.counter_exists(session):
        session.add(SyncCounter(id=1, value=0, purged_through=0))
        session.flush()
    if catalog.deployment(session) is None:
        session.add(
            Deployment(
                id=1,
                phone_hash_key=secrets.token_bytes(32).hex(),
                head_office_prefix=HEAD_OFFICE_PREFIX,
                created_at=now,
            )
        )
    if catalog.latest_program_version(session) == 0:
        session.add(
            Program(
                rule_version=DEFAULT_PROGRAM.rule_version,
                body=DEFAULT_PROGRAM.model_dump_json(),
                published_at=now,
            )
        )
        changes = ChangeBatch()
        changes.touch("program", str(DEFAULT_PROGRAM.rule_version))
        session.flush()
        changes.write(session, lambda _e, _i: program_data(DEFAULT_PROGRAM), now)
