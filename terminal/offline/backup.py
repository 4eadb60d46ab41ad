"""Copies of the replica taken with SQLite's online backup API.

``Replica`` calls ``backup_before_migration`` when it opens a file whose schema is
older than the code's: the copy lands in ``<data_dir>/backups/replica-<rev>-<UTC
timestamp>.sqlite3`` before any migration touches the file, and only the newest few
copies are kept. A brand-new (empty) replica is not copied.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from shared.private_files import private_file
from terminal.offline.migrate import current_revision, head_revision

BACKUP_DIR = "backups"


def backup_file(source: Path, target: Path) -> Path:
    """A consistent copy of ``source`` (even while other connections write to it)."""
    partial = target.with_name(target.name + ".partial")
    private_file(partial)  # 0600 from the start; its directory 0700 if made here
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    return target


def backup_dir(replica_path: Path) -> Path:
    return replica_path.parent / BACKUP_DIR


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` replica backups; returns what was deleted."""
    copies = sorted(directory.glob("replica-*.sqlite3"), key=lambda p: p.stat().st_mtime)
    doomed = copies[: max(0, len(copies) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def backup_before_migration(engine: Engine, replica_path: Path, *, keep: int = 5) -> Path | None:
    """Copy the replica if a migration is pending on an existing schema; else None."""
    revision = current_revision(engine)
    if revision is None or revision == head_revision():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    directory = backup_dir(replica_path)
    target = backup_file(replica_path, directory / f"replica-{revision}-{stamp}.sqlite3")
    prune(directory, keep)
    return target
