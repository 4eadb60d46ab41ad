"""Keeps the console's catalogues in step with its templates and code:

    python -m sync_server.console.catalogue          # extract, update the .po, compile .mo
    python -m sync_server.console.catalogue --check  # fails if a message is new or untranslated

Extraction is Babel's (its Python extractor, and Jinja2's for the templates, with the
i18n extension's ``_``, ``gettext`` and ``ngettext``); a translator edits
``translations/zh_CN/LC_MESSAGES/console.po`` and runs this again to compile.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from sync_server.console.i18n import DOMAIN, LANGUAGES, TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extract() -> Catalog:
    with open(Path(__file__).parent / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    catalog = Catalog(project="pos-console", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def updated(template: Catalog, language: str) -> Catalog:
    path = po_path(language)
    if path.exists():
        with open(path, "rb") as existing:
            catalog = read_po(existing, locale=language)
    else:
        catalog = Catalog(locale=language, project="pos-console", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def missing(catalog: Catalog) -> list[str]:
    """Messages without a translation (or only a fuzzy one)."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail if stale")
    args = parser.parse_args(argv)
    template = extract()
    failed = False
    for language in LANGUAGES:
        if language == "en":
            continue
        catalog = updated(template, language)
        lacking = missing(catalog)
        obsolete = list(catalog.obsolete)
        if args.check:
            with open(po_path(language), "rb") as existing:
                on_disk = read_po(existing, locale=language)
            mo_path = po_path(language).with_suffix(".mo")
            stale = {m.id for m in catalog if m.id} != {m.id for m in on_disk if m.id}
            if (
                stale
                or lacking
                or not mo_path.exists()
                or mo_path.read_bytes() != compiled(on_disk)
            ):
                failed = True
                print(f"{language}: stale={stale} untranslated={lacking[:10]}", file=sys.stderr)
            continue
        catalog.obsolete.clear()
        po_path(language).parent.mkdir(parents=True, exist_ok=True)
        with open(po_path(language), "wb") as out:
            write_po(out, catalog, width=100, omit_header=False, sort_output=True)
        po_path(language).with_suffix(".mo").write_bytes(compiled(catalog))
        print(
            f"{language}: {len(catalog)} messages, {len(lacking)} untranslated, "
            f"{len(obsolete)} dropped"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
