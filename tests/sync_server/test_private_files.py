"""The server's SQLite file (full phones, the phone key), its -wal/-shm and its backups
are readable by their owner only; directories made for them are 0700."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from sync_server import operations
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_and_backups_are_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "srv" / "data", maintenance_interval_seconds=0)
    database = Database(settings.resolved_database_url())
    try:
        migrate(database)
        with database.read() as session:
            session.execute(text("SELECT 1"))
        db_file = settings.data_dir / "sync.db"
        for path in (db_file, db_file.with_name("sync.db-wal"), db_file.with_name("sync.db-shm")):
            assert path.exists(), path
            assert mode(path) == 0o600, path
        assert mode(settings.data_dir) == 0o700
        assert mode(settings.data_dir.parent) == 0o700
        copy = operations.backup(settings, tmp_path / "backups" / "sync-copy.sqlite3")
        assert mode(copy) == 0o600
        assert mode(copy.parent) == 0o700
    finally:
        database.dispose()
    db_file.chmod(0o644)  # as an older release left it
    reopened = Database(settings.resolved_database_url())
    try:
        with reopened.read() as session:
            session.execute(text("SELECT 1"))
        assert mode(db_file) == 0o600
    finally:
        reopened.dispose()
