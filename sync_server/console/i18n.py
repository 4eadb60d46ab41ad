"""The console's languages: Babel catalogues (``translations/<lang>/LC_MESSAGES/console``,
made by ``python -m sync_server.console.catalogue``), Jinja2's i18n extension, and
dates, numbers and money formatted for the page's locale.

A page is rendered in one language: :func:`using` sets it for the rendering (a context
variable), and the ``_``/``gettext``/``ngettext`` the templates and this package call
read it. Strings in Python are marked with :func:`N_` (extracted, translated when shown).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from shared.domain.money import currency_exponent

DOMAIN = "console"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
# The console's languages, each named in itself (the switch shows them so).
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
DEFAULT_LANGUAGE = "en"
_current: ContextVar[str] = ContextVar("console_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Marks a string for the catalogue; it is translated where it is shown."""
    return message


def supported(language: str | None) -> str | None:
    return language if language in LANGUAGES else None


def best_match(accept_language: str | None) -> str:
    """The console language an ``Accept-Language`` header prefers (English otherwise)."""
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((weight, tag.strip().replace("-", "_").lower()))
    for _weight, tag in sorted(ranked, key=lambda r: -r[0]):
        if tag.startswith("zh") and tag not in ("zh_tw", "zh_hk", "zh_hant"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE


@cache
def catalogue(language: str) -> NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language], DOMAIN)


@cache
def locale_of(language: str) -> Locale:
    return Locale.parse(language)


def current() -> str:
    return _current.get()


@contextlib.contextmanager
def using(language: str) -> Iterator[None]:
    token = _current.set(supported(language) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return catalogue(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(_current.get()).ngettext(singular, plural, n)


def _(message: str, **params: Any) -> str:
    """``message`` in the current language, with ``%(name)s`` filled from ``params``."""
    text = gettext(message)
    return text % params if params else text


# --- formatting (filters in the templates) -------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def number(value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=locale_of(_current.get()))


def money(amount_cents: int | None, currency: str) -> str:
    """Minor units of ``currency`` as the locale writes that amount (``¥1,234.56``)."""
    if amount_cents is None:
        return ""
    amount = Decimal(amount_cents).scaleb(-currency_exponent(currency))
    return format_currency(amount, currency, locale=locale_of(_current.get()))


def _aware(moment: datetime | str | None) -> datetime | None:
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def when(moment: datetime | str | None, time_zone: str | None = None, width: str = "short") -> str:
    """A moment in ``time_zone`` (a store's or the chain's), as the locale writes it."""
    aware = _aware(moment)
    if aware is None:
        return ""
    return format_datetime(
        aware, format=width, tzinfo=zone(time_zone), locale=locale_of(_current.get())
    )


def day(value: date | datetime | str | None, time_zone: str | None = None) -> str:
    """A calendar day (a datetime is first put in ``time_zone``)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        aware = _aware(value)
        assert aware is not None
        value = aware.astimezone(zone(time_zone)).date()
    return format_date(value, format="medium", locale=locale_of(_current.get()))
