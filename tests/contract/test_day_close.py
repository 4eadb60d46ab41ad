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
    assert first.status == "pending" and first.missing_seqs == [1]
    till.sync.sync_once()
    second = service.close_day(manager)
    assert (second.status, second.events, second.amount_cents) == ("matched", 1, 8_800)
    assert [d.status for d in service.history()] == ["matched"]
