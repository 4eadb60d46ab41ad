"""Render each main screen offscreen, in English and Chinese, into PNG files.

    QT_QPA_PLATFORM=offscreen python -m terminal.ui.screenshots docs/screenshots

Runs on a temporary seeded replica with an in-memory keyring: it touches neither a real
data directory nor the OS keyring.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import keyring
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QWidget

from terminal.app import (
    DemoTill,
    add_sample_activity,
    build_demo_till,
    build_window,
    make_application,
)
from terminal.offline.credentials import ProcessKeyring
from terminal.ui.main_window import MainWindow

SIZE = (1280, 800)


def settle(window: MainWindow, ms: int = 150) -> None:
    """Let queued work finish and the screen repaint (no user is waiting here)."""
    for _ in range(50):
        window.session.runner.wait_for_done(2000)
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
        if not window.session.runner.busy:
            return


def _shots(window: MainWindow, till: DemoTill) -> list[tuple[str, Callable[[], None]]]:
    services, seed = till.services, till.seed
    rich = max(seed.members, key=lambda m: m.balance)

    def sign_in() -> None:
        window.sign_in.staff_code.setText("M01")
        window.sign_in.pin_pad.press("9")
        window.sign_in.pin_pad.press("9")

    def checkout() -> None:
        window.session.sign_in(services.staff.sign_in("M01", "999999"))
        window.go("checkout")
        window.checkout.show_member(services.lookup.by_code(rich.member_code))
        settle(window)
        window.checkout.sale.amount.setText("36.00")
        window.checkout.sale.points.setText("2000")

    def limit() -> None:
        window.checkout.sale.redeem()

    def search() -> None:
        window.checkout.clear()
        window.checkout.search.field.setText(seed.members[0].name[:1])
        window.checkout.search.search_now()

    def enroll() -> None:
        window.go("enroll")
        window.enroll.name.setText("赵敏")
        window.enroll.phone.setText("138 0000")
        window.enroll.consent.setChecked(True)
        window.enroll.submit()

    def card() -> None:
        window.card.show_member(services.lookup.by_code(seed.members[1].member_code))
        window.stack.setCurrentWidget(window.card)

    def void() -> None:
        window.go("checkout")
        window.checkout.show_member(services.lookup.by_code(seed.members[0].member_code))
        settle(window)
        window.checkout.void_button.click()
        window.void.reason.setText("wrong amount")

    return [
        ("sign_in", sign_in),
        ("checkout", checkout),
        ("redeem_limit", limit),
        ("search", search),
        ("enroll", enroll),
        ("member_card", card),
        ("void", void),
        ("reports", lambda: window.go("reports")),
        ("day_close", window.reports.day_close.start),
        ("rejected", lambda: window.go("rejected")),
        ("settings", lambda: window.go("settings")),
    ]


def render(out_dir: Path, languages: tuple[str, ...] = ("en", "zh_CN")) -> list[Path]:
    keyring.set_keyring(ProcessKeyring())
    make_application([])
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for language in languages:
        with tempfile.TemporaryDirectory() as tmp:
            till = build_demo_till(Path(tmp), members=12)
            add_sample_activity(till)
            window = build_window(till.backend, language=language)
            window.resize(*SIZE)
            window.show()
            settle(window)
            for name, step in _shots(window, till):
                step()
                settle(window)
                path = out_dir / f"{name}_{language}.png"
                _grab(window).save(str(path))
                written.append(path)
            window.close()
            window.session.runner.wait_for_done(5000)
            window.deleteLater()
            QCoreApplication.processEvents()
            till.replica.close()
    return written


def _grab(window: QWidget):  # type: ignore[no-untyped-def]
    return window.grab()


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("docs/screenshots"))
    args = parser.parse_args()
    for path in render(args.out_dir):
        print(path)


if __name__ == "__main__":
    main()
