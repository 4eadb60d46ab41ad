"""The words of a member slip and of the customer display in a given language, from the
till's translation catalogue (context ``Slip``).

The slip speaks the member's language when the till knows it, else the till's, which
may differ from the language the cashier's screens are in: the texts are looked up in a
translator loaded for that language alone, never the one installed for the screens.
"""

from __future__ import annotations

import dataclasses
from functools import cache

from PySide6.QtCore import QT_TRANSLATE_NOOP, QTranslator

from terminal.services.slip_content import SlipWording
from terminal.ui.formatting import format_money
from terminal.ui.i18n import CATALOG, LANGUAGES, TRANSLATIONS_DIR

# Every field of SlipWording that holds words, with its English source text. lupdate
# reads these; ``wording`` looks each up for the slip's language.
_SOURCES: dict[str, object] = {
    "title_earn": QT_TRANSLATE_NOOP("Slip", "Points earned"),
    "title_redeem": QT_TRANSLATE_NOOP("Slip", "Points redeemed"),
    "title_coupon": QT_TRANSLATE_NOOP("Slip", "Coupon used"),
    "title_void": QT_TRANSLATE_NOOP("Slip", "Transaction voided"),
    "title_enrol": QT_TRANSLATE_NOOP("Slip", "Welcome to our loyalty program"),
    "title_adjust": QT_TRANSLATE_NOOP("Slip", "Points adjusted"),
    "time": QT_TRANSLATE_NOOP("Slip", "Time"),
    "receipt": QT_TRANSLATE_NOOP("Slip", "Receipt no."),
    "till": QT_TRANSLATE_NOOP("Slip", "Till"),
    "member": QT_TRANSLATE_NOOP("Slip", "Member"),
    "card": QT_TRANSLATE_NOOP("Slip", "Card no."),
    "sale": QT_TRANSLATE_NOOP("Slip", "Sale amount"),
    "earned": QT_TRANSLATE_NOOP("Slip", "Earned"),
    "redeemed": QT_TRANSLATE_NOOP("Slip", "Redeemed"),
    "discount": QT_TRANSLATE_NOOP("Slip", "Discount"),
    "coupon": QT_TRANSLATE_NOOP("Slip", "Coupon"),
    "voided": QT_TRANSLATE_NOOP("Slip", "Reversed"),
    "adjusted": QT_TRANSLATE_NOOP("Slip", "Adjusted"),
    "balance": QT_TRANSLATE_NOOP("Slip", "Balance"),
    "pending": QT_TRANSLATE_NOOP("Slip", "%1 of it not yet confirmed"),
    "tier": QT_TRANSLATE_NOOP("Slip", "Tier"),
    "to_next": QT_TRANSLATE_NOOP("Slip", "%1 to %2"),
    "top_tier": QT_TRANSLATE_NOOP("Slip", "Highest tier reached"),
    "tier_until": QT_TRANSLATE_NOOP("Slip", "Kept until %1"),
    "expiring": QT_TRANSLATE_NOOP("Slip", "%1 expire on %2"),
    "thanks": QT_TRANSLATE_NOOP("Slip", "Thank you!"),
    "points": QT_TRANSLATE_NOOP("Slip", "%1 pts"),
}
# The default program's tier names (programs published without names per language).
_TIER_NAMES: tuple[object, ...] = (
    QT_TRANSLATE_NOOP("Slip", "Member"),
    QT_TRANSLATE_NOOP("Slip", "Silver"),
    QT_TRANSLATE_NOOP("Slip", "Gold"),
)
# The customer display's own words.
DISPLAY_SOURCES: dict[str, object] = {
    "welcome": QT_TRANSLATE_NOOP("Slip", "Welcome"),
    "hello": QT_TRANSLATE_NOOP("Slip", "Hello, %1"),
    "earned": QT_TRANSLATE_NOOP("Slip", "You earned %1"),
    "redeemed": QT_TRANSLATE_NOOP("Slip", "You redeemed %1"),
    "coupon": QT_TRANSLATE_NOOP("Slip", "Coupon used: %1 off"),
    "voided": QT_TRANSLATE_NOOP("Slip", "Transaction reversed: %1"),
    "enrolled": QT_TRANSLATE_NOOP("Slip", "Welcome to our loyalty program!"),
    "balance": QT_TRANSLATE_NOOP("Slip", "Balance: %1"),
    "idle": QT_TRANSLATE_NOOP("Slip", "Ask about our loyalty program"),
}


@cache
def _translator(language: str) -> QTranslator | None:
    """The catalogue of ``language`` on its own (None for English, the source texts)."""
    if language == "en" or language not in LANGUAGES:
        return None
    translator = QTranslator()
    if not translator.load(f"{CATALOG}_{language}", str(TRANSLATIONS_DIR)):
        return None
    return translator


def slip_language(member_language: str | None, fallback: str) -> str:
    """The language of a slip or of the customer display: the member's when the till
    knows it and has it, else ``fallback`` (the till's)."""
    if member_language in LANGUAGES:
        return str(member_language)
    base = (member_language or "").split("_", 1)[0]
    for known in LANGUAGES:
        if base and known.split("_", 1)[0] == base:
            return known
    return fallback if fallback in LANGUAGES else "en"


def translate(language: str, source: object) -> str:
    """``source`` (context ``Slip``) in ``language``; itself when there is no entry."""
    text = str(source)  # QT_TRANSLATE_NOOP hands back its text as it is
    translator = _translator(language)
    if translator is None:
        return text
    return translator.translate("Slip", text) or text


def wording(language: str) -> SlipWording:
    """A slip's words in ``language`` ("en", "zh_CN"), money as the till shows it."""
    words = {field: translate(language, source) for field, source in _SOURCES.items()}
    return dataclasses.replace(
        SlipWording(language=language, money=format_money),
        tier_names={str(name): translate(language, name) for name in _TIER_NAMES},
        **words,  # type: ignore[arg-type]  # the str fields of SlipWording, by name
    )


def display_words(language: str) -> dict[str, str]:
    """The customer display's words in ``language``."""
    return {key: translate(language, source) for key, source in DISPLAY_SOURCES.items()}
