"""Collects the entity changes of one transaction and gives them commit-ordered versions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
        self._delete_data: dict[tuple[str, str], dict[str, Any]] = {}

    def touch(
        self,
        entity: str,
        entity_id: str,
        op: str = "upsert",
        *,
        delete_data: dict[str, Any] | None = None,
    ) -> int:
        """Reserve a slot; a delete may carry ``delete_data`` (a merged member's
        ``merged_into``), sent with it as the change's ``data``."""
        slot = self._count
        self._count += 1
        self._latest[(entity, entity_id)] = (slot, op)
        if delete_data is not None:
            self._delete_data[(entity, entity_id)] = delete_data
        else:
            self._delete_data.pop((entity, entity_id), None)
        return slot

    def __len__(self) -> int:
        return self._count

    def latest_slot(self, entity: str, entity_id: str) -> int | None:
        found = self._latest.get((entity, entity_id))
        return found[0] if found else None

    def slots(self, entity: str, entity_ids: Iterable[str]) -> dict[str, int]:
        """The latest slot of each of these entities that has one."""
        found = {}
        for entity_id in entity_ids:
            slot = self.latest_slot(entity, entity_id)
            if slot is not None:
                found[entity_id] = slot
        return found

    def write(
        self,
        session: Session,
        data_of: DataOf,
        now: datetime,
        stamps: Sequence[changes_repo.Stamp] = (),
    ) -> int:
        """Take the version counter (its lock is held until commit), write the change log
        rows and set ``base + slot`` into the ``stamps`` (rows already written with a
        placeholder version). Call it as the LAST step of the transaction: on PostgreSQL
        it is one statement, so the counter is held for that statement and the commit.
        Returns the base version (0 when nothing changed)."""
        if not self._count:
            return 0
        rows = []
        for (entity, entity_id), (slot, op) in self._latest.items():
            data = (
                data_of(entity, entity_id)
                if op == "upsert"
                else self._delete_data.get((entity, entity_id))
            )
            text = dumps(data) if data is not None else None
            rows.append(changes_repo.ChangeRow(entity, entity_id, slot, op, text))
        return changes_repo.stamp_versions(session, self._count, rows, stamps, now)
