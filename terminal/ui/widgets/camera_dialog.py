"""A dialog that shows the camera and closes as soon as a code is read."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal.ui.camera import CameraScanner
from terminal.ui.runner import Runner


class CameraDialog(QDialog):
    scanned = Signal(str)

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraDialog")
        self.scanner = CameraScanner(runner, self)
        self.view = QLabel()
        self.view.setMinimumSize(480, 360)
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.cancel_button)
        self.scanner.frame_ready.connect(self._show_frame)
        self.scanner.scanned.connect(self._scanned)
        self.scanner.failed.connect(self._failed)
        self.setWindowTitle(self.tr("Scan with the camera"))
        self.status.setText(self.tr("Hold the member card in front of the camera."))
        self.cancel_button.setText(self.tr("Cancel (Esc)"))

    def start(self) -> bool:
        return self.scanner.start()

    def _show_frame(self, image: QImage) -> None:
        pixmap = QPixmap.fromImage(image).scaled(
            self.view.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
        self.view.setPixmap(pixmap)

    def _scanned(self, text: str) -> None:
        self.scanned.emit(text)
        self.accept()

    def _failed(self, _reason: str) -> None:
        self.status.setText(self.tr("The camera could not be started."))

    def done(self, result: int) -> None:
        self.scanner.stop()
        super().done(result)
