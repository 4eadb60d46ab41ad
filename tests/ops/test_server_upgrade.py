"""A server database made by the previous release (the schema just before head) upgrades to head with
its data intact, on SQLite and PostgreSQL, and the app serves it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import DateTime, column, insert, table, text

from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import alembic_config, migrate
from sync_server.services.admin import AdminService
from tests.ops.server_before_s11c import seed_before_s11c, server_at
from tests.sync_server.conftest import db_url, postgres_available  # noqa: F401  (fixtures)
from tests.sync_server.helpers import Pairing, pull_all, push

# The head of the last release: this round's migrations (s11b, s11c, ...) all upgrade it.
PREVIOUS = "0003"


def test_previous_is_an_ancestor_of_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    chain = {rev.revision for rev in script.iterate_revisions(script.get_current_head(), "base")}
    assert PREVIOUS in chain
    assert script.get_current_head() != PREVIOUS


def _terminal_of_previous_release(database: Database) -> str:
    """A terminal added, not yet paired, as the previous release stored it (its pairing
    code as plain SHA-256); today's services may not run on the previous schema."""
    code = "PREV23CODE"
    now = datetime.now(UTC).replace(tzinfo=None)
    terminals = table(
        "terminals",
        *(column(name) for name in ("id", "store_code", "name", "member_code_prefix")),
        column("pairing_code_hash"),
        column("pairing_expires_at", DateTime()),
        column("created_at", DateTime()),
        column("watermark"),
        column("max_seq"),
    )
    with database.write() as session:
        session.execute(
            insert(terminals).values(
                id=str(uuid.uuid4()),
                store_code="S001",
                name="Till made before the upgrade",
                member_code_prefix="100011",
                pairing_code_hash=hashlib.sha256(code.encode()).hexdigest(),
                pairing_expires_at=now + timedelta(hours=24),
                created_at=now,
                watermark=0,
                max_seq=0,
            )
        )
    return code


def test_previous_schema_upgrades_with_data(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    settings = Settings(database_url=db_url, data_dir=tmp_path, maintenance_interval_seconds=0)
    database = Database(db_url, pool_size=2)
    try:
        server_at(database, PREVIOUS)
        # what the previous release's migrate() and seed wrote (raw rows of its schema)
        seed_before_s11c(database, 12)
        code = _terminal_of_previous_release(database)

        migrate(database)

        with database.read() as session:
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert revision != PREVIOUS
        assert "S001" in {store.code for store in AdminService(database).stores()}
        app = create_app(settings, services=build_services(settings, database), background=False)
        with TestClient(app) as client:
            paired = client.post("/v1/pair", json={"pairing_code": code, "device_name": "t"})
            assert paired.status_code == 201, paired.text
            body = paired.json()
            till = Pairing(
                body["terminal_id"],
                body["token"],
                body["member_code_prefix"],
                body["phone_hash_key"],
                body,
            )
            changes, _ = pull_all(client, till)
            result = push(client, till, [till.events.enrol()])["results"][0]
        members = [key for key in changes if key[0] == "member"]
        assert len(members) == 12
        assert result["status"] == "accepted"
    finally:
        database.dispose()
