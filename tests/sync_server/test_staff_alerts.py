"""``POST /v1/alerts`` (protocol extension): a paired terminal reports a staff alert;
head office's audit log keeps it once, however often it is retried."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from sync_server.db import Database
from sync_server.services.accounts import AccountService
from tests.sync_server.helpers import Pairing


def _alert(alert_id: str) -> dict[str, object]:
    return {
        "alert_id": alert_id,
        "type": "staff.approval_pins_failed",
        "occurred_at": "2026-12-01T10:00:00+08:00",
        "staff_id": str(uuid.uuid4()),
        "staff_code": "M001",
        "attempts": 3,
        "pause_seconds": 30,
    }


def test_an_alert_is_audited_once_and_needs_a_terminal(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    auth = {"Authorization": f"Bearer {paired.token}"}
    alert_id = str(uuid.uuid4())
    first = client.post("/v1/alerts", json=_alert(alert_id), headers=auth)
    again = client.post("/v1/alerts", json=_alert(alert_id), headers=auth)
    assert (first.status_code, first.json()["status"]) == (200, "accepted")
    assert again.json()["status"] == "duplicate"
    assert client.post("/v1/alerts", json=_alert(str(uuid.uuid4()))).status_code == 401
    bad = {**_alert(str(uuid.uuid4())), "type": "something.else"}
    assert client.post("/v1/alerts", json=bad, headers=auth).status_code == 422
    entries = [
        e for e in AccountService(database).audit_log() if e.action == "staff.approval_pins_failed"
    ]
    assert len(entries) == 1
    assert "M001" in entries[0].target
    assert "S001" in entries[0].target
    assert entries[0].actor == f"terminal {paired.terminal_id}"
