"""What the screens call: the services, plus the few facts the services do not offer yet.

Qt-free. ``Backend`` is built by the composition root (``terminal/app.py``) and handed to
the main window; screens call it only through :class:`~terminal.ui.worker.Runner`.
``store_info``, ``program`` and ``report`` are injected callables until the services
offer them (see the UI notes in the report of issue 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from terminal.services import Services


@dataclass(frozen=True, slots=True)
class StoreInfo:
    store_code: str = ""
    name: str = ""
    currency: str = "CNY"
    language: str = "zh_CN"
    terminal_id: str = ""
    server_url: str = ""


@dataclass(frozen=True, slots=True)
class ReportRow:
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class TopMember:
    member_code: str
    name: str
    points_earned: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class ReportView:
    """Figures for a business-date range (both ends included)."""

    date_from: date
    date_to: date
    transactions: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    member_sales_cents: int = 0
    enrollments: int = 0
    voids: int = 0
    hourly_transactions: tuple[int, ...] = field(default_factory=lambda: (0,) * 24)
    top_members: tuple[TopMember, ...] = ()


ReportFn = Callable[[date, date], ReportView]


def _no_report(date_from: date, date_to: date) -> ReportView:
    return ReportView(date_from=date_from, date_to=date_to)


@dataclass(slots=True)
class Backend:
    services: Services
    store_info: Callable[[], StoreInfo] = StoreInfo
    program: Callable[[], LoyaltyProgram] = lambda: DEFAULT_PROGRAM
    report: ReportFn = _no_report
    sync_now: Callable[[], None] = lambda: None
    pair: Callable[[str, str], object] | None = None  # (server_url, pairing code)
