"""Every time a person reads is on the store's clock (Asia/Shanghai in the seed), whatever
the computer's time zone: the void list, the rejected list, the reports' business date and
hourly chart, and the status bar agree either side of midnight in the store's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.app import build_window, make_backend
from terminal.offline.credentials import CredentialStore
from terminal.services import build_services
from terminal.ui.formatting import format_datetime, format_time, stored_time, zone_label
from terminal.ui.theme import apply_theme
from terminal.ui.widgets.sync_status import SyncStatusView
from tests.ui.conftest import make_replica

SHANGHAI = "Asia/Shanghai"
BEFORE_MIDNIGHT = datetime(2026, 12, 1, 15, 59, tzinfo=UTC)  # 23:59 on 1 Dec in Shanghai
AFTER_MIDNIGHT = datetime(2026, 12, 1, 16, 1, tzinfo=UTC)  # 00:01 on 2 Dec in Shanghai
LATE_UTC = datetime(2026, 12, 1, 18, 45, tzinfo=UTC)  # 02:45 on 2 Dec in Shanghai


def test_times_are_on_the_store_clock_not_the_computers() -> None:
    assert format_datetime(BEFORE_MIDNIGHT, SHANGHAI) == "2026-12-01 23:59"
    assert format_datetime(AFTER_MIDNIGHT, SHANGHAI) == "2026-12-02 00:01"
    assert format_time(LATE_UTC, SHANGHAI) == "02:45:00"
    assert format_datetime(AFTER_MIDNIGHT, "America/New_York") == "2026-12-01 11:01"
    # the replica's UTC text, and a naive one (taken as UTC)
    assert stored_time("2026-12-01T16:01:00+00:00", SHANGHAI) == AFTER_MIDNIGHT
    assert stored_time("2026-12-01T16:01:00", SHANGHAI) == AFTER_MIDNIGHT
    assert stored_time("not a time", SHANGHAI) is None
    assert zone_label(SHANGHAI) == "UTC+08:00"
    assert zone_label("America/St_Johns", datetime(2026, 1, 5, tzinfo=UTC)) == "UTC-03:30"


@pytest.fixture
def clocked(qtbot: QtBot, tmp_path: Path):
    """A till whose services read a clock the test sets."""
    settings, replica, _services, seed = make_replica(tmp_path)
    now = [BEFORE_MIDNIGHT]
    services = build_services(
        replica,
        settings,
        clock=lambda: now[0],
        credentials=CredentialStore(settings.keyring_service),
    )
    apply_theme(QApplication.instance())
    window = build_window(make_backend(settings, replica, services), language="en")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    yield window, services, seed, now
    window.close()
    window.session.runner.wait_for_done(5000)
    replica.close()


def test_void_list_reports_and_status_agree_across_the_store_midnight(
    qtbot: QtBot, clocked
) -> None:
    window, services, seed, now = clocked
    manager = services.staff.sign_in("M01", "999999")
    member = seed.members[0]
    for moment, ref in ((BEFORE_MIDNIGHT, "R-LATE"), (AFTER_MIDNIGHT, "R-EARLY")):
        now[0] = moment
        services.sales.earn(manager, member.member_id, amount_cents=1000, sale_ref=ref)
    now[0] = LATE_UTC
    window.session.sign_in(manager)

    void = window.void
    void.load(services.lookup.by_code(member.member_code))
    window.stack.setCurrentWidget(void)
    qtbot.waitUntil(lambda: void.events.count() == 2)
    rows = [void.events.item(i).text() for i in range(void.events.count())]
    assert rows[0].startswith("2026-12-02 00:01")
    assert "R-EARLY" in rows[0]
    assert rows[1].startswith("2026-12-01 23:59")
    assert "R-LATE" in rows[1]
    assert "UTC+08:00" in void.times_note.text()

    # the reports' "today" is the same store date, and the hours are the store's
    reports = window.reports
    window.go("reports")
    reports.show_today()
    assert services.reports.today() == date(2026, 12, 2)
    qtbot.waitUntil(lambda: reports.report is not None and reports.report.date_from.day == 2)
    hourly = reports.report.hourly_transactions
    assert hourly[0] == 1
    assert sum(hourly) == 1
    assert "UTC+08:00" in reports.chart._axis_title

    window.status.show_status(
        SyncStatusView(online=True, queued=0, last_sync=LATE_UTC, rejected=0, timezone=SHANGHAI)
    )
    assert "02:45" in window.status.last_sync_label.text()
