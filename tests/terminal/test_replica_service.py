"""Operating the replica through its service: schema revision, copies, and a rebuild
refused before anything is touched when there is no head office to rebuild from."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from terminal.offline.migrate import head_revision
from terminal.services.replica import ReplicaService
from terminal.services.sync import SyncFailed, SyncService
from tests.terminal.conftest import Till, snapshot


def _members_in(path: Path) -> int:
    with sqlite3.connect(path) as db:
        (count,) = db.execute("SELECT count(*) FROM members").fetchone()
    return int(count)


def test_schema_revision_is_the_head(till: Till) -> None:
    assert ReplicaService(till.replica, till.settings).schema_revision() == head_revision()


def test_backups_are_whole_copies_and_only_the_newest_stay(till: Till, tmp_path: Path) -> None:
    settings = till.settings.model_copy(update={"replica_backups_keep": 2})
    service = ReplicaService(till.replica, settings, clock=till.clock)
    made = []
    for _ in range(3):
        made.append(service.backup())
        till.clock.advance(seconds=1)
    kept = sorted(made[0].parent.glob("replica-manual-*.sqlite3"))
    assert kept == made[1:]
    assert all(_members_in(copy) == len(till.seed.members) for copy in kept)
    chosen = service.backup(tmp_path / "elsewhere.sqlite3")
    assert chosen == tmp_path / "elsewhere.sqlite3"
    assert _members_in(chosen) == len(till.seed.members)


def test_rebuild_of_an_unpaired_till_is_refused_and_changes_nothing(till: Till) -> None:
    till.credentials.clear()  # no token: nothing to pull from
    before = snapshot(till.replica)
    sync = SyncService(till.replica, till.settings, credentials=till.credentials)
    with pytest.raises(SyncFailed) as refused:
        ReplicaService(till.replica, till.settings).rebuild(sync)
    assert refused.value.code == "terminal_not_paired"
    assert snapshot(till.replica) == before
    assert not (till.replica.path.parent / "backups").exists()
