"""Terminals converge on what the server holds: overdrafts, revocation, rebuilds,
restarts."""

from __future__ import annotations

import time

import pytest

from shared.errors import DomainError
from terminal.offline.sync_engine import LoopState, SyncLoop
from tests.contract.conftest import DEAD_URL, MANAGER, HeadOffice
from tests.contract.support import a_member, server_balance, server_events

pytestmark = pytest.mark.slow


def test_two_tills_redeem_offline_one_overdraft_and_both_converge(
    make_till, head_office: HeadOffice
) -> None:
    a, b = make_till("Till A"), make_till("Till B")
    enrolled = a.services.enrollment.enroll(
        a.cashier, name="Overdraft 测试", phone="13700001111", consent_marketing=True
    )
    member_id, code = enrolled.member.member_id, enrolled.member.member_code
    a.services.sales.earn(a.cashier, member_id, amount_cents=150_000, sale_ref="E-1")
    a.sync.sync_once()
    b.sync.sync_once()
    start, spend = 1500, 1000
    assert a.balance(code) == start == b.balance(code)
    for till in (a, b):
        till.point_at(DEAD_URL)
        with pytest.raises(DomainError):
            till.sync.sync_once()  # now known to be offline
        till.services.sales.redeem(
            till.cashier, member_id, points=spend, sale_amount_cents=spend * 4, sale_ref="R-1"
        )
        till.point_at(head_office.server.url)

    first, second = a.sync.sync_once(), b.sync.sync_once()
    assert (first.accepted, first.overdrafts) == (1, 0)
    assert (second.accepted, second.overdrafts) == (1, 1)
    a.sync.sync_once()
    expected = start - 2 * spend
    assert expected < 0
    assert server_balance(a, code) == expected == server_balance(b, code)


def test_a_revoked_terminal_stops_syncing_and_keeps_its_queue(
    make_till, head_office: HeadOffice
) -> None:
    from sync_server.services.terminals import TerminalService

    till = make_till("Till 1")
    member_id = till.services.lookup.by_code(a_member(till)).member_id
    till.services.sales.earn(till.cashier, member_id, amount_cents=5000, sale_ref="V-1")
    TerminalService(head_office.database, head_office.settings).revoke(
        till.sync.status().terminal_id
    )
    states: list[LoopState] = []
    loop: SyncLoop = till.sync.loop(interval=0.05, on_state=states.append)
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (states and states[-1].stopped):
            time.sleep(0.05)
    finally:
        loop.stop()
    assert states
    assert states[-1].stopped
    assert not states[-1].online
    assert "head office" in (states[-1].message or "")
    assert till.sync.status().pending == 1  # nothing dropped


def test_an_expired_cursor_rebuilds_the_replica_and_keeps_own_events(
    make_till, head_office: HeadOffice
) -> None:
    from datetime import UTC, datetime, timedelta

    from sync_server.services.admin import AdminService
    from sync_server.services.maintenance import MaintenanceService

    till = make_till("Till 1")
    erased = a_member(till)
    kept = a_member(till, min_balance=1)
    if kept == erased:
        pytest.skip("seed gave one member only")
    manager = till.services.staff.sign_in(*MANAGER)
    receipt = till.services.enrollment.enroll(
        manager, name="Rebuild 重建", phone="13600001234", consent_marketing=False
    )
    AdminService(head_office.database).erase_member(erased)
    MaintenanceService(head_office.database, tombstone_retention_days=0).purge_tombstones(
        datetime.now(UTC) + timedelta(days=1)
    )
    report = till.sync.sync_once()
    assert report.rebuilt
    assert report.accepted == 1
    with pytest.raises(DomainError):
        till.services.lookup.by_code(erased)
    assert till.services.lookup.by_code(receipt.member.member_code).pending_points == 0
    assert till.services.lookup.by_code(kept).balance >= 1


def test_the_loop_rides_out_a_server_restart(make_till, head_office: HeadOffice) -> None:
    till = make_till("Till 1")
    member_id = till.services.lookup.by_code(a_member(till)).member_id
    states: list[LoopState] = []
    loop = till.sync.loop(interval=0.2, on_state=states.append)
    loop.start()
    try:
        head_office.server.kill()
        for n in range(20):
            till.services.sales.earn(till.cashier, member_id, amount_cents=3000, sale_ref=f"D-{n}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(not s.online for s in states):
            time.sleep(0.05)
        assert any(not s.online and not s.stopped for s in states)  # offline, still trying
        assert till.sync.status().pending == 20
        head_office.server.start()
        loop.trigger()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (till.sync.status().pending or not states[-1].online):
            loop.trigger()
            time.sleep(0.1)
        assert till.sync.status().pending == 0
        assert states[-1].online
    finally:
        loop.stop()
    assert len(server_events(head_office, till.sync.status().terminal_id)) == 20


def test_head_office_sees_the_queue_drain_to_zero(make_till, head_office: HeadOffice) -> None:
    from sqlalchemy import text

    till = make_till("Till 1")
    member_id = till.services.lookup.by_code(a_member(till)).member_id
    till.point_at(DEAD_URL)
    for n in range(3):
        till.services.sales.earn(till.cashier, member_id, amount_cents=1000, sale_ref=f"Q-{n}")
    with pytest.raises(DomainError):
        till.sync.sync_once()
    till.point_at(head_office.server.url)
    ran: list[int] = []
    loop = till.sync.loop(interval=0.1, after_cycle=lambda: ran.append(1))
    loop.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not ran:
            time.sleep(0.05)
    finally:
        loop.stop()
    assert ran, "the after-sync task (automatic day close) never ran"
    deadline = time.monotonic() + 10  # the server writes last-seen in batches, each second
    while True:
        with head_office.database.read() as session:
            depth = session.execute(
                text("SELECT queue_depth FROM terminals WHERE id = :t"),
                {"t": till.sync.status().terminal_id},
            ).scalar_one()
        if depth == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert depth == 0


def test_earns_across_a_tier_boundary_at_two_tills_both_stand(
    make_till, head_office: HeadOffice
) -> None:
    a, b = make_till("Till A"), make_till("Till B")
    enrolled = a.services.enrollment.enroll(
        a.cashier, name="Tier 边界", phone="13700002222", consent_marketing=True
    )
    member_id, code = enrolled.member.member_id, enrolled.member.member_code
    a.services.sales.earn(a.cashier, member_id, amount_cents=99_000, sale_ref="T-0")
    a.sync.sync_once()
    b.sync.sync_once()
    for till in (a, b):
        till.point_at(DEAD_URL)
    # Both tills still see 990 lifetime points (Member tier, x1) and ring up a sale.
    assert (
        a.services.sales.earn(a.cashier, member_id, amount_cents=2_000, sale_ref="T-A").points_delta
        == 20
    )
    assert (
        b.services.sales.earn(
            b.cashier, member_id, amount_cents=10_000, sale_ref="T-B"
        ).points_delta
        == 100
    )
    for till in (a, b):
        till.point_at(head_office.server.url)
    first, second = a.sync.sync_once(), b.sync.sync_once()
    assert (first.accepted, second.accepted, second.rejected) == (1, 1, 0)
    a.sync.sync_once()
    for till in (a, b):
        member = till.services.lookup.by_code(code)
        assert (member.balance, member.pending_points) == (1_110, 0)
        assert member.lifetime_points == 1_110
        assert member.tier == "silver"
