"""Settings: language (switches at once), server and pairing details, sync now."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal.ui.base import Retranslating
from terminal.ui.i18n import LANGUAGES
from terminal.ui.session import TillSession


class SettingsScreen(Retranslating):
    language_chosen = Signal(str)

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.language = QComboBox()
        self.language.setObjectName("languageCombo")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.activated.connect(
            lambda index: self.language_chosen.emit(self.language.itemData(index))
        )
        self.server = QLabel()
        self.server.setObjectName("serverUrl")
        self.store = QLabel()
        self.terminal = QLabel()
        self.terminal.setObjectName("terminalId")
        self.sync_button = QPushButton()
        self.sync_button.setObjectName("syncNow")
        self.sync_button.clicked.connect(self._sync_now)
        self.note = QLabel()
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.labels = [QLabel() for _ in range(4)]
        form = QFormLayout()
        form.addRow(self.labels[0], self.language)
        form.addRow(self.labels[1], self.server)
        form.addRow(self.labels[2], self.store)
        form.addRow(self.labels[3], self.terminal)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.sync_button)
        layout.addWidget(self.note)
        layout.addStretch(1)
        session.store_changed.connect(lambda _store: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        store = self.session.store
        self.title.setText(self.tr("Settings"))
        self.labels[0].setText(self.tr("Language"))
        self.labels[1].setText(self.tr("Sync server"))
        self.labels[2].setText(self.tr("Store"))
        self.labels[3].setText(self.tr("Terminal"))
        self.server.setText(self.session.backend.server_url or "—")
        self.store.setText(f"{store.store_code} {store.name}".strip() or "—")
        self.terminal.setText(store.terminal_id or self.tr("not paired"))
        self.sync_button.setText(self.tr("Sync now"))
        self.note.setText(
            self.tr(
                "The server address and pairing are set with `pos-terminal pair`; "
                "the till keeps working offline and sends its queue when the server is back."
            )
        )

    def show_language(self, code: str) -> None:
        index = self.language.findData(code)
        if index >= 0:
            self.language.setCurrentIndex(index)

    def _sync_now(self) -> None:
        self.session.runner.submit(self.session.backend.sync_now, context=self)
