"""What a stolen till could give away (issue 11): staff PIN hashes of other stores,
short manager PINs, phone data a till can turn back into the number."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from shared.domain.phone import phone_slow_hash
from shared.errors import ValidationFailed
from sync_server.cli import main
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import Member
from sync_server.services.admin import AdminService
from sync_server.services.phone_backfill import PhoneHashBackfill
from sync_server.services.seed import SeedService
from sync_server.services.staff import StaffAdminService
from tests.sync_server.helpers import Pairing, ensure_store, new_terminal, pull_all


def _pair_at(client: TestClient, database: Database, settings: Settings, store: str) -> Pairing:
    _, code = new_terminal(database, settings, store=store, name=f"Till {store}")
    response = client.post("/v1/pair", json={"pairing_code": code, "device_name": store})
    assert response.status_code == 201, response.text
    body = response.json()
    return Pairing(
        body["terminal_id"], body["token"], body["member_code_prefix"], body["phone_hash_key"], body
    )


def _staff_seen(client: TestClient, till: Pairing, cursor: str | None = None) -> dict[str, str]:
    """staff id -> "upsert"/"delete" as this till receives them (from ``cursor`` on)."""
    state, _ = pull_all(client, till, cursor=cursor)
    return {key[1]: change["op"] for key, change in state.items() if key[0] == "staff"}


@pytest.fixture
def staff(database: Database) -> StaffAdminService:
    """Head office's staff service, with stores S001 and S002."""
    ensure_store(database, "S001")
    ensure_store(database, "S002")
    return StaffAdminService(database)


def test_a_till_of_s001_never_receives_s002s_staff(
    client: TestClient, database: Database, settings: Settings, staff: StaffAdminService
) -> None:
    ours = staff.add("M100", "Manager S001", "manager", "246810", "S001")
    theirs = staff.add("M200", "Manager S002", "manager", "135790", "S002")
    roaming = staff.add("A001", "Area manager", "manager", "975310", None)
    s001 = _pair_at(client, database, settings, "S001")
    s002 = _pair_at(client, database, settings, "S002")

    seen = _staff_seen(client, s001)
    assert ours["staff_id"] in seen
    assert roaming["staff_id"] in seen
    assert theirs["staff_id"] not in seen
    assert set(_staff_seen(client, s002)) == {theirs["staff_id"], roaming["staff_id"]}
    # Nor later: deactivating S002's manager reaches S002's tills only.
    _, cursor = pull_all(client, s001)
    staff.set_active("M200", False)
    assert _staff_seen(client, s001, cursor) == {}
    assert _staff_seen(client, s002)[theirs["staff_id"]] == "upsert"


def test_a_staff_member_who_moves_is_deleted_at_the_old_stores_tills(
    client: TestClient, database: Database, settings: Settings, staff: StaffAdminService
) -> None:
    moving = staff.add("C100", "Cashier", "cashier", "1234", "S001")["staff_id"]
    s001 = _pair_at(client, database, settings, "S001")
    s002 = _pair_at(client, database, settings, "S002")
    _, at_s001 = pull_all(client, s001)
    _, at_s002 = pull_all(client, s002)

    assert staff.move("C100", "S002")["store_code"] == "S002"

    assert _staff_seen(client, s001, at_s001) == {moving: "delete"}
    assert _staff_seen(client, s002, at_s002) == {moving: "upsert"}
    assert _staff_seen(client, s002) == {moving: "upsert"}  # a new S002 till too
    # Back again: S001's tills receive them again, after the earlier delete.
    staff.move("C100", "S001")
    state, _ = pull_all(client, s001)
    assert state[("staff", moving)]["op"] == "upsert"
    assert state[("staff", moving)]["data"]["store_code"] == "S001"
    assert _staff_seen(client, s002, at_s002) == {moving: "delete"}


def test_manager_pins_must_have_the_programs_six_digits(
    database: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_store(database, "S001")
    code = main(
        ["staff", "add", "M300", "--name", "M", "--role", "manager", "--pin", "1234",
         "--store", "S001", "--db", db_url, "--json"]
    )  # fmt: skip
    out = capsys.readouterr()
    assert code == 2
    assert json.loads(out.out) == {
        "error": "invalid_pin",
        "message": "A manager's PIN is 6 to 8 digits.",
    }
    assert "A manager's PIN is 6 to 8 digits." in out.err
    admin = AdminService(database)
    assert admin.add_staff("M300", "M", "manager", "123456", "S001")["role"] == "manager"
    assert admin.add_staff("C300", "C", "cashier", "1234", "S001")["role"] == "cashier"
    for pin in ("12345", "123456789", "12a456", "１２３４５６"):
        with pytest.raises(ValidationFailed) as refused:
            admin.add_staff("M301", "M", "manager", pin, "S001")
        assert refused.value.code == "invalid_pin"


def test_the_demo_manager_has_a_six_digit_pin(database: Database) -> None:
    ensure_store(database, "S001")
    report = SeedService(database).seed(2, phone_lookup=None)
    managers = [s for s in report.staff if s["role"] == "manager"]
    assert managers
    assert all(len(s["pin"]) == 6 for s in managers)


def test_members_from_before_s11c_get_their_slow_hash_and_a_new_version(
    client: TestClient, database: Database, settings: Settings
) -> None:
    ensure_store(database, "S001")
    SeedService(database).seed(5, phone_lookup=None, with_staff=False)
    till = _pair_at(client, database, settings, "S001")
    before, cursor = pull_all(client, till)
    members = {k[1]: c for k, c in before.items() if k[0] == "member"}
    assert {c["data"]["phone_slow_hash"] for c in members.values()} == {""}

    backfill = PhoneHashBackfill(database, batch=2)
    assert backfill.pending() == 5
    assert backfill.run(limit=3).members == 3
    report = backfill.run()
    assert (report.members, report.left) == (2, 0)

    after, _ = pull_all(client, till, cursor=cursor)  # the till's next pull brings them
    key = bytes.fromhex(till.phone_hash_key)
    with database.read() as session:
        phones = {m.id: m.phone_e164 for m in session.query(Member)}
    assert set(members) == {k[1] for k in after if k[0] == "member"}
    for member_id, old in members.items():
        change = after[("member", member_id)]
        assert change["version"] > old["version"]
        phone = phones[member_id]
        assert phone is not None
        assert change["data"]["phone_slow_hash"] == phone_slow_hash(key, phone)
        assert change["data"]["phone_hash"] == ""
        assert "phone_masked" not in change["data"]
    assert PhoneHashBackfill(database).run().members == 0
