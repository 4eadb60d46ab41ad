"""The console's catalogues: every message of the templates and the code is translated
and compiled; formatting follows the locale; errors are told in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.messages.pofile import read_po

from shared.errors import ValidationFailed
from sync_server.console import catalogue, i18n
from sync_server.console.labels import LABELS
from sync_server.console.messages import ERRORS, error_text
from sync_server.services.accounts import LANGUAGES


def test_the_catalogue_is_complete_and_compiled() -> None:
    assert catalogue.main(["--check"]) == 0
    with open(catalogue.po_path("zh_CN"), "rb") as po:
        translated = {m.id for m in read_po(po) if m.id}
    # the Python-side strings are extracted too (N_ markers)
    assert set(ERRORS.values()) <= translated
    assert {text for kind in LABELS.values() for text in kind.values()} <= translated


def test_the_accounts_languages_are_the_consoles() -> None:
    assert set(LANGUAGES) == set(i18n.LANGUAGES)


def test_numbers_money_and_times_follow_the_locale() -> None:
    moment = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai
    with i18n.using("en"):
        assert i18n.number(1234567) == "1,234,567"
        assert i18n.money(123456, "CNY") == "CN¥1,234.56"
        assert i18n.money(1500, "JPY") == "¥1,500"  # no minor unit
        assert i18n.day(moment, "Asia/Shanghai") == "Mar 2, 2026"
        assert i18n.when(moment, "Europe/London") == "3/1/26, 4:30\u202fPM"
    with i18n.using("zh_CN"):
        assert i18n.money(123456, "CNY") == "¥1,234.56"
        assert i18n.day(moment, "Asia/Shanghai") == "2026年3月2日"
        assert i18n.when(moment, "Asia/Shanghai") == "2026/3/2 00:30"
        assert i18n.gettext("Members") == "会员"
        assert i18n.ngettext("%(num)s row on this page", "%(num)s rows on this page", 2) == (
            "本页 %(num)s 行"
        )


def test_errors_are_told_in_the_pages_language() -> None:
    short = ValidationFailed("x", code="invalid_pin", min_length=6, max_length=8)
    unknown = ValidationFailed("Something only the service says.", code="never_heard_of")
    with i18n.using("zh_CN"):
        assert error_text(short) == "此角色的 PIN 为 6 至 8 位数字。"
        assert error_text(unknown) == "Something only the service says."
    with i18n.using("en"):
        assert error_text(short) == "A PIN for this role is 6 to 8 digits."


def test_the_browsers_preference_picks_the_sign_in_pages_language() -> None:
    assert i18n.best_match("zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert i18n.best_match("en-GB,en;q=0.9,zh-CN;q=0.5") == "en"
    assert i18n.best_match("fr-FR") == "en"
    assert i18n.best_match(None) == "en"
