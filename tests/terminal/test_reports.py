"""ReportService.summary on a real replica file: days, store time zones, voids, rejections,
top members, and only a manager may read it."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.errors import DomainError
from shared.protocol import PushResult, StoreSettings
from tests.terminal.conftest import Till, make_till

DAY = date(2026, 3, 10)  # the till's clock starts at 12:00 Shanghai time on this day
NEXT = date(2026, 3, 11)


def reject(till: Till, event_id: str) -> None:
    till.sync.apply_push_results(
        [PushResult(event_id=uuid.UUID(event_id), status="rejected", code="points_mismatch")]
    )


def test_a_day_nets_out_voids_and_counts_each_kind(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    services, members = till.services, till.seed.members
    first = services.sales.earn(cashier, members[0].member_id, amount_cents=12_000, sale_ref="A")
    services.manager.adjust(manager, members[1].member_id, points=500, reason="goodwill")
    wrong = services.sales.earn(cashier, members[1].member_id, amount_cents=99_900, sale_ref="B")
    services.manager.void(manager, wrong.event_id, reason="wrong amount")
    spent = services.sales.redeem(
        cashier, members[1].member_id, points=100, sale_amount_cents=5_000, sale_ref="C"
    )
    coupon_id, coupon_member = next(iter(till.seed.coupons.items()))
    services.sales.redeem_coupon(cashier, coupon_member, coupon_id=coupon_id, sale_ref="D")
    services.enrollment.enroll(cashier, name="New One", phone="13812345678", consent_marketing=True)
    till.clock.advance(days=1)
    services.sales.earn(cashier, members[2].member_id, amount_cents=3_000, sale_ref="E")

    day = services.reports.summary(manager, DAY, DAY)
    assert day.transactions == 3  # A, C, D; B and its void cancel out
    assert (day.points_earned, day.points_redeemed) == (first.points_delta, -spent.points_delta)
    assert day.member_sales_cents == 12_000
    assert (day.enrollments, day.voids, day.adjustments, day.points_adjusted) == (1, 1, 1, 500)
    assert day.hourly_transactions[12] == 3
    assert sum(day.hourly_transactions) == 3
    assert [m.member_code for m in day.top_members] == [members[0].member_code]
    assert day.top_members[0].name == members[0].name
    assert day.top_members[0].points_earned == first.points_delta

    both = services.reports.summary(manager, DAY, NEXT)
    assert both.transactions == 4
    assert both.member_sales_cents == 15_000
    assert [m.member_code for m in both.top_members] == [
        members[0].member_code,
        members[2].member_code,
    ]
    assert services.reports.summary(manager, date(2026, 3, 12), date(2026, 3, 31)).transactions == 0


def test_a_void_on_a_later_day_removes_the_sale_from_its_own_day(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    member_id = till.seed.members[0].member_id
    earn = till.services.sales.earn(cashier, member_id, amount_cents=8_000, sale_ref="A")
    till.clock.advance(days=1)
    till.services.manager.void(manager, earn.event_id, reason="returned")
    day, next_day = (till.services.reports.summary(manager, d, d) for d in (DAY, NEXT))
    assert (day.transactions, day.points_earned, day.member_sales_cents, day.voids) == (0, 0, 0, 0)
    assert day.top_members == ()
    assert (next_day.transactions, next_day.points_earned, next_day.voids) == (0, 0, 1)


def test_rejected_events_do_not_count_and_a_rejected_void_voids_nothing(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    member_id = till.seed.members[0].member_id
    refused = till.services.sales.earn(cashier, member_id, amount_cents=5_000, sale_ref="X")
    reject(till, refused.event_id)
    kept = till.services.sales.earn(cashier, member_id, amount_cents=7_000, sale_ref="Y")
    void = till.services.manager.void(manager, kept.event_id, reason="mistake")
    assert till.services.reports.summary(manager, DAY, DAY).transactions == 0
    reject(till, void.event_id)
    report = till.services.reports.summary(manager, DAY, DAY)
    assert (report.transactions, report.member_sales_cents, report.voids) == (1, 7_000, 0)
    assert report.points_earned == kept.points_delta


def test_hours_are_the_store_hours_across_a_half_hour_zone_and_midnight(tmp_path: Path) -> None:
    till = make_till(tmp_path)
    try:
        till.sync.save_store_settings(
            StoreSettings(store_code="S001", timezone="Asia/Kolkata", closing_time="02:00")
        )
        cashier, manager = till.cashier(), till.manager()
        member_id = till.seed.members[0].member_id
        moments = [
            datetime(2026, 3, 10, 18, 20, tzinfo=UTC),  # 23:50 on the 10th
            datetime(2026, 3, 10, 19, 45, tzinfo=UTC),  # 01:15 on the 11th: still the 10th
            datetime(2026, 3, 10, 20, 35, tzinfo=UTC),  # 02:05 on the 11th: the 11th
            datetime(2026, 3, 11, 3, 29, tzinfo=UTC),  # 08:59 on the 11th
        ]
        for index, moment in enumerate(moments):
            till.clock.now = moment
            till.services.sales.earn(cashier, member_id, amount_cents=1_000, sale_ref=f"S{index}")
        day = till.services.reports.summary(manager, DAY, DAY)
        assert day.transactions == 2
        assert {h: n for h, n in enumerate(day.hourly_transactions) if n} == {23: 1, 1: 1}
        next_day = till.services.reports.summary(manager, NEXT, NEXT)
        assert {h: n for h, n in enumerate(next_day.hourly_transactions) if n} == {2: 1, 8: 1}
    finally:
        till.replica.close()


def test_top_members_are_the_five_largest_spenders(tmp_path: Path) -> None:
    till = make_till(tmp_path, members=7)
    try:
        cashier = till.cashier()
        for index, member in enumerate(till.seed.members):
            cents = 1_000 * (index + 1)
            till.services.sales.earn(cashier, member.member_id, amount_cents=cents, sale_ref="A")
            till.services.sales.earn(cashier, member.member_id, amount_cents=cents, sale_ref="B")
        report = till.services.reports.summary(till.manager(), DAY, DAY)
        assert [m.member_code for m in report.top_members] == [
            m.member_code for m in reversed(till.seed.members[2:])
        ]
        assert report.top_members[0].amount_cents == 14_000
    finally:
        till.replica.close()


def test_only_a_manager_reads_reports_and_the_range_must_make_sense(till: Till) -> None:
    with pytest.raises(DomainError) as err:
        till.services.reports.summary(till.cashier(), DAY, DAY)
    assert err.value.code == "manager_required"
    manager = till.manager()
    for low, high in ((NEXT, DAY), (date(2020, 1, 1), DAY)):
        with pytest.raises(DomainError) as err:
            till.services.reports.summary(manager, low, high)
        assert err.value.code == "invalid_input"
    empty = till.services.reports.summary(manager, DAY, DAY)
    assert empty.hourly_transactions == (0,) * 24
    assert empty.transactions == 0


def oracle(till: Till, low: date, high: date) -> tuple[int, int, int, int, int, tuple[int, ...]]:
    """The same figures summed in Python from every event the services list."""
    events = {e.event_id: e for e in till.services.activity.recent(100_000)}
    zone = ZoneInfo("America/New_York")

    def stands(event_id: str) -> bool:
        event = events[event_id]
        if event.status == "rejected":
            return False
        return event.voided_by is None or events[event.voided_by].status == "rejected"

    chosen = [e for e in events.values() if low.isoformat() <= e.business_date <= high.isoformat()]
    standing = [e for e in chosen if stands(e.event_id)]
    sales = [
        e for e in standing if e.type in ("points.earned", "points.redeemed", "coupon.redeemed")
    ]
    hours = [0] * 24
    for event in sales:
        hours[datetime.fromisoformat(event.occurred_at).astimezone(zone).hour] += 1
    return (
        len(sales),
        sum(e.points_delta for e in standing if e.type == "points.earned"),
        -sum(e.points_delta for e in standing if e.type == "points.redeemed"),
        sum(e.amount_cents or 0 for e in standing if e.type == "points.earned"),
        sum(1 for e in standing if e.type == "event.voided"),
        tuple(hours),
    )


@pytest.mark.parametrize("rng_seed", [1, 2, 3])
def test_random_days_match_a_python_oracle_across_dst(tmp_path: Path, rng_seed: int) -> None:
    till = make_till(tmp_path, members=4)
    try:
        till.sync.save_store_settings(
            StoreSettings(store_code="S001", timezone="America/New_York", closing_time="01:00")
        )
        till.clock.now = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # DST starts on 8 March
        rng = random.Random(rng_seed)
        cashier, manager = till.cashier(), till.manager()
        done: list[str] = []
        for step in range(120):
            member_id = rng.choice(till.seed.members).member_id
            action = rng.random()
            try:
                if action < 0.5:
                    cents = rng.randrange(100, 50_000)
                    receipt = till.services.sales.earn(
                        cashier, member_id, amount_cents=cents, sale_ref=f"E{step}"
                    )
                elif action < 0.65:
                    receipt = till.services.sales.redeem(
                        cashier,
                        member_id,
                        points=100,
                        sale_amount_cents=10_000,
                        sale_ref=f"R{step}",
                    )
                elif action < 0.75:
                    receipt = till.services.manager.adjust(
                        manager, member_id, points=rng.randrange(1, 300), reason="r"
                    )
                elif action < 0.9 and done:
                    receipt = till.services.manager.void(manager, rng.choice(done), reason="v")
                else:
                    if done:
                        reject(till, rng.choice(done))
                    till.clock.advance(minutes=rng.randrange(1, 600))
                    continue
                done.append(receipt.event_id)
            except DomainError as refusal:  # only the refusals these random steps can meet
                expected = {"insufficient_balance", "offline_daily_cap", "already_voided"}
                assert refusal.code in expected | {"not_voidable"}, refusal.to_dict()  # noqa: PT017 (a random step may be refused; the loop goes on)
            till.clock.advance(minutes=rng.randrange(1, 90))
        days = [date(2026, 3, 7) + timedelta(days=n) for n in range(8)]
        for low, high in [(d, d) for d in days] + [(days[0], days[-1])]:
            report = till.services.reports.summary(manager, low, high)
            figures = (
                report.transactions,
                report.points_earned,
                report.points_redeemed,
                report.member_sales_cents,
                report.voids,
                report.hourly_transactions,
            )
            assert figures == oracle(till, low, high), (low, high)
    finally:
        till.replica.close()


def test_today_is_the_store_business_date_not_the_computer_calendar(till: Till) -> None:
    # Shanghai (the seeded store): 00:30 on the 11th while UTC is still on the 10th.
    till.clock.now = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)
    assert till.services.reports.today() == NEXT
    cashier, manager = till.cashier(), till.manager()
    till.services.sales.earn(
        cashier, till.seed.members[0].member_id, amount_cents=1_000, sale_ref="N1"
    )
    report = till.services.reports.summary(manager, *(till.services.reports.today(),) * 2)
    assert report.transactions == 1  # "today" holds the sale just made
    # A store closing at 02:00 keeps 00:30 on the previous business day.
    till.sync.save_store_settings(
        StoreSettings(store_code="S001", timezone="Asia/Shanghai", closing_time="02:00")
    )
    assert till.services.reports.today() == DAY
