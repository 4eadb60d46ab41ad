"""The dashboard's roll-ups follow the pushes (SQLite and PostgreSQL): what a till's
events move shows in the dashboard's figures, a repeated push changes nothing, and the
30/90-day active counts equal a count made from the members' visit days."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.business_day import business_date
from shared.domain.program import add_months
from sync_server import cli
from sync_server.db import Database
from sync_server.repositories import dashboard as dashboard_repo
from sync_server.services.admin import AdminService
from sync_server.services.dashboard import DashboardService, Period
from sync_server.services.dashboard_rebuild import DashboardRebuild
from sync_server.services.dashboard_rollup import WINDOWS, Visit, active_deltas
from sync_server.services.maintenance import MaintenanceService
from tests.sync_server.helpers import Pairing, push


def _at(database: Database, day: date) -> str:
    """Noon of ``day`` in S001's time zone (a moment of that business day)."""
    zone = ZoneInfo(AdminService(database).stores()[0].timezone)
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone).isoformat()


def _today(database: Database) -> date:
    """S001's business day now (the dashboard's days are the stores' business days)."""
    store = AdminService(database).stores()[0]
    return business_date(datetime.now(UTC), store.timezone, store.closing_time)


def test_pushed_events_show_in_the_dashboard(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    today = _today(database)
    enrol = ev.enrol()
    member = enrol["member_id"]
    other = ev.enrol(phone="13912345678")
    earn = ev.earn(member, 12_800, 128)
    batch = [
        enrol,
        other,
        earn,
        ev.earn(other["member_id"], 5_000, 50),
        ev.redeem(member, 100),
        ev.adjust(member, 7),
    ]
    body = push(client, paired, batch)
    assert {r["status"] for r in body["results"]} == {"accepted"}
    push(client, paired, batch)  # a repeated push: duplicates move nothing
    body = push(client, paired, [ev.void(member, earn["event_id"])])
    assert body["results"][0]["status"] == "accepted", body

    service = DashboardService(database)
    view = service.view(Period(today - timedelta(days=6), today))
    now = view.now
    assert (now.members, now.new_members) == (2, 2)
    # the voided sale never was: neither its points, nor the sale, nor its amount; and
    # it is no return
    assert (now.points_issued, now.points_redeemed, now.points_adjusted) == (50, 100, 7)
    assert (now.points_returned, now.returns, now.returned_cents) == (0, 0, {})
    assert now.sales_count == 1
    assert now.sales_cents == {"CNY": 5_000}
    assert (now.active_30, now.active_90) == (2, 2)
    assert now.daily_active == 2 / 7
    assert now.redemption_rate == 100 / 50
    balance = 178 - 100 + 7 - 128  # what the members hold now
    assert [(x.currency, x.points) for x in view.liabilities] == [("CNY", balance)]
    assert view.tiers[0].members == 2
    assert view.tiers[0].average_spend("CNY") == 5_000
    assert view.before.members == 0
    assert [d.new_members for d in view.days][-1] == 2
    # the store's view holds the same; another store's holds nothing
    assert service.view(Period(today, today), "S001").now.points_issued == 50
    assert service.view(Period(today, today), "S999").now.points_issued == 0
    # a rebuild from the ledger agrees (the void names its sale in its payload)
    DashboardRebuild(database).rebuild()
    again = service.view(Period(today - timedelta(days=6), today)).now
    assert (again.points_issued, again.sales_count, again.sales_cents) == (50, 1, {"CNY": 5_000})
    assert again.points_returned == 0


def test_voided_redemption_adjustment_and_coupon_come_off(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    today = _today(database)
    enrol = ev.enrol()
    member = enrol["member_id"]
    earn = ev.earn(member, 20_000, 200)
    redeem = ev.redeem(member, 100)
    adjust = ev.adjust(member, 7)
    push(client, paired, [enrol, earn, redeem, adjust])
    body = push(client, paired, [ev.void(member, redeem["event_id"]), ev.void(member, adjust["event_id"])])
    assert {r["status"] for r in body["results"]} == {"accepted"}, body
    now = DashboardService(database).view(Period(today, today)).now
    assert (now.points_issued, now.points_redeemed, now.redemptions) == (200, 0, 0)
    assert (now.points_adjusted, now.points_returned, now.sales_count) == (0, 0, 1)


def test_a_return_takes_its_points_back_in_the_dashboard(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    today = _today(database)
    enrol = ev.enrol()
    member = enrol["member_id"]
    earn = ev.earn(member, 12_800, 128)
    push(client, paired, [enrol, earn])
    half = ev.make(
        "sale.returned",
        member,
        {
            "sale_ref": earn["data"]["sale_ref"],
            "sale_event_id": earn["event_id"],
            "amount_cents": 6_400,
        },
    )
    body = push(client, paired, [half])
    assert body["results"][0]["status"] == "accepted", body
    now = DashboardService(database).view(Period(today, today)).now
    assert (now.points_issued, now.points_returned) == (128, 64)
    # the returned amount comes off the sales, and shows as returned
    assert (now.sales_count, now.returns) == (1, 1)
    assert now.sales_cents == {"CNY": 6_400}
    assert now.returned_cents == {"CNY": 6_400}
    DashboardRebuild(database).rebuild()
    again = DashboardService(database).view(Period(today, today)).now
    assert (again.sales_cents, again.returned_cents, again.returns) == (
        {"CNY": 6_400},
        {"CNY": 6_400},
        1,
    )
    assert [(x.currency, x.points) for x in DashboardService(database).view(
        Period(today, today)).liabilities] == [("CNY", 64)]  # fmt: skip


def test_active_counts_follow_visits_pushed_late(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    today = _today(database)
    enrol = ev.enrol()
    enrol["occurred_at"] = _at(database, today - timedelta(days=20))
    member = enrol["member_id"]
    push(client, paired, [enrol])
    # a visit 10 days ago, then (a till that was offline) one 15 days ago, pushed later
    for days in (10, 15):
        when = _at(database, today - timedelta(days=days))
        push(client, paired, [ev.earn(member, 1_000, 10, occurred_at=when)])
    service = DashboardService(database)
    view = service.view(Period(today - timedelta(days=29), today))
    assert (view.now.active_30, view.now.active_90) == (1, 1)
    by_day = {d.day: d.active_30 for d in view.days}
    assert by_day[today - timedelta(days=21)] == 0
    assert by_day[today - timedelta(days=20)] == 1
    assert by_day[today] == 1
    assert view.now.daily_active == 3 / 30
    # the previous 30 days ended 30 days ago: nobody was a member then
    assert view.before.active_30 == 0


def test_expired_points_show_in_the_dashboard(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    push(client, paired, [enrol, ev.earn(member, 10_000, 100)])
    later = datetime.now(UTC) + timedelta(days=3 * 366)
    report = MaintenanceService(database).expire_points(now=later)
    assert report.points == 100
    day = later.date()
    view = DashboardService(database).view(Period(day, day))
    assert view.now.points_expired == 100
    assert [(x.currency, x.points) for x in view.liabilities] == [("CNY", 0)]


def _active_by_counting(visits: dict[str, set[date]], day: date, window: int) -> int:
    start = day - timedelta(days=window - 1)
    return sum(1 for days in visits.values() if any(start <= d <= day for d in days))


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(min_value=0, max_value=200)),
        max_size=30,
    )
)
def test_active_deltas_equal_a_count_of_visit_days(visits: list[tuple[str, int]]) -> None:
    """Visits in any order: the running sum of the deltas is, on every day, the number of
    members with a visit within the window."""
    origin = date(2026, 1, 1)
    known: dict[str, set[date]] = {}
    totals: dict[tuple[date, int], int] = {}
    for member, offset in visits:
        visit = Visit(member, "S001", origin + timedelta(days=offset), "member")
        _, deltas = active_deltas({m: sorted(d) for m, d in known.items()}, [visit])
        known.setdefault(member, set()).add(visit.day)
        for (_, day, window), n in deltas.items():
            totals[(day, window)] = totals.get((day, window), 0) + n
    for window in WINDOWS:
        running = 0
        for offset in range(0, 300):
            day = origin + timedelta(days=offset)
            running += totals.get((day, window), 0)
            assert running == _active_by_counting(known, day, window), (day, window)


def test_a_rebuild_from_the_ledger_gives_the_push_paths_figures(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    today = _today(database)
    enrol = ev.enrol()
    enrol["occurred_at"] = _at(database, today - timedelta(days=12))
    member = enrol["member_id"]
    other = ev.enrol(phone="13912345678")
    earn = ev.earn(member, 12_800, 128, occurred_at=_at(database, today - timedelta(days=3)))
    batch = [
        enrol,
        other,
        earn,
        ev.earn(other["member_id"], 5_000, 50),
        ev.redeem(member, 100),
        ev.adjust(member, 7),
    ]
    push(client, paired, batch)
    push(client, paired, [ev.void(member, earn["event_id"])])
    service = DashboardService(database)
    period = Period(today - timedelta(days=40), today)
    pushed = service.view(period)
    report = DashboardRebuild(database, chunk=1).rebuild()
    assert (report.members, report.events) == (2, 7)
    rebuilt = service.view(period)
    assert rebuilt.now == pushed.now
    assert rebuilt.days == pushed.days
    assert rebuilt.liabilities == pushed.liabilities
    assert rebuilt.tiers == pushed.tiers


def test_seed_demo_and_the_rebuild_command_fill_the_dashboard(
    db_url: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["seed-demo", "--members", "30", "--db", db_url]) == 0
    today = _today(database)
    seeded = DashboardService(database).view(Period(today, today))
    assert seeded.now.members == 30
    capsys.readouterr()
    assert cli.main(["dashboard", "rebuild", "--json", "--db", db_url]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["members"] == 30
    again = DashboardService(database).view(Period(today, today))
    assert again.now == seeded.now
    assert sum(x.points for x in again.liabilities) > 0  # the seed's opening balances


@given(st.dates(date(2024, 1, 1), date(2027, 12, 31)), st.integers(min_value=0, max_value=400))
def test_a_range_is_its_whole_months_and_edge_days_exactly(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    spans, months = dashboard_repo.split(first, last)
    covered: list[date] = []
    for a, b in spans:
        covered += [a + timedelta(days=i) for i in range((b - a).days + 1)]
    if months is not None:
        month = months[0]
        assert month.day == 1
        while month < months[1]:
            end = dashboard_repo.next_month(month)
            covered += [month + timedelta(days=i) for i in range((end - month).days)]
            month = end
    assert sorted(covered) == [first + timedelta(days=i) for i in range(length + 1)]


def test_long_ranges_read_months_and_agree_with_days(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    today = _today(database)
    batch = []
    for days_ago in (25, 12, 0):
        enrol = ev.enrol(phone=f"1391234{days_ago:04d}")
        enrol["occurred_at"] = _at(database, today - timedelta(days=days_ago))
        when = _at(database, today - timedelta(days=days_ago))
        batch += [enrol, ev.earn(enrol["member_id"], 10_000, 100, occurred_at=when)]
    push(client, paired, batch)
    service = DashboardService(database)
    short = service.view(Period(today - timedelta(days=29), today))
    long = service.view(Period(today - timedelta(days=199), today))
    assert long.by_month
    assert not short.by_month
    assert long.now.points_issued == short.now.points_issued == 300
    assert long.now.members == short.now.members == 3
    assert long.now.active_30 == short.now.active_30 == 3
    assert sum(d.points_issued for d in long.days) == 300
    assert long.days[-1].active_30 == 3
    assert [x.points for x in long.liabilities] == [300]


@pytest.mark.history(800)
def test_points_near_their_expiry_are_shown_as_expiring(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    """Points earned about 24 months ago (the default program's expiry) expire within
    30 days; those earned 23 months ago within 90."""
    ev = paired.events
    today = _today(database)
    expiry_day = add_months(datetime(today.year, today.month, today.day), -24).date()
    enrol = ev.enrol()
    enrol["occurred_at"] = _at(database, expiry_day)
    member = enrol["member_id"]
    batch = [enrol]
    for days, points in ((10, 100), (60, 20), (120, 3)):
        when = _at(database, expiry_day + timedelta(days=days))
        batch.append(ev.earn(member, points * 100, points, occurred_at=when))
    body = push(client, paired, batch)
    assert {r["status"] for r in body["results"]} == {"accepted"}, body
    view = DashboardService(database).view(Period(today - timedelta(days=6), today))
    assert (view.expiring_30, view.expiring_90) == (100, 120)
