"""A report as CSV text (Qt-free). The figures come from ``ReportService.summary``."""

from __future__ import annotations

import csv
import io

from terminal.services import ReportView


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
    writer.writerow([labels["adjustments"], report.adjustments])
    writer.writerow([labels["adjusted"], report.points_adjusted])
    writer.writerow([labels["returns"], report.returns])
    writer.writerow([labels["returned"], money["returned"]])
    writer.writerow([labels["taken_back"], report.points_taken_back])
    writer.writerow([labels["given_back"], report.points_given_back])
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
