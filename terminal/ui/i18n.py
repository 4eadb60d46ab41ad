"""English and Simplified Chinese, switchable while the till runs.

Strings are marked with ``self.tr`` / ``QCoreApplication.translate``; ``.ts`` sources
and compiled ``.qm`` files live in ``terminal/ui/translations``. Installing a translator
makes Qt send ``QEvent.LanguageChange`` to every widget; each widget re-sets its texts
in ``retranslate()`` (see :class:`Retranslatable`).

After changing strings (``tests/ui/test_i18n.py`` fails until this is done)::

    .venv/bin/pyside6-lupdate $(find terminal/ui -name '*.py') -no-obsolete \
        -ts terminal/ui/translations/pos_terminal_zh_CN.ts
    .venv/bin/pyside6-linguist terminal/ui/translations/pos_terminal_zh_CN.ts  # translate
    .venv/bin/pyside6-lrelease terminal/ui/translations/pos_terminal_zh_CN.ts   # -> .qm
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QObject, QTranslator

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).with_name("translations")
CATALOG = "pos_terminal"
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}


class LanguageManager(QObject):
    """Owns the installed translators; ``set_language("zh_CN")`` switches at run time."""

    def __init__(self, app: QCoreApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._translators: list[QTranslator] = []
        self.language = "en"

    def set_language(self, language: str) -> bool:
        """Install ``language``; returns False (and stays in English) if it is unknown."""
        if language not in LANGUAGES:
            log.warning("unknown language %r, using English", language)
            language = "en"
        for translator in self._translators:
            self._app.removeTranslator(translator)
        self._translators = []
        ok = True
        if language != "en":
            ok = self._install(TRANSLATIONS_DIR, f"{CATALOG}_{language}")
            # Qt's own dialogs ("Look in:", "Files of type:"): qtbase from PySide6
            any(self._install(d, f"qtbase_{language}", quiet=True) for d in qt_translation_dirs())
        QLocale.setDefault(QLocale(language if language != "en" else "en_US"))
        self.language = language if ok else "en"
        if language == "en":  # no translator changed: tell the widgets anyway
            QCoreApplication.sendEvent(self._app, QEvent(QEvent.Type.LanguageChange))
        return ok

    def _install(self, directory: Path, name: str, *, quiet: bool = False) -> bool:
        translator = QTranslator(self)
        if not translator.load(name, str(directory)):
            if not quiet:
                log.warning("translation %s not found in %s", name, directory)
            return False
        self._app.installTranslator(translator)
        self._translators.append(translator)
        return True


def qt_catalogue_gaps() -> tuple[str, ...]:
    """Texts of Qt's own file dialog that Qt 6's Chinese catalogue lacks (its labels gained
    mnemonics; the file type comes from the icon provider). Our catalogue carries them in
    Qt's contexts, and is asked when qtbase's has no entry. Listed here for lupdate."""
    return (
        QCoreApplication.translate("QFileDialog", "&Look in:"),
        QCoreApplication.translate("QFileDialog", "Files of &type:"),
        QCoreApplication.translate("QAbstractFileIconProvider", "Folder", "All other platforms"),
        QCoreApplication.translate("QAbstractFileIconProvider", "File"),
        QCoreApplication.translate(
            "QAbstractFileIconProvider", "%1 File", "%1 is a file name suffix, for example txt"
        ),
    )


def qt_translation_dirs() -> list[Path]:
    """Where Qt's own catalogues are: Qt's translations path (in a bundle, the copy the
    installer spec ships), else the PySide6 package's."""
    import PySide6

    return [
        Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        Path(PySide6.__file__).parent / "Qt" / "translations",
    ]


def system_language() -> str:
    name = QLocale.system().name()
    return "zh_CN" if name.startswith("zh") else "en"
