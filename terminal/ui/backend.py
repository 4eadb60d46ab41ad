"""What the screens call: the services, plus the sync control of the composition root.

Qt-free. ``Backend`` is built by the composition root (``terminal/app.py``) and handed to
the main window; screens call it only through :class:`~terminal.ui.runner.Runner`.
Store facts, the program, reports and the terminal's language all come from the
services (``services.store``, ``services.reports``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.domain.program import LoyaltyProgram
from terminal.services import ReportView, Services, StoreInfo, TopMember


@dataclass(slots=True)
class Backend:
    services: Services
    sync_now: Callable[[], None] = lambda: None
    pair: Callable[[str, str], object] | None = None  # (server_url, pairing code)
    # Builds the DayCloseService of the sync service (call it off the GUI thread: it may
    # import httpx); None when the till has no sync (cannot close a day).
    day_close: Callable[[], Any] | None = None
    # Asks head office for a member's history and expiring points and keeps them on the
    # replica (off the GUI thread); False when it cannot. None: a till without sync.
    member_summary: Callable[[str], bool] | None = None

    def store_info(self) -> StoreInfo:
        return self.services.store.info()

    def program(self) -> LoyaltyProgram:
        return self.services.store.program()


__all__ = ["Backend", "ReportView", "StoreInfo", "TopMember"]
