"""Alembic owns the schema: the migrations build exactly the models, and down to nothing
and up again they build the same schema as a fresh upgrade."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sync_server.db import Database
from sync_server.migrate import alembic_config, migrate
from sync_server.models import Base
from tests.schema import schema_of


def test_migrations_match_the_models(database: Database) -> None:
    with database.write_engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_downgrade_and_upgrade_again(database: Database) -> None:
    with database.write_engine.connect() as connection:
        fresh = schema_of(connection)  # what a plain upgrade to head built
    assert {"events", "members", "terminals"} <= set(fresh)
    with database.write_engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        assert schema_of(connection) == {}  # every table of every revision is gone
        command.upgrade(config, "head")
    with database.write_engine.connect() as connection:
        assert schema_of(connection) == fresh
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    migrate(database)  # the defaults come back; running it twice is harmless
    migrate(database)
    with database.write_engine.connect() as connection:
        assert schema_of(connection) == fresh
