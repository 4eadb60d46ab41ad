"""Staff alerts a terminal reports (``POST /v1/alerts``, a protocol extension): written
to head office's audit log, where the console shows them, once per alert id."""

from __future__ import annotations

from sqlalchemy import select

from shared.protocol import StaffAlertRequest, StaffAlertResponse
from sync_server.db import Database
from sync_server.models import AuditEntry
from sync_server.repositories import accounts as accounts_repo
from sync_server.services.common import utcnow
from sync_server.services.terminals import AuthenticatedTerminal


class AlertService:
    def __init__(self, database: Database) -> None:
        self.database = database

    def record(
        self, terminal: AuthenticatedTerminal, alert: StaffAlertRequest
    ) -> StaffAlertResponse:
        """Audit-log the alert (actor: the terminal); a repeat of the same id is a no-op."""
        target = f"staff {alert.staff_code} in {terminal.store_code} (alert {alert.alert_id})"
        reason = (
            f"{alert.attempts} wrong manager PINs to approve at a till; approvals with this "
            f"code paused for {alert.pause_seconds} s (signing in is not affected)"
        )
        detail = alert.model_dump_json()
        with self.database.write() as session:
            seen = session.scalar(
                select(AuditEntry.id).where(
                    AuditEntry.action == alert.type, AuditEntry.target == target
                )
            )
            if seen is not None:
                return StaffAlertResponse(status="duplicate")
            accounts_repo.add_audit(
                session, utcnow(), f"terminal {terminal.terminal_id}", alert.type, target,
                reason, detail,
            )  # fmt: skip
        return StaffAlertResponse(status="accepted")
