"""Render every screen offscreen, in English and Chinese, at each supported window size,
into PNG files named ``<screen>_<language>_<width>x<height>.png``.

    QT_QPA_PLATFORM=offscreen python -m terminal.screenshots docs/screenshots

Runs on a temporary seeded replica with an in-memory keyring: it touches neither a real
data directory nor the OS keyring. Each screen is also checked for clipped text
(``terminal.ui.fit``); problems are printed, and ``tests/ui/test_screens_fit.py`` fails on
them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QWidget

from terminal.app import build_window, make_application
from terminal.demo_till import DemoTill, add_sample_activity, build_demo_till
from terminal.offline.credentials import ProcessKeyring
from terminal.services.slip_content import SlipKind
from terminal.ui.after_sale import after_sale_of
from terminal.ui.customer_display import CustomerDisplay, DisplayedMember
from terminal.ui.file_dialog import file_dialog, fit_columns
from terminal.ui.fit import clipped
from terminal.ui.main_window import MainWindow

SIZES = ((1024, 768), (1920, 1080))  # the smallest till screen supported, and full HD
LANGUAGES = ("en", "zh_CN")


@dataclass(frozen=True, slots=True)
class Shot:
    """One screen as rendered: ``widget`` is what was grabbed (the window or a dialog)."""

    name: str
    language: str
    size: tuple[int, int]
    widget: QWidget
    window: MainWindow

    @property
    def file_name(self) -> str:
        return f"{self.name}_{self.language}_{self.size[0]}x{self.size[1]}.png"


def settle(window: MainWindow, ms: int = 150) -> None:
    """Let queued work finish and the screen repaint (no user is waiting here)."""
    for _ in range(50):
        window.session.runner.wait_for_done(2000)
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
        if not window.session.runner.busy:
            return


Step = Callable[[], QWidget | None]  # returns the widget to grab when not the window


def _shots(
    window: MainWindow, till: DemoTill, folder: Path, language: str
) -> list[tuple[str, Step]]:
    services, seed = till.services, till.seed
    rich = max(seed.members, key=lambda m: m.balance)
    dialogs: list[QWidget] = []

    def sign_in() -> None:
        window.sign_in.staff_code.setText("M01")
        window.sign_in.pin_pad.press("9")
        window.sign_in.pin_pad.press("9")

    def checkout() -> None:
        window.session.sign_in(services.staff.sign_in("M01", "999999"))
        window.go("checkout")
        window.checkout.show_member(services.lookup.by_code(rich.member_code))
        settle(window)
        window.checkout.sale.amount.setText("36.00")  # points left empty: its placeholder

    def limit() -> None:
        window.checkout.sale.points.setText("2000")
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

    def void_reason() -> None:
        window.void.reason.setText("wrong amount")

    def account_history() -> None:
        """A member's account (F11): history with what expires, then adjust and profile."""
        window.go("checkout")
        window.checkout.show_member(services.lookup.by_code(rich.member_code))
        settle(window)
        window.checkout.account_button.click()
        settle(window)

    def account_adjust() -> None:
        window.account.tabs.setCurrentIndex(1)
        window.account.adjust.points.setText("-150")
        window.account.adjust.reason.setCurrentIndex(1)
        window.account.adjust.note.setText("R-0088")

    def account_profile() -> None:
        window.account.tabs.setCurrentIndex(2)
        window.account.profile.phone.setText("139 0000 4321")
        window.account.profile.consent.setCurrentIndex(1)

    def save_dialog() -> QWidget:
        """Qt's own dialog (the card's "Save as PDF"), as a till without a desktop shows it."""
        window.go("checkout")
        (folder / "member-cards").mkdir(exist_ok=True)
        (folder / "report-2026-12-01.pdf").write_bytes(b"%PDF-1.4\n")
        dialog = file_dialog(window, "", str(folder), "PDF (*.pdf)", save=True)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        fit_columns(dialog)
        dialog.resize(min(900, window.width() - 80), min(560, window.height() - 80))
        dialog.show()
        dialogs.append(dialog)
        return dialog

    def close_dialogs() -> None:
        for dialog in dialogs:
            dialog.close()
            dialog.deleteLater()
        dialogs.clear()
        window.go("reports")

    def slip() -> QWidget | None:
        """An earn at the checkout, then "Print slip": the slip's preview."""
        window.go("checkout")
        window.checkout.show_member(services.lookup.by_code(rich.member_code))
        settle(window)
        window.checkout.sale.amount.setText("128.00")
        window.checkout.sale.earn()
        settle(window)
        after_sale_of(window).print_slip()
        settle(window)
        return after_sale_of(window).dialog

    def customer_display() -> QWidget:
        """The customer's window after that earn, in the shot's language."""
        dialog = after_sale_of(window).dialog
        if dialog is not None:
            dialog.close()
        store, member = window.session.store, window.checkout.member
        display = CustomerDisplay(store.name, language, window.session.program, store.currency)
        display.setParent(window, Qt.WindowType.Window)  # goes with the window
        display.resize(*window.size().toTuple())
        if member is not None:
            shown = DisplayedMember(member.display_name, member.balance, member.lifetime_points)
            display.show_transaction(shown, SlipKind.EARN, 128, None)
        display.show()
        dialogs.append(display)
        return display

    def return_sale() -> None:
        """The Return screen: a receipt found, part of it about to go back."""
        for dialog in dialogs:
            dialog.close()
        window.go("returns")
        window.returns.receipt.setText("R0100")
        window.returns.find_sale()
        settle(window)
        window.returns.amount.setText("40.00")

    return [
        ("sign_in", sign_in),
        ("checkout", checkout),
        ("redeem_limit", limit),
        ("search", search),
        ("enroll", enroll),
        ("member_card", card),
        ("void", void),
        ("void_reason", void_reason),
        ("account_history", account_history),
        ("account_adjust", account_adjust),
        ("account_profile", account_profile),
        ("file_dialog", save_dialog),
        ("reports", close_dialogs),
        ("day_close", window.reports.day_close.start),
        ("rejected", lambda: window.go("rejected")),
        ("settings", lambda: window.go("settings")),
        ("slip", slip),
        ("customer_display", customer_display),
        ("return", return_sale),
        ("return_done", window.returns.submit),
    ]


def walk(
    languages: tuple[str, ...] = LANGUAGES, sizes: tuple[tuple[int, int], ...] = SIZES
) -> Iterator[Shot]:
    """Every screen in every language at every size, each once it has settled; the
    replica is a fresh demo one for each language and size."""
    previous = keyring.get_keyring()
    keyring.set_keyring(ProcessKeyring())
    make_application([])
    try:
        yield from _walk(languages, sizes)
    finally:
        keyring.set_keyring(previous)


def _walk(languages: tuple[str, ...], sizes: tuple[tuple[int, int], ...]) -> Iterator[Shot]:
    for language in languages:
        for size in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                till = build_demo_till(Path(tmp), members=12)
                add_sample_activity(till)
                window = build_window(till.backend, language=language)
                window.resize(*size)
                window.show()
                settle(window)
                try:
                    for name, step in _shots(window, till, Path(tmp), language):
                        shown = step()
                        settle(window)
                        yield Shot(name, language, size, shown or window, window)
                finally:
                    window.close()
                    window.session.runner.wait_for_done(5000)
                    window.deleteLater()
                    QCoreApplication.processEvents()
                    till.replica.close()


def render(out_dir: Path) -> tuple[list[Path], list[str]]:
    """Write every shot as a PNG; returns the files and every clipped text found."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    problems: list[str] = []
    for shot in walk():
        path = out_dir / shot.file_name
        shot.widget.grab().save(str(path))
        written.append(path)
        problems += [f"{shot.file_name}: {line}" for line in check(shot)]
    return written, problems


def check(shot: Shot) -> list[str]:
    """Clipped texts of a shot, and a window that grew past its size (a layout jump)."""
    problems = clipped(shot.widget)
    width, height = shot.size
    if shot.window.width() > width or shot.window.height() > height:
        problems.append(
            f"the window grew to {shot.window.width()}x{shot.window.height()} "
            f"(was {width}x{height})"
        )
    return problems


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("docs/screenshots"))
    args = parser.parse_args()
    written, problems = render(args.out_dir)
    for path in written:
        print(path)
    for line in problems:
        print("CLIPPED", line)


if __name__ == "__main__":
    main()
