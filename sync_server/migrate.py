"""Run Alembic migrations (both SQLite and PostgreSQL) and create the defaults."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from sync_server.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 7_310_042


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(database: Database) -> None:
    """Upgrade to head, then make sure the deployment defaults exist.

    On PostgreSQL an advisory lock lets several processes start at once safely.
    """
    from sync_server.services.bootstrap import ensure_defaults

    with database.write_engine.begin() as connection:
        if not database.is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with database.write() as session:
        ensure_defaults(session)
