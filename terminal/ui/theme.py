"""Look of the till: large type and touch targets, CJK-capable fonts, high-DPI friendly."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

_PREFERRED_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei")

STYLESHEET = """
QWidget { font-size: 15pt; }
QPushButton { min-height: 44px; padding: 4px 14px; border-radius: 6px;
    border: 1px solid #9aa4b1; background: #f4f6f8; }
QPushButton:hover { background: #e8edf2; }
QPushButton:pressed { background: #d5dde6; }
QPushButton:disabled { color: #9aa4b1; }
QPushButton[role="primary"] { background: #1f6feb; color: white; border-color: #1a5fcc; }
QPushButton[role="primary"]:disabled { background: #9bbcf2; }
QPushButton[role="danger"] { background: #d1242f; color: white; border-color: #a40e26; }
QPushButton[role="nav"] { text-align: left; min-height: 56px; }
QPushButton[role="nav"]:checked { background: #1f6feb; color: white; }
QPushButton[role="key"] { min-height: 60px; min-width: 88px; font-size: 20pt; }
QPushButton[role="link"] { border: none; background: transparent; color: #1f6feb;
    text-decoration: underline; min-height: 0; padding: 0 6px; }
QLineEdit, QSpinBox, QComboBox, QDateEdit { min-height: 40px; padding: 2px 8px; }
QLabel[role="title"] { font-size: 22pt; font-weight: 600; }
QLabel[role="big"] { font-size: 28pt; font-weight: 600; }
QLabel[role="figure"] { font-size: 22pt; font-weight: 600; }
QLabel[role="muted"] { color: #57606a; }
QLabel[role="error"] { color: #b3261e; font-weight: 600; }
QLabel[role="ok"] { color: #1a7f37; font-weight: 600; }
QLabel[role="warn"] { color: #9a6700; font-weight: 600; }
QLabel[role="badge"] { border-radius: 10px; padding: 2px 12px; color: white;
    background: #6e7781; font-weight: 600; }
QLabel[tier="silver"] { background: #8c959f; }
QLabel[tier="gold"] { background: #bf8700; }
QFrame[role="card"] { border: 1px solid #d0d7de; border-radius: 8px; background: white; }
QCheckBox { spacing: 12px; min-height: 44px; }
QCheckBox::indicator { width: 28px; height: 28px; }
QGroupBox#dayClose QLabel, QGroupBox#dayClose QTableWidget,
    QGroupBox#dayClose QHeaderView { font-size: 13pt; }
QStatusBar QLabel { font-size: 12pt; }
QStatusBar QPushButton { font-size: 12pt; min-height: 0; }
"""


def apply_theme(app: QApplication) -> None:
    families = set(QFontDatabase.families())
    font = QFont(app.font())
    chosen = [family for family in _PREFERRED_FAMILIES if family in families]
    if chosen:
        font.setFamilies([*chosen, *font.families()])
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
