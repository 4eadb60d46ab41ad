"""Alembic owns the schema: the migrations build exactly the models, down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sync_server.db import Database
from sync_server.migrate import alembic_config, migrate
from sync_server.models import Base


def test_migrations_match_the_models(database: Database) -> None:
    with database.write_engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_downgrade_and_upgrade_again(database: Database) -> None:
    with database.write_engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        command.upgrade(config, "head")
    migrate(database)  # the defaults come back; running it twice is harmless
    migrate(database)
