"""Interim store report from the terminal's own events, plus CSV export. Qt-free.

Until the services offer a report query (``ReportService.summary(date_from, date_to)``,
see the issue-4 report), the figures are summed here from ``activity.recent`` event views:
no SQL, only what the services return. Voided events and their voids cancel out;
rejected events are left out.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter, defaultdict
from datetime import date, datetime

from terminal.services import EventView, Services
from terminal.ui.backend import ReportView, TopMember

RECENT_LIMIT = 100_000
TOP_N = 5


def _hour(event: EventView) -> int:
    try:
        return datetime.fromisoformat(event.occurred_at).astimezone().hour
    except ValueError:
        return 0


def summarise(
    events: list[EventView], date_from: date, date_to: date
) -> tuple[ReportView, dict[str, tuple[int, int]]]:
    """Figures for the range and, per member id, (points earned, sales in cents)."""
    low, high = date_from.isoformat(), date_to.isoformat()
    chosen = [e for e in events if low <= e.business_date <= high and e.status != "rejected"]
    voided = {e.event_id for e in chosen if e.voided_by}
    kinds = Counter(e.type for e in chosen if e.event_id not in voided)
    hourly = [0] * 24
    per_member: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    earned = redeemed = sales = 0
    for event in chosen:
        if event.event_id in voided or event.type == "event.voided":
            continue
        if event.type in ("points.earned", "points.redeemed", "coupon.redeemed"):
            hourly[_hour(event)] += 1
        if event.type == "points.earned":
            earned += event.points_delta
            sales += event.amount_cents or 0
            per_member[event.member_id][0] += event.points_delta
            per_member[event.member_id][1] += event.amount_cents or 0
        elif event.type == "points.redeemed":
            redeemed += -event.points_delta
    report = ReportView(
        date_from=date_from,
        date_to=date_to,
        transactions=sum(hourly),
        points_earned=earned,
        points_redeemed=redeemed,
        member_sales_cents=sales,
        enrollments=kinds["member.enrolled"],
        voids=kinds["event.voided"],
        hourly_transactions=tuple(hourly),
    )
    return report, {mid: (pts, cents) for mid, (pts, cents) in per_member.items()}


def build_report(services: Services, date_from: date, date_to: date) -> ReportView:
    events = services.activity.recent(RECENT_LIMIT)
    report, per_member = summarise(events, date_from, date_to)
    best = sorted(per_member.items(), key=lambda item: (-item[1][1], item[0]))[:TOP_N]
    top = []
    for member_id, (points, cents) in best:
        member = services.lookup.member(member_id)
        top.append(TopMember(member.member_code, member.display_name, points, cents))
    return dataclasses.replace(report, top_members=tuple(top))


def report_csv(report: ReportView, labels: dict[str, str], money: dict[str, str]) -> str:
    """CSV text: one ``figure,value`` block, the hourly block, then top members.

    ``labels`` holds the translated figure names, ``money`` the formatted amounts.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([labels["figure"], labels["value"]])
    writer.writerow([labels["from"], report.date_from.isoformat()])
    writer.writerow([labels["to"], report.date_to.isoformat()])
    writer.writerow([labels["transactions"], report.transactions])
    writer.writerow([labels["earned"], report.points_earned])
    writer.writerow([labels["redeemed"], report.points_redeemed])
    writer.writerow([labels["sales"], money["sales"]])
    writer.writerow([labels["enrollments"], report.enrollments])
    writer.writerow([labels["voids"], report.voids])
    writer.writerow([])
    writer.writerow([labels["hour"], labels["transactions"]])
    for hour, count in enumerate(report.hourly_transactions):
        writer.writerow([f"{hour:02d}:00", count])
    writer.writerow([])
    writer.writerow([labels["member"], labels["name"], labels["earned"], labels["sales"]])
    for member in report.top_members:
        writer.writerow(
            [member.member_code, member.name, member.points_earned, money[member.member_code]]
        )
    return out.getvalue()
