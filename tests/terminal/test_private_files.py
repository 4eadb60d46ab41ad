"""The till's replica, its -wal/-shm and its backups are readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from terminal.offline.backup import backup_file
from terminal.offline.db import Replica


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_replica_files_and_backups_are_private(tmp_path: Path) -> None:
    data = tmp_path / "till" / "data"
    with Replica(data / "replica.sqlite3") as replica:
        with replica.engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        files = [
            data / "replica.sqlite3",
            data / "replica.sqlite3-wal",
            data / "replica.sqlite3-shm",
        ]
        for path in files:
            assert path.exists(), path
            assert mode(path) == 0o600, path
        copy = backup_file(data / "replica.sqlite3", tmp_path / "kept" / "copy.sqlite3")
    assert mode(copy) == 0o600
    assert mode(copy.parent) == 0o700
    assert mode(data) == 0o700
    assert mode(data.parent) == 0o700


def test_an_older_world_readable_replica_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    with Replica(path):
        pass
    path.chmod(0o644)
    with Replica(path):
        assert mode(path) == 0o600
