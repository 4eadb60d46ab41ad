"""The store's figures across all its tills, from the server when the till is online
(``GET /v1/store-report``); None offline, when the report shows this till only."""

from __future__ import annotations

import logging
from datetime import date

from shared.protocol import StoreReport
from terminal.offline.repositories import TerminalStateRepository
from terminal.offline.sync_client import SyncClient, SyncError
from terminal.services.base import Service, require_manager
from terminal.services.views import StaffSession

log = logging.getLogger(__name__)


class StoreReportService(Service):
    def store_figures(
        self, manager: StaffSession, date_from: date, date_to: date
    ) -> StoreReport | None:
        """The store's report for the range, or None when the server cannot be asked."""
        with self.replica.read() as session:
            require_manager(session, manager)
            state = TerminalStateRepository(session).get()
            online, paired = state.online, bool(state.terminal_id)
            url = state.server_url or self.settings.server_url
        if not (online and paired and url):
            return None
        low, high = min(date_from, date_to), max(date_from, date_to)
        try:
            with SyncClient(url, self.credentials.token) as client:
                return client.store_report(low, high)
        except SyncError as error:
            log.info("store report unavailable, this till only: %s", error)
            return None
