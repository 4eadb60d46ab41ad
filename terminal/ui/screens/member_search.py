"""The always-ready search/scan field with live, paged results.

What the cashier types decides the search: four digits are a phone tail, letters (or
CJK) a name prefix, a long digit string or ``MBR:...`` a member code (on Enter), eleven
digits or ``+...`` a full phone number (on Enter). Results of an older query never
replace those of a newer one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.services import MemberPage, MemberView
from terminal.ui.base import Retranslating
from terminal.ui.camera import camera_available, decode_image_file
from terminal.ui.file_dialog import ask_file_name
from terminal.ui.formatting import format_points
from terminal.ui.messages import error_message
from terminal.ui.session import TillSession

LIVE_DELAY_MS = 180


def classify(text: str) -> str:
    """``code``, ``phone``, ``last4``, ``name`` or ``""`` (nothing to search yet)."""
    query = text.strip()
    if not query:
        return ""
    if query.upper().startswith("MBR:"):
        return "code"
    digits = query.replace(" ", "").replace("-", "")
    if digits.startswith("+") or (digits.isdigit() and len(digits) == 11):
        return "phone"
    if digits.isdigit():
        if len(digits) == 4:
            return "last4"
        return "code" if len(digits) >= 12 else ""
    return "name"


class MemberSearch(Retranslating):
    member_found = Signal(object)  # MemberView
    results_visible = Signal(bool)
    failed = Signal(str)

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._generation = 0
        self._query = ""
        self._kind = ""
        self._page = 0
        self.field = QLineEdit()
        self.field.setObjectName("searchField")
        self.field.setClearButtonEnabled(True)
        self.field.textEdited.connect(self._text_edited)
        self.field.returnPressed.connect(self.search_now)
        self.field.installEventFilter(self)  # Down: into the results
        self.camera_button = QPushButton()
        self.camera_button.setObjectName("cameraScan")
        self.camera_button.clicked.connect(self.open_camera)
        self.camera_button.setVisible(camera_available())
        self.image_button = QPushButton()
        self.image_button.setObjectName("imageScan")
        self.image_button.clicked.connect(self._scan_image_file)
        self.results = QListWidget()
        self.results.setObjectName("searchResults")
        self.results.itemActivated.connect(self._picked)
        self.results.itemClicked.connect(self._picked)
        self.more_button = QPushButton()
        self.more_button.setObjectName("moreResults")
        self.more_button.clicked.connect(self.load_more)
        self.hint = QLabel()
        self.hint.setObjectName("searchHint")
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._live_search)

        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(self.camera_button)
        row.addWidget(self.image_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        # The results live in their own area, which the checkout shows in place of the
        # member panel while a search is open.
        self.results_area = QWidget()
        area = QVBoxLayout(self.results_area)
        area.setContentsMargins(0, 0, 0, 0)
        area.addWidget(self.results, 1)
        area.addWidget(self.more_button)
        self._show_results(None)
        self.retranslate()

    def retranslate(self) -> None:
        self.field.setPlaceholderText(
            self.tr("Scan a card, or type phone last 4 digits, a name or a member no.")
        )
        self.camera_button.setText(self.tr("Camera"))
        self.image_button.setText(self.tr("Image…"))
        self.more_button.setText(self.tr("More results"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down (or Page Down) in the field moves into the results; Enter there picks."""
        if (
            watched is self.field
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
            and self.results.count()
        ):
            self.results.setFocus()
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)
            return True
        return super().eventFilter(watched, event)

    def focus(self) -> None:
        self.field.setFocus()
        self.field.selectAll()

    def clear(self) -> None:
        self._generation += 1
        self.field.clear()
        self._set_hint("")
        self._show_results(None)

    # --- lookups ------------------------------------------------------------------

    def lookup_scan(self, payload: str) -> None:
        """A scanner burst or a decoded camera frame: straight to the member."""
        self._generation += 1
        self._timer.stop()
        self.field.clear()
        self._show_results(None)
        self._run(self.session.services.lookup.by_scan, payload, on_result=self._found)

    def search_now(self) -> None:
        self._timer.stop()
        text = self.field.text().strip()
        kind = classify(text)
        self._generation += 1
        if kind == "code":
            self._run(self.session.services.lookup.by_scan, text, on_result=self._found)
        elif kind == "phone":
            self._run(self.session.services.lookup.by_phone, text, on_result=self._found)
        elif kind in ("last4", "name"):
            if text == self._query and self.results.count() == 1:
                self._picked(self.results.item(0))
            elif text == self._query and self.results.currentItem() is not None:
                self._picked(self.results.currentItem())
            else:
                self._start_paged(kind, text)

    def load_more(self) -> None:
        if self._kind:
            self._fetch_page(self._page + 1)

    def _text_edited(self, _text: str) -> None:
        self._timer.start(LIVE_DELAY_MS)

    def _live_search(self) -> None:
        text = self.field.text().strip()
        kind = classify(text)
        if kind in ("last4", "name"):
            self._generation += 1
            self._start_paged(kind, text)
        elif not text:
            self._generation += 1
            self._show_results(None)

    def _start_paged(self, kind: str, text: str) -> None:
        self._kind, self._query, self._page = kind, text, 0
        self.results.clear()
        self._fetch_page(0)

    def _fetch_page(self, page: int) -> None:
        lookup = self.session.services.lookup
        fn = lookup.by_phone_last4 if self._kind == "last4" else lookup.by_name
        self._run(fn, self._query, page, on_result=self._got_page)

    def _run(self, fn: object, *args: object, on_result: object) -> None:
        generation = self._generation

        def if_current(handler: Any) -> Callable[[Any], None]:
            return lambda value: handler(value) if generation == self._generation else None

        self.session.runner.submit(
            fn,  # type: ignore[arg-type]
            *args,
            on_result=if_current(on_result),
            on_error=if_current(self._failed),
            context=self,
        )

    def _got_page(self, page: MemberPage) -> None:
        self._page = page.page
        for member in page.items:
            item = QListWidgetItem(self._row_text(member))
            item.setData(Qt.ItemDataRole.UserRole, member)
            self.results.addItem(item)
        self._show_results(page)
        if page.page == 0 and not page.items:
            self._set_hint(self.tr("No member found."))
        else:
            self._set_hint(self.tr("Members shown: %1").replace("%1", str(self.results.count())))

    def _set_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def _show_results(self, page: MemberPage | None) -> None:
        if page is None:
            self.results.clear()
            self._kind = ""
        self.more_button.setVisible(bool(page and page.has_more))
        self.results_visible.emit(self.results.count() > 0 or page is not None)

    def _row_text(self, member: MemberView) -> str:
        return f"{member.display_name}   {member.phone_masked}   {format_points(member.balance)}"

    def _picked(self, item: QListWidgetItem) -> None:
        member = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(member, MemberView):
            self._found(member)

    def _found(self, member: MemberView) -> None:
        self._set_hint("")
        self.results_visible.emit(False)
        self.member_found.emit(member)

    def _failed(self, error: BaseException) -> None:
        message = error_message(error, self.session.currency)
        self._set_hint(message)
        self.failed.emit(message)

    def open_camera(self) -> None:
        from terminal.ui.widgets.camera_dialog import CameraDialog

        dialog = CameraDialog(self.session.runner, self)
        dialog.scanned.connect(self.lookup_scan)
        if dialog.start():
            dialog.open()
        else:
            self._set_hint(self.tr("No camera found."))
            dialog.deleteLater()

    def _scan_image_file(self) -> None:
        images = self.tr("Images (*.png *.jpg *.jpeg *.bmp)")
        path = ask_file_name(self, self.tr("Scan from an image"), "", images, save=False)
        if path:
            self.scan_image_file(path)

    def scan_image_file(self, path: str) -> None:
        self.session.runner.submit(
            decode_image_file, path, on_result=self._decoded, on_error=self._failed, context=self
        )

    def _decoded(self, texts: list[str]) -> None:
        if texts:
            self.lookup_scan(texts[0])
        else:
            self._set_hint(self.tr("No barcode or QR code found in this image."))
