"""Day close on the terminal: figures from the business day's events, manager close,
automatic close after closing time, and the CLI command."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.errors import DomainError
from shared.protocol import DayCloseRequest, DayCloseResponse, event_digest
from terminal.offline.sync_client import TransientSyncError
from terminal.services.day_close import DayCloseFailed, DayCloseService, day_end
from tests.terminal.conftest import Till


class FakeClient:
    def __init__(self, status: str = "matched", fail: bool = False) -> None:
        self.sent: list[DayCloseRequest] = []
        self.status = status
        self.fail = fail

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def day_close(self, request: DayCloseRequest) -> DayCloseResponse:
        if self.fail:
            raise TransientSyncError("down")
        self.sent.append(request)
        # Head office in "pending" has none of the day's events yet: it names them all.
        span = range(request.first_seq, request.last_seq + 1) if request.last_seq else []
        missing = list(span) if self.status == "pending" else []
        return DayCloseResponse(status=self.status, missing_seqs=missing)  # type: ignore[arg-type]


def _service(till: Till, client: FakeClient) -> DayCloseService:
    factory: Any = lambda: client  # noqa: E731
    return DayCloseService(till.replica, till.settings, factory, clock=till.clock)


def _gold_member(till: Till) -> str:
    """A seeded member that head office says has 6,000 lifetime points (gold, x1.5)."""
    member = till.seed.members[0]
    till.sync.apply_changes([{
        "entity": "member", "op": "upsert", "id": member.member_id, "version": 9,
        "data": {"member_id": member.member_id, "member_code": member.member_code,
                 "display_name": member.name, "phone_last4": member.phone[-4:],
                 "phone_hash": "cd" * 32, "tier": "gold", "balance": 0,
                 "lifetime_points": 6000, "status": "active"},
    }])  # fmt: skip
    return member.member_id


def test_manager_close_sends_the_days_figures(till: Till) -> None:
    cashier = till.cashier()
    member = _gold_member(till)
    first = till.services.sales.earn(cashier, member, amount_cents=12_345, sale_ref="A-1")
    second = till.services.sales.earn(cashier, member, amount_cents=1_000, sale_ref="A-2")
    client = FakeClient()
    service = _service(till, client)
    with pytest.raises(DomainError):
        service.close_day(cashier)  # a cashier may not close the day
    result = service.close_day(till.manager())
    [sent] = client.sent
    assert sent.business_date == date(2026, 3, 10)
    assert (sent.first_seq, sent.last_seq) == (1, 2)
    assert sent.counts == {"points.earned": 2}
    # 123.45 and 10.00 at gold: 123 x 1.5 = 184 and 10 x 1.5 = 15
    assert sent.amount_cents == 13_345
    assert sent.points_earned == 184 + 15
    assert sent.points_redeemed == 0
    assert sent.event_digest == event_digest([first.event_id, second.event_id])
    assert result.status == "matched"
    assert result.events == 2
    [closed] = service.history()  # what the manager sees on the day-close screen later
    assert (closed.business_date, closed.status, closed.automatic) == (
        "2026-03-10",
        "matched",
        False,
    )
    assert (closed.first_seq, closed.last_seq, closed.missing_seqs) == (1, 2, [])


def test_automatic_close_after_closing_time_retries_pending_days(till: Till) -> None:
    cashier = till.cashier()
    member = till.seed.members[0].member_id
    till.services.sales.earn(cashier, member, amount_cents=5_000, sale_ref="B-1")
    client = FakeClient(status="pending")
    service = _service(till, client)
    assert service.close_due() == []  # 12:00 in Shanghai: the day is not over
    till.clock.advance(hours=11, minutes=1)  # 23:01 local: after closing time
    [result] = service.close_due()
    assert result.status == "pending"
    assert result.missing_seqs == [1]
    [closed] = service.history()
    assert (closed.status, closed.missing_seqs, closed.automatic) == ("pending", [1], True)
    client.status = "matched"
    assert service.close_due() == []  # a pending day is sent again only after a while
    till.clock.advance(minutes=11)
    assert [r.status for r in service.close_due()] == ["matched"]
    assert service.close_due() == []  # settled days are not sent again
    assert len(client.sent) == 2


def test_empty_day_and_unreachable_server(till: Till) -> None:
    service = _service(till, FakeClient(fail=True))
    preview = service.preview(date(2026, 3, 9))
    assert (preview.first_seq, preview.last_seq, preview.counts) == (0, 0, {})
    assert preview.event_digest == event_digest([])
    with pytest.raises(DayCloseFailed):
        service.close_day(None, date(2026, 3, 9))
    with pytest.raises(DomainError):
        service.close_day(None, date(2026, 3, 12))  # not begun yet


def test_day_end_after_midnight_closing() -> None:
    end = day_end(date(2026, 3, 10), "Asia/Shanghai", "02:00")
    assert end.isoformat() == "2026-03-11T02:00:00+08:00"
