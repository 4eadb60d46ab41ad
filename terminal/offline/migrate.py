"""Programmatic Alembic: bring a replica to the head revision when it opens.

Opening stays fast: the stored revision is compared with the head first, and Alembic's
upgrade machinery only runs when they differ.
"""

from __future__ import annotations

from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

SCRIPT_LOCATION = "terminal.offline:migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Upgrade with foreign keys off, then check them, as SQLite's ALTER TABLE guide says.

    Batch migrations rebuild a table (copy, drop, rename); with foreign keys on, dropping
    ``members`` would cascade to ``coupons``. The pragma only works outside a transaction,
    so it is set on the raw connection before the migration transaction begins.
    """
    if current_revision(engine) == head_revision():
        return
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
