"""Collects the entity changes of one transaction and gives them commit-ordered versions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync_server.repositories import changes as changes_repo
from sync_server.services.common import dumps

DataOf = Callable[[str, str], dict[str, Any] | None]


class ChangeBatch:
    """Every change reserves a slot; slot ``k`` becomes version ``base + k`` at the end."""

    def __init__(self) -> None:
        self._count = 0
        self._latest: dict[tuple[str, str], tuple[int, str]] = {}

    def touch(self, entity: str, entity_id: str, op: str = "upsert") -> int:
        slot = self._count
        self._count += 1
        self._latest[(entity, entity_id)] = (slot, op)
        return slot

    def __len__(self) -> int:
        return self._count

    def latest_slot(self, entity: str, entity_id: str) -> int | None:
        found = self._latest.get((entity, entity_id))
        return found[0] if found else None

    def write(self, session: Session, data_of: DataOf, now: datetime) -> int:
        """Take the version counter (its lock is held until commit) and write the change
        log rows. Call it as the last step of the transaction. Returns the base version."""
        if not self._count:
            return 0
        base = changes_repo.allocate_versions(session, self._count)
        rows = []
        for (entity, entity_id), (slot, op) in self._latest.items():
            data = data_of(entity, entity_id) if op == "upsert" else None
            rows.append(
                {
                    "entity": entity,
                    "entity_id": entity_id,
                    "version": base + slot,
                    "op": op,
                    "data": dumps(data) if data is not None else None,
                    "changed_at": now,
                }
            )
        changes_repo.upsert_changes(session, rows)
        return base
