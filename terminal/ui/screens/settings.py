"""Settings: language (switches at once), server and pairing details, sync now."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.base import Retranslating, message_area
from terminal.ui.i18n import LANGUAGES
from terminal.ui.messages import error_message
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
        self.pair_server = QLineEdit()
        self.pair_server.setObjectName("pairServer")
        self.pair_code = QLineEdit()
        self.pair_code.setObjectName("pairCode")
        self.pair_code.returnPressed.connect(self.pair)
        self.pair_button = QPushButton()
        self.pair_button.setObjectName("pairButton")
        self.pair_button.clicked.connect(self.pair)
        self.pair_message = QLabel()
        self.pair_message.setObjectName("pairMessage")
        message_area(self.pair_message, 2)
        self.sync_button = QPushButton()
        self.sync_button.setObjectName("syncNow")
        self.sync_button.clicked.connect(self._sync_now)
        self.note = QLabel()
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.labels = [QLabel() for _ in range(6)]
        form = QFormLayout()
        form.addRow(self.labels[0], self.language)
        form.addRow(self.labels[1], self.server)
        form.addRow(self.labels[2], self.store)
        form.addRow(self.labels[3], self.terminal)
        form.addRow(self.labels[4], self.pair_server)
        pair_row = QHBoxLayout()
        pair_row.addWidget(self.pair_code, 1)
        pair_row.addWidget(self.pair_button)
        form.addRow(self.labels[5], pair_row)
        form.addRow("", self.pair_message)
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
        self.server.setText(store.server_url or "—")
        self.labels[4].setText(self.tr("Pair with server"))
        self.labels[5].setText(self.tr("Pairing code"))
        self.pair_server.setPlaceholderText("https://sync.example.com")
        if not self.pair_server.text():
            self.pair_server.setText(store.server_url)
        self.pair_code.setPlaceholderText(self.tr("one-time code from head office"))
        self.pair_button.setText(self.tr("Pair"))
        self.pair_button.setVisible(self.session.backend.pair is not None)
        self.store.setText(f"{store.store_code} {store.name}".strip() or "—")
        self.terminal.setText(store.terminal_id or self.tr("not paired"))
        self.sync_button.setText(self.tr("Sync now"))
        self.note.setText(
            self.tr("The till keeps working offline and sends its queue when the server is back.")
        )

    def show_language(self, code: str) -> None:
        index = self.language.findData(code)
        if index >= 0:
            self.language.setCurrentIndex(index)

    def pair(self) -> None:
        pair = self.session.backend.pair
        if pair is None or not self.pair_button.isEnabled():
            return
        self.pair_button.setEnabled(False)
        self.pair_message.setText(self.tr("Pairing…"))
        self.session.runner.submit(
            pair,
            self.pair_server.text(),
            self.pair_code.text(),
            on_result=self._paired,
            on_error=self._pair_failed,
            context=self,
        )

    def _paired(self, _pairing: object) -> None:
        self.pair_button.setEnabled(True)
        self.pair_code.clear()
        self.pair_message.setText(self.tr("Paired. The till now syncs with head office."))
        backend = self.session.backend
        self.session.runner.submit(
            lambda: (backend.store_info(), backend.program()),
            on_result=lambda facts: self.session.set_store(*facts),
            context=self,
        )
        self.session.changed()

    def _pair_failed(self, error: BaseException) -> None:
        self.pair_button.setEnabled(True)
        self.pair_message.setText(error_message(error, self.session.currency))

    def _sync_now(self) -> None:
        self.session.runner.submit(self.session.backend.sync_now, context=self)
