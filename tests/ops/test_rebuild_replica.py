"""`pos-terminal rebuild-replica` against a real server process: a damaged replica is
pulled again from the start, and events queued offline are kept and delivered."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from terminal.cli import main
from tests.contract.conftest import (  # noqa: F401  (fixtures)
    DEAD_URL,
    HeadOffice,
    Till,
    head_office,
    make_till,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sync.db'}"  # one backend is enough here


def test_rebuild_keeps_queued_events_and_restores_pulled_data(
    make_till: Callable[[str], Till],  # noqa: F811
    head_office: HeadOffice,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    till = make_till("Till R")
    with sqlite3.connect(till.replica.path) as db:
        (members_before,) = db.execute("SELECT count(*) FROM members").fetchone()
    assert members_before >= 40

    till.point_at(DEAD_URL)  # offline: these two events stay queued
    enrolled = till.services.enrollment.enroll(
        till.cashier, name="Rebuild 测试", phone="13700002222", consent_marketing=True
    )
    member = enrolled.member
    till.services.sales.earn(till.cashier, member.member_id, amount_cents=12_300, sale_ref="RB-1")
    till.point_at(head_office.server.url)
    with sqlite3.connect(till.replica.path) as db:  # damage: pulled members vanish
        db.execute("DELETE FROM members WHERE member_id != ?", (member.member_id,))

    config = tmp_path / "till.toml"
    config.write_text(
        f'data_dir = "{till.replica.path.parent.as_posix()}"\n'
        f'keyring_service = "{till.sync.settings.keyring_service}"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "rebuild-replica", "--yes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert report["kept_pending_events"] == 2
    assert report["pushed"] == 2
    assert report["pending_after"] == 0
    assert report["pulled"] >= members_before
    assert Path(report["backup"]).is_file()
    with sqlite3.connect(till.replica.path) as db:
        (members_after,) = db.execute("SELECT count(*) FROM members").fetchone()
    assert members_after == members_before + 1
    assert till.balance(member.member_code) == 123
    assert till.sync.status().pending == 0
