"""Every visible string is translated, and the catalogue matches the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from shared.errors import DomainError
from terminal.ui.i18n import TRANSLATIONS_DIR
from terminal.ui.messages import error_message, known_codes
from tests.services import require_service

TS = TRANSLATIONS_DIR / "pos_terminal_zh_CN.ts"
UI_DIR = Path(__file__).resolve().parents[2] / "terminal" / "ui"


def _messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(path).getroot()
    found = {}
    for context in root.iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            found[(name, message.findtext("source"))] = message.find("translation")
    return found


def test_every_chinese_message_is_finished() -> None:
    messages = _messages(TS)
    assert len(messages) > 150
    unfinished = [key for key, tr in messages.items() if tr.get("type") or not tr.text]
    assert unfinished == []


def test_the_compiled_catalogue_is_the_source_catalogue(qapp) -> None:
    """The .qm the app loads gives every translation of the .ts (run pyside6-lrelease)."""
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(TRANSLATIONS_DIR / "pos_terminal_zh_CN.qm"))
    stale = [
        (context, source)
        for (context, source), tr in _messages(TS).items()
        if translator.translate(context, source) != tr.text
    ]
    assert stale == []


def test_catalogue_covers_every_string_in_the_code(tmp_path: Path) -> None:
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    if not lupdate.exists():
        lupdate = Path(shutil.which("pyside6-lupdate") or lupdate)
    missing = None if lupdate.exists() else "PySide6-Essentials ships it: make install"
    require_service("pyside6-lupdate", missing)
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in UI_DIR.rglob("*.py"))
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh)], check=True, capture_output=True)
    missing = set(_messages(fresh)) - set(_messages(TS))
    assert missing == set(), "run pyside6-lupdate and translate the new strings"


def test_every_known_code_has_its_own_message(qapp) -> None:
    for code in known_codes():
        text = error_message(DomainError("x", code=code), "CNY")
        assert code not in text or code == "offline", code
