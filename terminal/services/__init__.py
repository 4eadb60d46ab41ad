"""What a cashier or manager can do. No Qt, no HTTP; each method is one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.config import TerminalSettings
from terminal.offline.clock import Clock, utc_now
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.services.activity import ActivityService
from terminal.services.enrollment import EnrollmentService
from terminal.services.lookup import LookupService
from terminal.services.manager import ManagerService
from terminal.services.profile import ProfileService
from terminal.services.reports import ReportService
from terminal.services.returns import ReturnService
from terminal.services.sales import SalesService
from terminal.services.slips import SlipService
from terminal.services.staff import StaffService
from terminal.services.store import StoreService
from terminal.services.store_report import StoreReportService
from terminal.services.views import (
    CouponView,
    EventView,
    MemberPage,
    MemberView,
    OutboxSummary,
    Receipt,
    ReportView,
    StaffSession,
    StoreInfo,
    TopMember,
)


@dataclass(frozen=True, slots=True)
class Services:
    staff: StaffService
    lookup: LookupService
    enrollment: EnrollmentService
    sales: SalesService
    manager: ManagerService
    activity: ActivityService
    reports: ReportService
    store: StoreService
    slips: SlipService
    profile: ProfileService
    returns: ReturnService
    store_report: StoreReportService


def build_services(
    replica: Replica,
    settings: TerminalSettings,
    *,
    clock: Clock = utc_now,
    credentials: CredentialStore | None = None,
) -> Services:
    creds = credentials or CredentialStore(settings.keyring_service)
    return Services(
        staff=StaffService(replica, settings, clock=clock, credentials=creds),
        lookup=LookupService(replica, settings, clock=clock, credentials=creds),
        enrollment=EnrollmentService(replica, settings, clock=clock, credentials=creds),
        sales=SalesService(replica, settings, clock=clock, credentials=creds),
        manager=ManagerService(replica, settings, clock=clock, credentials=creds),
        activity=ActivityService(replica, settings, clock=clock, credentials=creds),
        reports=ReportService(replica, settings, clock=clock, credentials=creds),
        store=StoreService(replica, settings, clock=clock, credentials=creds),
        slips=SlipService(replica, settings, clock=clock, credentials=creds),
        profile=ProfileService(replica, settings, clock=clock, credentials=creds),
        returns=ReturnService(replica, settings, clock=clock, credentials=creds),
        store_report=StoreReportService(replica, settings, clock=clock, credentials=creds),
    )


__all__ = [
    "ActivityService",
    "CouponView",
    "EnrollmentService",
    "EventView",
    "LookupService",
    "ManagerService",
    "MemberPage",
    "MemberView",
    "OutboxSummary",
    "Receipt",
    "ReportService",
    "ReportView",
    "ReturnService",
    "SalesService",
    "Services",
    "SlipService",
    "StaffService",
    "StaffSession",
    "StoreInfo",
    "StoreService",
    "TopMember",
    "build_services",
]
