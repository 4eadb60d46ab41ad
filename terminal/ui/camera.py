"""Reading member cards from a camera or an image file (``terminal.ui.qr_reader``).

Decoding runs off the GUI thread through :class:`~terminal.ui.runner.Runner`. The camera
needs QtMultimedia (PySide6-Addons and, on Linux, libpulse0); when it is missing,
:func:`camera_available` says so and the screen hides the camera button.
"""

from __future__ import annotations

import functools
import importlib
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from terminal.ui.qr_reader import read_grey, read_image_file
from terminal.ui.runner import Runner

log = logging.getLogger(__name__)


def gray_bytes(image: QImage) -> tuple[bytes, int, int]:
    """8-bit grayscale pixels of ``image`` (call on the GUI thread; it is fast)."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    raw = bytes(gray.constBits())
    if stride != width:
        raw = b"".join(raw[row * stride : row * stride + width] for row in range(height))
    return raw, width, height


def decode_gray(raw: bytes, width: int, height: int) -> list[str]:
    """Every barcode/QR text in 8-bit grayscale pixels (no Qt: any thread). Dark-mode
    phones, rotated, small, blurred and noisy codes too (``terminal.ui.qr_reader``)."""
    return read_grey(raw, width, height)


def decode_qimage(image: QImage) -> list[str]:
    """Every barcode/QR text in ``image`` (on the GUI thread)."""
    if image.isNull():
        return []
    return decode_gray(*gray_bytes(image))


def decode_image_file(path: str | Path) -> list[str]:
    """Every barcode/QR text in the image file at ``path`` (Pillow, no Qt: any thread)."""
    return read_image_file(path)


def _multimedia() -> Any | None:
    try:
        return importlib.import_module("PySide6.QtMultimedia")
    except ImportError as error:  # Addons not installed, or libpulse missing
        log.info("camera scanning unavailable: %s", error)
        return None


@functools.cache
def camera_available() -> bool:
    module = _multimedia()
    return module is not None and bool(module.QMediaDevices.videoInputs())


class CameraScanner(QObject):
    """Shows camera frames and decodes one frame at a time until a code is found."""

    scanned = Signal(str)
    frame_ready = Signal(QImage)
    failed = Signal(str)

    def __init__(self, runner: Runner, parent: QObject | None = None, interval_ms: int = 150):
        super().__init__(parent)
        self._runner = runner
        self._interval_ns = interval_ms * 1_000_000
        self._last_decode_ns = 0
        self._decoding = False
        self._camera: Any = None
        self._session: Any = None
        self._sink: Any = None

    def start(self) -> bool:
        module = _multimedia()
        if module is None or not module.QMediaDevices.videoInputs():
            self.failed.emit("no_camera")
            return False
        self._camera = module.QCamera(module.QMediaDevices.defaultVideoInput(), self)
        self._session = module.QMediaCaptureSession(self)
        self._sink = module.QVideoSink(self)
        self._session.setCamera(self._camera)
        self._session.setVideoSink(self._sink)
        self._sink.videoFrameChanged.connect(self._on_frame)
        self._camera.errorOccurred.connect(lambda _code, text: self.failed.emit(text))
        self._camera.start()
        return True

    def stop(self) -> None:
        if self._camera is not None:
            self._camera.stop()
        self._camera = self._session = self._sink = None

    def _on_frame(self, frame: Any) -> None:
        image = frame.toImage()
        self.frame_ready.emit(image)
        now = time.monotonic_ns()
        if self._decoding or now - self._last_decode_ns < self._interval_ns:
            return
        self._decoding = True
        self._last_decode_ns = now
        self._runner.submit(
            decode_gray,
            *gray_bytes(image),
            on_result=self._on_decoded,
            on_error=self._on_decode_error,
            context=self,
        )

    def _on_decoded(self, texts: list[str]) -> None:
        self._decoding = False
        if texts and self._camera is not None:
            self.stop()
            self.scanned.emit(texts[0])

    def _on_decode_error(self, error: BaseException) -> None:
        self._decoding = False
        log.warning("could not decode a camera frame: %s", error)
