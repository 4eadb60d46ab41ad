"""The window the customer sees: on the second screen when the till has one.

It follows the checkout: idle words while no member is on the till, the member's name
and balance once one is, and after a transaction what it did ("You earned 120 pts"),
the balance and how far the next tier is. It speaks the member's language when the till
knows it, else the store's, whatever language the cashier's screens are in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from shared.domain.program import LoyaltyProgram
from shared.domain.tier_progress import tier_progress
from terminal.services.slip_content import SlipKind, tier_name
from terminal.ui.formatting import format_money
from terminal.ui.slip_wording import display_words, slip_language, wording

STYLE = """
#customerDisplay { background: #0d1b2a; }
#customerDisplay QLabel { color: #f0f4f8; }
#customerDisplay QLabel#displayStore { font-size: 22pt; color: #9fb3c8; }
#customerDisplay QLabel#displayGreeting { font-size: 40pt; font-weight: 600; }
#customerDisplay QLabel#displayMovement { font-size: 34pt; font-weight: 600; color: #7ee2a8; }
#customerDisplay QLabel#displayBalance { font-size: 30pt; }
#customerDisplay QLabel#displayTier { font-size: 20pt; color: #9fb3c8; }
"""


@dataclass(frozen=True, slots=True)
class DisplayedMember:
    """What the display shows of a member (from a ``MemberView``)."""

    name: str
    balance: int
    lifetime_points: int
    language: str | None = None  # the member's, when the till knows it
    # a program whose tiers go by period: the tier held and the last day it is kept
    tier_code: str = ""
    tier_until: date | None = None


def pick_screen(main: QScreen | None) -> QScreen | None:
    """A screen other than the cashier's, or None when the till has only one."""
    others = [screen for screen in QGuiApplication.screens() if screen is not main]
    return others[0] if others and len(QGuiApplication.screens()) > 1 else None


class CustomerDisplay(QWidget):
    """A top-level window; ``place(main_screen)`` puts it full screen on another screen."""

    def __init__(
        self, store_name: str, store_language: str, program: LoyaltyProgram, currency: str
    ) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("customerDisplay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.store_name = store_name
        self.store_language = store_language
        self.program = program
        self.currency = currency
        self.language = store_language
        self.store = self._label("displayStore")
        self.greeting = self._label("displayGreeting")
        self.movement = self._label("displayMovement")
        self.balance = self._label("displayBalance")
        self.tier = self._label("displayTier")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(self.store)
        layout.addStretch(1)
        for label in (self.greeting, self.movement, self.balance, self.tier):
            layout.addWidget(label)
        layout.addStretch(2)
        self.setWindowTitle(store_name)
        self.show_idle()

    @staticmethod
    def _label(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        return label

    def place(self, main: QScreen | None) -> None:
        """Full screen on a second screen if there is one, else a window beside the till."""
        screen = pick_screen(main)
        if screen is not None:
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
            self.showFullScreen()
        else:
            self.resize(800, 480)
            self.show()

    # --- what it shows ----------------------------------------------------------------

    def _words(self, member_language: str | None) -> dict[str, str]:
        self.language = slip_language(member_language, self.store_language)
        return display_words(self.language)

    def _points(self, points: int, signed: bool = False) -> str:
        text = wording(self.language).points
        return text.replace("%1", f"{'+' if signed and points > 0 else ''}{points:,}")

    def show_idle(self) -> None:
        words = self._words(None)
        self.store.setText(self.store_name)
        self.greeting.setText(words["welcome"])
        self.movement.setText("")
        self.balance.setText(words["idle"])
        self.tier.setText("")

    def show_member(self, member: DisplayedMember) -> None:
        words = self._words(member.language)
        self.greeting.setText(words["hello"].replace("%1", member.name))
        self.movement.setText("")
        self.balance.setText(words["balance"].replace("%1", self._points(member.balance)))
        self.tier.setText(self._progress(member))

    def show_transaction(
        self, member: DisplayedMember, kind: SlipKind, points: int, value_cents: int | None
    ) -> None:
        """After ``kind`` moved ``points`` (and gave ``value_cents`` off, for coupons)."""
        self.show_member(member)
        words = display_words(self.language)
        texts = {
            SlipKind.EARN: words["earned"].replace("%1", self._points(points, True)),
            SlipKind.REDEEM: words["redeemed"].replace("%1", self._points(-points)),
            SlipKind.COUPON: words["coupon"].replace(
                "%1", format_money(value_cents or 0, self.currency)
            ),
            SlipKind.VOID: words["voided"].replace("%1", self._points(points, True)),
            SlipKind.ENROL: words["enrolled"],
            SlipKind.ADJUST: self._points(points, True),
        }
        self.movement.setText(texts[kind])

    def _progress(self, member: DisplayedMember) -> str:
        words = wording(self.language)
        held = next((t for t in self.program.tiers if t.code == member.tier_code), None)
        if self.program.rules_for_tiers.by_period and held is not None:
            if member.tier_until is None:
                return tier_name(held, words)
            until = words.tier_until.replace("%1", member.tier_until.isoformat())
            return f"{tier_name(held, words)} · {until}"
        progress = tier_progress(self.program, member.lifetime_points)
        if progress.next_tier is None:
            return f"{tier_name(progress.tier, words)} · {words.top_tier}"
        to_next = words.to_next.replace("%1", self._points(progress.points_to_next))
        return to_next.replace("%2", tier_name(progress.next_tier, words))

    def texts(self) -> list[str]:
        """What the customer reads, top to bottom (tests and checks)."""
        labels = (self.store, self.greeting, self.movement, self.balance, self.tier)
        return [label.text() for label in labels if label.text()]
