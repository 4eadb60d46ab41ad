"""The real till window for the X11 tests:
``python -m tests.ui.xapp DATA_DIR [--kiosk] [--scanner-gap=MS]``.

It builds a seeded replica in DATA_DIR (real services, real SQLite), opens the window as
``run_gui`` does on the display in ``$DISPLAY`` and answers one-line commands on stdin
with one JSON line on stdout, so a test that types with xdotool can see what the cashier
would see:

- ``state``: the screen shown, the member on checkout, the focused widget, the text of
  every named line edit and label, and where each visible line edit is on the screen;
- ``quit``: close the window and exit.

The first line it prints is ``{"ready": true, "members": [...], "staff": [...]}``.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import keyring
from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from terminal.app import build_window, make_application, show_window
from terminal.demo_till import build_demo_till
from terminal.offline.credentials import ProcessKeyring
from terminal.services.seed import DEFAULT_STAFF


def _named_texts(window: QWidget, kind: type[QLineEdit] | type[QLabel]) -> dict[str, str]:
    return {w.objectName(): w.text() for w in window.findChildren(kind) if w.objectName()}


def _centres(window: QWidget) -> dict[str, list[int]]:
    """Where each visible named line edit is on the screen (for a real click)."""
    found = {}
    for widget in window.findChildren(QLineEdit):
        if widget.objectName() and widget.isVisible():
            centre = widget.mapToGlobal(widget.rect().center())
            found[widget.objectName()] = [centre.x(), centre.y()]
    return found


def state(window: Any) -> dict[str, object]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    focus = app.focusWidget()
    member = window.checkout.member
    return {
        "screen": type(window.current()).__name__,
        "member": member.member_code if member is not None else None,
        "staff": window.session.staff.staff_code if window.session.staff else None,
        "focus": focus.objectName() if focus is not None else None,
        "active": window.isActiveWindow(),
        "full_screen": window.isFullScreen(),
        "geometry": [window.width(), window.height()],
        "screen_size": [window.screen().size().width(), window.screen().size().height()],
        "fields": _named_texts(window, QLineEdit),
        "labels": _named_texts(window, QLabel),
        "centres": _centres(window),
    }


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("terminal.ui.scanner").setLevel(logging.DEBUG)  # its reasons on stderr
    keyring.set_keyring(ProcessKeyring())
    data_dir = Path(argv[0])
    app = make_application()
    till = build_demo_till(data_dir, members=12)
    gap = next((int(a.split("=", 1)[1]) for a in argv if a.startswith("--scanner-gap=")), 40)
    settings = till.settings.model_copy(update={"scanner_max_gap_ms": gap})
    window = build_window(till.backend, language="en", auto_lock_seconds=600, settings=settings)
    show_window(window, kiosk="--kiosk" in argv)
    window.activateWindow()

    def command() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            window.close()
            app.exit(0)
            return
        reply = state(window) if line.strip() == "state" else {"error": line.strip()}
        print(json.dumps(reply, ensure_ascii=False), flush=True)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(command)
    ready = {
        "ready": True,
        "members": [m.member_code for m in till.seed.members],
        "staff": [[s.staff_code, s.pin, s.role] for s in DEFAULT_STAFF],
    }
    print(json.dumps(ready), flush=True)
    try:
        return int(app.exec())
    finally:
        window.session.runner.shutdown()
        till.replica.close()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
