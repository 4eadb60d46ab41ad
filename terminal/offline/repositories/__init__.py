"""Repositories: typed queries over one SQLAlchemy session. They never commit."""

from terminal.offline.repositories.events import EventRepository, PendingTotals
from terminal.offline.repositories.members import (
    CouponRepository,
    MemberHit,
    MemberRepository,
    name_key,
)
from terminal.offline.repositories.reports import (
    MemberTotals,
    QuarterCount,
    ReportRepository,
    Totals,
)
from terminal.offline.repositories.store import (
    ProgramRepository,
    StaffRepository,
    StoreRepository,
    TerminalStateRepository,
)

__all__ = [
    "CouponRepository",
    "EventRepository",
    "MemberHit",
    "MemberRepository",
    "MemberTotals",
    "PendingTotals",
    "ProgramRepository",
    "QuarterCount",
    "ReportRepository",
    "StaffRepository",
    "StoreRepository",
    "TerminalStateRepository",
    "Totals",
    "name_key",
]
