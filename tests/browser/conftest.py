"""Browser tests: Playwright for Python driving Debian's Chromium (``/usr/bin/chromium``,
installed by apt-get; never ``playwright install``) against a real sync server process
on loopback. When that Chromium is missing: skipped with the reason locally, a failure in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.conftest import head_office, make_till  # noqa: F401  (fixtures)
from tests.services import require_service
from tests.sync_server.conftest import db_url, postgres_available  # noqa: F401  (fixtures)

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[object]:
    missing = None if CHROMIUM.exists() else f"no {CHROMIUM} (apt-get install chromium)"
    require_service("Chromium", missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()
