"""Day close, and the sync-server CLI (exit codes and --json output)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shared.domain.program import DEFAULT_PROGRAM
from shared.protocol import event_digest
from sync_server.cli import main
from tests.sync_server.helpers import Pairing, pull_all, push


def _close(
    client: TestClient, paired: Pairing, events: list[dict[str, object]], **override: object
) -> dict[str, object]:
    counts: dict[str, int] = {}
    for e in events:
        counts[str(e["type"])] = counts.get(str(e["type"]), 0) + 1
    body = {
        "business_date": "2026-11-25",
        "first_seq": 1,
        "last_seq": len(events),
        "counts": counts,
        "points_earned": sum(
            int(e["data"]["points"]) for e in events if e["type"] == "points.earned"
        ),  # type: ignore[index]
        "points_redeemed": sum(
            int(e["data"]["points"]) for e in events if e["type"] == "points.redeemed"
        ),  # type: ignore[index]
        "amount_cents": sum(
            int(e["data"]["amount_cents"]) for e in events if e["type"] == "points.earned"
        ),  # type: ignore[index]
        "event_digest": event_digest([str(e["event_id"]) for e in events]),
    }
    body.update(override)
    response = client.post("/v1/day-close", json=body, headers=paired.headers)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_day_close_matched_pending_mismatch(client: TestClient, paired: Pairing) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    events = [enrol, ev.earn(member, 10_000, 100), ev.redeem(member, 100)]
    push(client, paired, [events[0], events[2]])
    pending = _close(client, paired, events)
    assert pending["status"] == "pending"
    assert pending["missing_seqs"] == [2]
    push(client, paired, [events[1]])
    assert _close(client, paired, events)["status"] == "matched"
    mismatch = _close(client, paired, events, points_earned=99)
    assert mismatch["status"] == "mismatch"
    assert "points_earned" in mismatch["details"]["differences"]  # type: ignore[index]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ("--db", db_url)
    assert run(capsys, "migrate", *db)[0] == 0
    code, out, _ = run(capsys, "store", "add", "S001", "--name", "Downtown", "--json", *db)
    assert code == 0
    assert json.loads(out)["store_code"] == "S001"
    code, _, err = run(capsys, "store", "add", "S001", "--name", "Again", *db)
    assert code == 4
    assert "already exists" in err
    assert run(capsys, "store", "add", "S 1", "--name", "x", *db)[0] == 2
    assert run(capsys, "store", "add", "S2", "--name", "x", "--timezone", "Mars/Base", *db)[0] == 2
    code, out, _ = run(
        capsys, "terminal", "add", "--store", "S001", "--name", "Till 1", "--json", *db
    )
    made = json.loads(out)
    assert code == 0
    assert {"terminal_id", "store_code", "pairing_code"} <= made.keys()
    assert run(capsys, "terminal", "add", "--store", "NOPE", "--name", "x", *db)[0] == 3
    assert run(capsys, "terminal", "revoke", made["terminal_id"], *db)[0] == 0
    assert run(capsys, "terminal", "revoke", "no-such-id", *db)[0] == 3
    code, out, _ = run(capsys, "program", "show", *db)
    assert code == 0
    assert json.loads(out)["rule_version"] == 1
    program = tmp_path / "p.json"
    program.write_text(DEFAULT_PROGRAM.model_copy(update={"rule_version": 2}).model_dump_json())
    assert run(capsys, "program", "publish", str(program), *db)[0] == 0
    assert run(capsys, "program", "publish", str(program), *db)[0] == 4
    program.write_text('{"rule_version": "x"}')
    assert run(capsys, "program", "publish", str(program), *db)[0] == 2
    assert run(capsys, "program", "publish", str(tmp_path / "missing.json"), *db)[0] == 2
    code, out, _ = run(capsys, "seed-demo", "--members", "200", *db)
    assert code == 0
    assert "PIN 1234" in out
    code, out, _ = run(capsys, "expire-points", "--json", *db)
    assert code == 0
    assert set(json.loads(out)) == {"members", "points", "tombstones_purged"}
    assert run(capsys, "expire-points", "--now", "2026-01-01T00:00:00", *db)[0] == 2
    code, out, _ = run(capsys, "terminal", "list", "--json", *db)
    assert code == 0
    assert json.loads(out)[0]["revoked"] is True


def test_cli_reports_and_staff(
    client: TestClient, paired: Pairing, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--db", db_url)
    member = paired.events.enrol()
    push(client, paired, [member, paired.events.redeem(member["member_id"], 100)])
    events = [member]
    _close(client, paired, events, last_seq=2)  # seq 2 is a redemption: counts differ
    code, out, _ = run(capsys, "day-close", "list", "--json", *db)
    assert code == 0
    assert json.loads(out)[0]["status"] == "mismatch"
    code, out, _ = run(capsys, "overdraft", "list", "--json", *db)
    rows = json.loads(out)
    assert code == 0
    assert rows[0]["member_code"] == member["data"]["member_code"]
    assert rows[0]["balance_after"] == -100
    assert (
        run(
            capsys,
            "staff",
            "add",
            "C009",
            "--name",
            "Li",
            "--role",
            "cashier",
            "--pin",
            "4321",
            *db,
        )[0]
        == 0
    )
    assert (
        run(
            capsys, "staff", "add", "C010", "--name", "Li", "--role", "cashier", "--pin", "12", *db
        )[0]
        == 2
    )
    assert run(capsys, "staff", "deactivate", "C009", *db)[0] == 0
    assert run(capsys, "staff", "deactivate", "NOPE", *db)[0] == 3
    state, _ = pull_all(client, paired)
    staff = [c["data"] for k, c in state.items() if k[0] == "staff"]
    assert [s["active"] for s in staff if s["staff_code"] == "C009"] == [False]
