"""Programmatic Alembic: bring a replica to the head revision when it opens.

Opening stays fast: Alembic is imported only when a migration is due. The stored
revision is one SQL read of ``alembic_version``; the head revision is found by reading
the ``revision``/``down_revision`` lines of the files in ``migrations/versions`` (no
Alembic import). Whenever that scan is not conclusive (no files, several heads, a line
it cannot read), Alembic's own script directory decides, and the upgrade runs unless
the stored revision is that head.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "terminal.offline:migrations"
VERSIONS_DIR = Path(__file__).with_name("migrations") / "versions"

_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]\s*$", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(None|['\"]([^'\"]+)['\"])\s*$", re.M)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def scan_head(directory: Path = VERSIONS_DIR) -> str | None:
    """The single head of the migration files, read as text; None if unsure."""
    revisions: set[str] = set()
    parents: set[str] = set()
    files = sorted(directory.glob("*.py")) if directory.is_dir() else []
    for path in files:
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(text), _DOWN.findall(text)
        if len(revision) != 1 or len(down) != 1:
            return None  # not a plain revision file: let Alembic read it
        revisions.add(revision[0])
        if down[0][0] != "None":
            parents.add(down[0][1])
    heads = revisions - parents
    if len(heads) != 1 or not parents <= revisions:
        return None
    return heads.pop()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    head = scan_head()
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def stored_revisions(engine: Engine) -> tuple[str, ...]:
    """What ``alembic_version`` holds (empty for a new file)."""
    with engine.connect() as conn:
        try:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except OperationalError:  # no such table: never migrated
            return ()
    return tuple(str(row[0]) for row in rows)


def current_revision(engine: Engine) -> str | None:
    revisions = stored_revisions(engine)
    if len(revisions) > 1:
        raise RuntimeError(f"the replica has several schema revisions: {revisions}")
    return revisions[0] if revisions else None


def is_up_to_date(engine: Engine) -> bool:
    head = head_revision()
    return head is not None and stored_revisions(engine) == (head,)


def upgrade_to_head(engine: Engine) -> None:
    """Upgrade with foreign keys off, then check them, as SQLite's ALTER TABLE guide says.

    Batch migrations rebuild a table (copy, drop, rename); with foreign keys on, dropping
    ``members`` would cascade to ``coupons``. The pragma only works outside a transaction,
    so it is set on the raw connection before the migration transaction begins.
    """
    if is_up_to_date(engine):
        return
    from alembic import command

    config = alembic_config()
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
