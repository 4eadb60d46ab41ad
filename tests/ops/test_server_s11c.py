"""Migration s11c on a database of the release before it: the change log stops carrying
what a stolen till could turn into a phone number, staff go to their store's tills only,
and the backfill gives every member the slow hash (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from shared.domain.phone import phone_slow_hash
from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.phone_backfill import PhoneHashBackfill
from tests.ops.server_before_s11c import seed_before_s11c, server_at
from tests.sync_server.conftest import db_url, postgres_available  # noqa: F401  (fixtures)
from tests.sync_server.helpers import Pairing, new_terminal, pull_all

BEFORE_S11C = "0003"


def test_s11c_scrubs_member_changes_scopes_staff_and_backfills(
    db_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=db_url, data_dir=tmp_path, maintenance_interval_seconds=0)
    database = Database(db_url, pool_size=2)
    try:
        server_at(database, BEFORE_S11C)
        phones = seed_before_s11c(database, 6)
        migrate(database)
        _, code = new_terminal(database, settings, store="S001", name="Till")
        app = create_app(settings, services=build_services(settings, database), background=False)
        with TestClient(app) as client:
            body = client.post("/v1/pair", json={"pairing_code": code, "device_name": "t"}).json()
            till = Pairing(
                body["terminal_id"], body["token"], body["member_code_prefix"],
                body["phone_hash_key"], body,
            )  # fmt: skip
            state, cursor = pull_all(client, till)
            members = {k[1]: c for k, c in state.items() if k[0] == "member"}
            assert set(members) == set(phones)
            for change in members.values():
                data = change["data"]
                assert "phone_masked" not in data
                assert data["phone_hash"] == data["phone_slow_hash"] == ""
            staff = {c["data"]["staff_code"] for k, c in state.items() if k[0] == "staff"}
            assert staff == {"M101"}  # not S002's M202

            assert PhoneHashBackfill(database).run().members == 6
            later, _ = pull_all(client, till, cursor=cursor)
        key = bytes.fromhex(till.phone_hash_key)
        for member_id, phone in phones.items():
            data = later[("member", member_id)]["data"]
            assert data["phone_slow_hash"] == phone_slow_hash(key, phone)
    finally:
        database.dispose()
