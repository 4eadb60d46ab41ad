"""Backup and restore of a SQLite database, and what `serve` needs to run safely
(the commands are `sync-server backup FILE` / `restore FILE`, ``sync_server/cli/serve.py``).

Backup uses SQLite's online backup API: a consistent copy while the server keeps
serving. Restore copies a backup over the live database file with the same API, and
refuses when:
- a `sync-server serve` process is using that database (it holds a shared lock on
  ``<database>.serve.lock`` for as long as it runs; stop the service first),
- the file is not a sync-server database (no Alembic revision) or fails
  ``PRAGMA integrity_check``,
- the backup was made by a newer release (its schema revision is unknown to this code).
A backup made by an older release is upgraded to the current schema right after restore.
PostgreSQL deployments use pg_dump / pg_restore (docs/OPERATIONS.md); these commands
refuse a PostgreSQL URL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from shared.errors import DomainError
from shared.private_files import private_file
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import alembic_config, migrate

try:
    import fcntl
except ImportError:  # pragma: no cover  (Windows: no advisory locks; document, do not guard)
    fcntl = None  # type: ignore[assignment]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class OperationRefused(DomainError):
    code = "operation_refused"
    status = 409


def sqlite_path(settings: Settings) -> Path | None:
    """The database file when the server runs on SQLite, else None."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _require_sqlite(settings: Settings) -> Path:
    path = sqlite_path(settings)
    if path is None:
        raise OperationRefused(
            "backup/restore work on SQLite only; for PostgreSQL use pg_dump/pg_restore "
            "(see docs/OPERATIONS.md).",
            code="not_sqlite",
        )
    return path


def _lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".serve.lock")


@contextlib.contextmanager
def serving_lock(settings: Settings) -> Iterator[None]:
    """Held (shared) by every `serve` process on a SQLite database while it runs."""
    path = sqlite_path(settings)
    if path is None or fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(path), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _exclusive(database: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    with open(_lock_path(database), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OperationRefused(
                f"a sync-server is serving {database}: stop it before restoring.",
                code="server_running",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy(source: Path, target: Path, *, source_readonly: bool = True) -> None:
    mode = "?mode=ro" if source_readonly else ""
    src = sqlite3.connect(f"file:{source}{mode}", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def backup(settings: Settings, target: Path) -> Path:
    database = _require_sqlite(settings)
    if not database.exists():
        raise OperationRefused(f"no database at {database}", code="no_database")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    private_file(partial)  # 0600 from the start; its directory 0700 if made here
    _copy(database, partial)
    with sqlite3.connect(partial) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    partial.replace(target)
    return target


def _revision_of(path: Path) -> str:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            (ok,) = db.execute("PRAGMA integrity_check").fetchone()
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise OperationRefused(
            f"{path} is not a sync-server database: {exc}", code="bad_backup"
        ) from None
    if ok != "ok" or row is None:
        raise OperationRefused(f"{path} failed the integrity check: {ok}", code="bad_backup")
    return str(row[0])


def restore(settings: Settings, source: Path) -> str:
    """Replace the database with ``source``; returns the backup's schema revision."""
    database = _require_sqlite(settings)
    if not source.is_file():
        raise OperationRefused(f"no backup at {source}", code="no_backup")
    revision = _revision_of(source)
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if revision not in known:
        raise OperationRefused(
            f"{source} has schema {revision}, made by a newer release: upgrade first.",
            code="backup_too_new",
        )
    private_file(database)
    with _exclusive(database):
        with tempfile.TemporaryDirectory() as scratch:  # never read the backup in place
            staged = Path(scratch) / "restore.sqlite3"
            shutil.copyfile(source, staged)
            _copy(staged, database, source_readonly=False)
        restored = Database(f"sqlite:///{database}", pool_size=1)
        try:
            migrate(restored)
        finally:
            restored.dispose()
    return revision


def prepare_multiprocess_metrics(settings: Settings, workers: int) -> None:
    """Several workers: give prometheus_client a fresh shared directory (unless set)."""
    if workers <= 1 or os.environ.get(MULTIPROC_ENV) or not settings.metrics_enabled:
        return
    directory = settings.data_dir / "prometheus"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory)
