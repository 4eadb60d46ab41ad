"""A program head office cannot run is refused with its field named; nothing is
published (console and command line)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sync_server.cli import main
from sync_server.db import Database
from sync_server.services.admin import AdminService
from tests.console.conftest import csrf_of

BAD_PROMOTIONS: list[tuple[dict[str, Any], str]] = [
    (
        {"code": "big", "name": "Big", "kind": "multiplier", "multiplier": "11"},
        "promotions[0].multiplier: Input should be less than or equal to 10",
    ),
    (
        {"code": "xmas", "name": "Xmas", "kind": "bonus", "bonus_points": 5,
         "starts_on": "2026-12-26", "ends_on": "2026-12-24"},
        "promotions[0]: promotion &#39;xmas&#39;: ends_on 2026-12-24 is before starts_on",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("promotion", "words"), BAD_PROMOTIONS)
def test_the_console_names_the_field_and_publishes_nothing(
    as_role, client: TestClient, database: Database, promotion: dict[str, Any], words: str
) -> None:
    admin = as_role("admin")
    page = admin.get("/console/program").text
    draft = json.loads(html.unescape(page.split('spellcheck="false">')[1].split("</textarea>")[0]))
    draft["promotions"] = [promotion]
    refused = admin.post(
        "/console/program", data={"csrf_token": csrf_of(page), "program": json.dumps(draft)}
    )
    assert refused.status_code == 422
    assert words in refused.text
    assert AdminService(database).current_program().rule_version == 1


def test_the_command_line_names_the_field_and_publishes_nothing(
    db_url: str, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = AdminService(database).current_program().model_dump(mode="json")
    body["rule_version"] = 2
    body["promotions"] = [
        {"code": "a", "name": "A", "kind": "multiplier", "multiplier": "2"},
        {"code": "b", "name": "B", "kind": "multiplier", "multiplier": "1.5"},
    ]
    path = tmp_path / "program.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    code = main(["program", "publish", str(path), "--db", db_url])
    _out, err = capsys.readouterr()
    assert code != 0
    assert "promotions[1]: overlaps promotions[0] ('a')" in err
    assert AdminService(database).current_program().rule_version == 1
