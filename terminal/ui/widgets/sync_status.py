"""Online/offline, queued events, last sync and rejected events, always in view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from terminal.ui.base import Retranslating
from terminal.ui.formatting import format_time


@dataclass(frozen=True, slots=True)
class SyncStatusView:
    online: bool
    queued: int
    last_sync: datetime | None
    rejected: int
    staff_name: str = ""  # data (as head office typed it); the role label is the UI's
    staff_is_manager: bool = False
    timezone: str = "UTC"  # the store's: the last sync is shown on its clock
    syncing: bool = False  # the queue is draining to head office right now


class SyncStatusWidget(Retranslating):
    """Lives in the main window's status bar; ``rejected_clicked`` opens the list."""

    rejected_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status: SyncStatusView | None = None
        self.role_label = QLabel()  # the UI's word for the role, beside the name (data)
        self.role_label.setObjectName("statusRole")
        self.staff_label = QLabel()
        self.staff_label.setObjectName("statusStaff")
        self.online_label = QLabel()
        self.online_label.setObjectName("statusOnline")
        self.queued_label = QLabel()
        self.queued_label.setObjectName("statusQueued")
        self.last_sync_label = QLabel()
        self.last_sync_label.setObjectName("statusLastSync")
        self.rejected_button = QPushButton()
        self.rejected_button.setObjectName("statusRejected")
        self.rejected_button.setProperty("role", "link")
        self.rejected_button.clicked.connect(self.rejected_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(16)
        who = QHBoxLayout()  # role and name read as one: "Manager 王芳"
        who.setSpacing(6)
        who.addWidget(self.role_label)
        who.addWidget(self.staff_label)
        who.addStretch(1)
        layout.addLayout(who)
        for widget in (
            self.online_label,
            self.queued_label,
            self.last_sync_label,
            self.rejected_button,
        ):
            layout.addWidget(widget)
        self.retranslate()

    @property
    def queued(self) -> int:
        return self.status.queued if self.status else 0

    def show_status(self, status: SyncStatusView) -> None:
        self.status = status
        self.retranslate()

    def retranslate(self) -> None:
        status = self.status
        if status is None:
            self.online_label.setText(self.tr("Starting…"))
            self.role_label.setVisible(False)
            for widget in (self.queued_label, self.last_sync_label, self.rejected_button):
                widget.setVisible(False)
            return
        self.role_label.setText(
            self.tr("Manager") if status.staff_is_manager else self.tr("Cashier")
        )
        self.role_label.setVisible(bool(status.staff_name))
        self.staff_label.setText(status.staff_name)
        self.staff_label.setVisible(bool(status.staff_name))
        if status.syncing:
            state, colour = self.tr("Syncing…"), "#9a6700"
        elif status.online:
            state, colour = self.tr("Online"), "#1a7f37"
        else:
            state, colour = self.tr("Offline"), "#b3261e"
        self.online_label.setText("● " + state)
        self.online_label.setStyleSheet(f"color: {colour}")
        self.queued_label.setText(self.tr("Queued: %1").replace("%1", str(status.queued)))
        self.last_sync_label.setText(
            self.tr("Last sync: %1").replace("%1", format_time(status.last_sync, status.timezone))
        )
        self.rejected_button.setText(self.tr("Rejected: %1").replace("%1", str(status.rejected)))
        for widget in (self.queued_label, self.last_sync_label):
            widget.setVisible(True)
        self.rejected_button.setVisible(status.rejected > 0)
