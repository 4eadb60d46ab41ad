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
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.admin import AdminService
from sync_server.services.campaigns import CampaignService, Segment
from sync_server.services.dashboard import DashboardService, Period
from sync_server.services.dashboard_rebuild import DashboardRebuild
from sync_server.services.dashboard_rollup import (
    _BUY_REACH,
    _REACH,
    AT_RISK_DAYS,
    BUY_WINDOW,
    BUYERS,
    REPEAT_BUYERS,
    WIN_BACK_DAYS,
    WINDOWS,
    Visit,
    active_deltas,
    buyer_changes,
    churn_figures,
)
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
    body = push(
        client, paired, [ev.void(member, redeem["event_id"]), ev.void(member, adjust["event_id"])]
    )
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


def _near(days: set[date], around: date, reach: timedelta) -> list[date]:
    """What the sink reads of a member's days: those within ``reach`` of the visit."""
    return sorted(d for d in days if around - reach <= d <= around + reach)


def _churn_by_counting(days: set[date]) -> dict[date, tuple[int, int]]:
    """Each day a member became at risk (their last visit AT_RISK_DAYS old, none since)
    and whether they came back within WIN_BACK_DAYS, from all their days."""
    found = {}
    ordered = sorted(days)
    for i, day in enumerate(ordered):
        at = day + timedelta(days=AT_RISK_DAYS)
        following = [d for d in ordered[i + 1 :] if d < at + timedelta(days=WIN_BACK_DAYS)]
        if any(d < at for d in following):
            continue
        found[at] = (1, 1 if following else 0)
    return found


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.integers(min_value=0, max_value=500)),
        max_size=25,
    )
)
def test_churn_marks_equal_a_count_whatever_the_order(visits: list[tuple[str, int]]) -> None:
    """Visits in any order, each seeing only the days the sink reads (within its reach):
    the summed changes are, per day, the members newly at risk and those won back that
    the member's whole history gives."""
    origin = date(2026, 1, 1)
    known: dict[str, set[date]] = {}
    totals: dict[date, list[int]] = {}
    for member, offset in visits:
        visit = Visit(member, "S001", origin + timedelta(days=offset), "member")
        near = {member: _near(known.get(member, set()), visit.day, _REACH)}
        for figures in churn_figures(near, [visit]):
            held = totals.setdefault(figures.business_date, [0, 0])
            held[0] += figures.at_risk
            held[1] += figures.won_back
        known.setdefault(member, set()).add(visit.day)
    expected: dict[date, list[int]] = {}
    for days in known.values():
        for day, (risk, back) in _churn_by_counting(days).items():
            held = expected.setdefault(day, [0, 0])
            held[0] += risk
            held[1] += back
    assert {d: v for d, v in totals.items() if v != [0, 0]} == expected


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(min_value=0, max_value=300)),
        max_size=30,
    )
)
def test_buyer_changes_equal_a_count_whatever_the_order(purchases: list[tuple[str, int]]) -> None:
    """The running sums of the buyer changes are, on every day, the members who bought
    within the 90 days to it, and those who bought on two days or more."""
    origin = date(2026, 1, 1)
    known: dict[str, set[date]] = {}
    totals: dict[tuple[date, int], int] = {}
    for member, offset in purchases:
        visit = Visit(member, "S001", origin + timedelta(days=offset), "member", True)
        near = {member: _near(known.get(member, set()), visit.day, _BUY_REACH)}
        for (_, day, code), n in buyer_changes(near, [visit]).items():
            totals[(day, code)] = totals.get((day, code), 0) + n
        known.setdefault(member, set()).add(visit.day)
    running = {BUYERS: 0, REPEAT_BUYERS: 0}
    for offset in range(0, 420):
        day = origin + timedelta(days=offset)
        start = day - timedelta(days=BUY_WINDOW - 1)
        for code, times in ((BUYERS, 1), (REPEAT_BUYERS, 2)):
            running[code] += totals.get((day, code), 0)
            counted = sum(
                1 for days in known.values() if sum(start <= d <= day for d in days) >= times
            )
            assert running[code] == counted, (day, code)


@pytest.mark.history(800)
def test_churn_and_repeat_purchases_show_in_the_dashboard(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    """A member enrolled 200 days ago is at risk 110 days ago, comes back 100 days ago
    (won back: 10 days later), is at risk again 10 days ago; bought on two days within
    the last 90 days (pushed late, out of order). Another bought once."""
    ev = paired.events
    today = _today(database)
    enrol = ev.enrol()
    enrol["occurred_at"] = _at(database, today - timedelta(days=200))
    member = enrol["member_id"]
    other = ev.enrol(phone="13912345678")
    other["occurred_at"] = _at(database, today - timedelta(days=3))
    push(client, paired, [enrol, other])
    for days in (100, 5, 20):
        when = _at(database, today - timedelta(days=days))
        body = push(client, paired, [ev.earn(member, 1_000, 10, occurred_at=when)])
        assert body["results"][0]["status"] == "accepted", body
    when = _at(database, today - timedelta(days=3))
    push(client, paired, [ev.earn(other["member_id"], 2_000, 20, occurred_at=when)])
    # the visits 20 and 5 days ago: the member is not at risk 10 days ago after all
    service = DashboardService(database)
    period = Period(today - timedelta(days=119), today)
    view = service.view(period)
    assert (view.now.at_risk, view.now.won_back) == (1, 1)
    assert view.now.win_back_rate == 1.0
    assert (view.now.buyers_90, view.now.repeat_buyers_90) == (2, 1)
    assert view.now.repeat_rate == 0.5
    assert sum(d.at_risk for d in view.days) == 1  # by month: a range over 92 days
    days = service.view(Period(today - timedelta(days=115), today - timedelta(days=100))).days
    at_risk_day = today - timedelta(days=110)
    assert [(d.day, d.at_risk, d.won_back) for d in days if d.at_risk] == [(at_risk_day, 1, 1)]
    # the members who came back later than 30 days count as at risk, not won back
    late = Period(today - timedelta(days=366), today)
    assert service.view(late).now.at_risk == 1
    # a rebuild from the ledger gives the same
    DashboardRebuild(database).rebuild()
    again = service.view(period)
    assert (again.now.at_risk, again.now.won_back) == (1, 1)
    assert (again.now.buyers_90, again.now.repeat_buyers_90) == (2, 1)
    assert again.days == view.days


def test_a_regions_view_holds_its_stores(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    admin = AdminService(database)
    s001 = admin.stores()[0]
    admin.update_store(
        "S001",
        name=s001.name,
        currency=s001.currency,
        timezone=s001.timezone,
        phone_region=s001.phone_region,
        language=s001.language,
        closing_time=s001.closing_time,
        region="East",
    )
    admin.add_store("S777", "Elsewhere", region="West")
    ev = paired.events
    enrol = ev.enrol()
    push(client, paired, [enrol, ev.earn(enrol["member_id"], 12_800, 128)])
    today = _today(database)
    service = DashboardService(database)
    assert service.regions() == ["East", "West"]
    period = Period(today, today)
    assert service.view(period, region="East").now.points_issued == 128
    assert service.view(period, region="East").now.members == 1
    assert service.view(period, region="West").now.points_issued == 0
    assert service.view(period, region="West").now.members == 0
    assert service.view(period, region="North").now.points_issued == 0  # no stores
    assert service.view(period).now.points_issued == 128
    # a store within a region: the store's figures
    assert service.view(period, "S777", region="East").now.points_issued == 0


def test_coupon_usage_is_rolled_up_per_store_and_follows_voids(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    """Coupons issued count on their member's home store and day of issue; a coupon used
    at a till counts as used, its redemption voided gives it back; a rebuild agrees."""
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    push(client, paired, [enrol])
    campaigns = CampaignService(database)
    assert campaigns.issue_to_segment(CLI_PRINCIPAL, Segment(), "Spring", 1000, "CNY") == 1
    coupon = campaigns.issue_to_member(
        CLI_PRINCIPAL, enrol["data"]["member_code"], "Welcome", 500, "CNY"
    )
    service = DashboardService(database)
    today = datetime.now(UTC).date()
    period = Period(today - timedelta(days=1), today + timedelta(days=1))

    def usage(store: str | None = None) -> list[tuple[str, int, int]]:
        return [(c.title, c.issued, c.used) for c in service.view(period, store).coupons]

    assert usage() == [("Spring", 1, 0), ("Welcome", 1, 0)]
    used = ev.coupon(member, str(coupon["coupon_id"]))
    assert push(client, paired, [used])["results"][0]["status"] == "accepted"
    assert usage() == [("Spring", 1, 0), ("Welcome", 1, 1)]
    assert usage("S001") == usage()
    assert usage("S999") == []
    body = push(client, paired, [ev.void(member, used["event_id"])])
    assert body["results"][0]["status"] == "accepted", body
    assert usage() == [("Spring", 1, 0), ("Welcome", 1, 0)]
    assert push(client, paired, [ev.coupon(member, str(coupon["coupon_id"]))])["results"][0][
        "status"
    ] == ("accepted")
    pushed = usage()
    assert pushed == [("Spring", 1, 0), ("Welcome", 1, 1)]
    DashboardRebuild(database).rebuild()
    assert usage() == pushed
