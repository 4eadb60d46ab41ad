"""Test-wide set-up: headless Qt and an in-memory keyring (never the real OS keyring)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import pytest
from hypothesis import HealthCheck, settings

from terminal.offline.credentials import ProcessKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# No wall-clock limits on property tests (docs/TESTING.md): on a loaded 2-core machine a
# Hypothesis deadline or "too slow" health check fails a test that found nothing wrong.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

# Tests never touch the OS keyring: every test gets a fresh in-process one.
MemoryKeyring = ProcessKeyring


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
