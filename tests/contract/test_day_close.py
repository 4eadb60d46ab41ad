"""A real terminal closes its business day against a real server process."""

from __future__ import annotations

import pytest

from terminal.services.day_close import day_close_for
from tests.contract.conftest import MANAGER, HeadOffice
from tests.contract.support import a_member

pytestmark = pytest.mark.slow


def test_day_close_is_pending_until_synced_then_matched(make_till, head_office: HeadOffice) -> None:
    till = make_till("Till 1")
    member_id = till.services.lookup.by_code(a_member(till)).member_id
    till.services.sales.earn(till.cashier, member_id, amount_cents=8_800, sale_ref="D-1")
    service = day_close_for(till.sync)
    manager = till.services.staff.approve(*MANAGER)
    first = service.close_day(manager)
    assert first.status == "pending"
    assert first.missing_seqs == [1]
    till.sync.sync_once()
    second = service.close_day(manager)
    assert (second.status, second.events, second.amount_cents) == ("matched", 1, 8_800)
    assert [d.status for d in service.history()] == ["matched"]


def test_pos_terminal_day_close_command(
    make_till, head_office: HeadOffice, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import json

    from terminal.cli import main

    till = make_till("Till 2")
    member_id = till.services.lookup.by_code(a_member(till)).member_id
    till.services.sales.earn(till.cashier, member_id, amount_cents=3_000, sale_ref="C-1")
    till.sync.sync_once()
    monkeypatch.setenv("POS_TERMINAL_KEYRING_SERVICE", till.sync.settings.keyring_service)
    data_dir = str(till.sync.settings.data_dir)
    assert main(["--data-dir", data_dir, "day-close", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert (result["status"], result["events"], result["amount_cents"]) == ("matched", 1, 3_000)
    assert main(["--data-dir", data_dir, "day-close", "--date", "yesterday"]) == 2
    assert main(["--data-dir", data_dir, "day-close", "--due", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # today is not over yet: nothing due
