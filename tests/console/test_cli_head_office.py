"""`sync-server admin add|list` and `sync-server privacy export|erase`."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync_server.cli import main
from sync_server.db import Database
from sync_server.services.accounts import AccountService
from tests.sync_server.helpers import Pairing, pull_all, push


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_admin_accounts_from_the_command_line(
    db_url: str,
    database: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = ("--db", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    code, out, _ = run(
        capsys, "admin", "add", "alice", "--role", "auditor", "--password-stdin", "--json", *db
    )
    assert code == 0
    assert json.loads(out) == {"name": "alice", "role": "auditor"}
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert run(capsys, "admin", "add", "bob", "--role", "admin", "--password-stdin", *db)[0] == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert run(capsys, "admin", "add", "alice", "--role", "admin", "--password-stdin", *db)[0] == 4
    code, out, _ = run(capsys, "admin", "list", "--json", *db)
    assert [a["name"] for a in json.loads(out)] == ["alice"]
    _token, who = AccountService(database).sign_in("alice", "a long enough password", "test")
    assert who.role == "auditor"
    assert not who.can("view_personal_data")


def test_privacy_export_and_erase_from_the_command_line(
    client: TestClient,
    paired: Pairing,
    db_url: str,
    database: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = ("--db", db_url)
    enrol = paired.events.enrol(name="Wang Fang", email="wf@example.com")
    push(client, paired, [enrol])
    code = enrol["data"]["member_code"]
    assert run(capsys, "privacy", "export", code, "--reason", "x", *db)[0] == 2  # reason too short
    status, out, _ = run(
        capsys, "privacy", "export", code, "--reason", "subject access request", *db
    )
    assert status == 0
    assert json.loads(out)["personal_data"]["email"] == "wf@example.com"
    with database.read() as session:
        before = session.execute(text("SELECT content_hash FROM events")).scalar_one()
    status, out, _ = run(capsys, "member", "erase", code, "--json", *db)
    assert status == 0
    assert json.loads(out)["erased"] is True
    assert run(capsys, "privacy", "erase", code, "--reason", "again please", *db)[0] == 3
    state, _ = pull_all(client, paired)
    assert state[("member", enrol["member_id"])]["op"] == "delete"
    with database.read() as session:
        payload, after = session.execute(text("SELECT payload, content_hash FROM events")).one()
        actions = session.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars().all()
    assert "wf@example.com" not in payload
    assert "Wang Fang" not in payload
    assert after != before  # the old hash would confirm a guess of the erased data
    assert actions == ["member.export", "member.erase"]
