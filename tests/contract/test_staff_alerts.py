"""Wrong manager PINs at a till's approval reach head office: the terminal's alert is
pushed (``POST /v1/alerts``) by the sync loop and lands in the console's audit log once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.errors import DomainError
from sync_server.models import AuditEntry
from tests.contract.conftest import MANAGER, HeadOffice

pytestmark = pytest.mark.slow


def test_a_paused_approval_is_told_to_head_office_once(make_till, head_office: HeadOffice) -> None:
    till = make_till("Till 1")
    code, pin = MANAGER
    for _ in range(3):
        with pytest.raises(DomainError):
            till.services.staff.approve(code, pin + "0")
    report = till.sync.sync_once()
    assert report.alerts_sent == 1
    assert till.sync.sync_once().alerts_sent == 0  # delivered: not sent again
    with head_office.database.read() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "staff.approval_pins_failed")
        ).all()
        seen = [(row.actor.startswith("terminal "), code in row.target, row.reason) for row in rows]
    assert len(seen) == 1
    assert seen[0][0]
    assert seen[0][1]
    assert "3 wrong manager PINs" in seen[0][2]
    assert "30 s" in seen[0][2]
    assert till.services.staff.sign_in(code, pin).is_manager  # the manager is not locked out
