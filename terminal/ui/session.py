"""Who is signed in at this till and what the screens share (store, currency, program)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from terminal.services import Services, StaffSession
from terminal.ui.backend import Backend, StoreInfo
from terminal.ui.runner import Runner


class TillSession(QObject):
    """Shared state of the till; screens listen to its signals to redraw."""

    signed_in = Signal(object)
    signed_out = Signal()
    store_changed = Signal(object)
    activity = Signal()  # something changed the replica: refresh counts

    def __init__(self, backend: Backend, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.staff: StaffSession | None = None
        self.store = StoreInfo()
        self.program: LoyaltyProgram = DEFAULT_PROGRAM

    @property
    def currency(self) -> str:
        return self.store.currency

    @property
    def timezone(self) -> str:
        """The store's time zone: the clock of every time shown (``formatting.store_time``)."""
        return self.store.timezone

    @property
    def services(self) -> Services:
        return self.backend.services

    def sign_in(self, staff: StaffSession) -> None:
        self.staff = staff
        self.signed_in.emit(staff)

    def sign_out(self) -> None:
        if self.staff is not None:
            self.staff = None
            self.signed_out.emit()

    def set_store(self, store: StoreInfo, program: LoyaltyProgram) -> None:
        self.store = store
        self.program = program
        self.store_changed.emit(store)

    def changed(self) -> None:
        """Call after any write so the status bar and lists refresh at once."""
        self.activity.emit()
        self.backend.sync_now()
