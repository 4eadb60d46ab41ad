"""What a test does when a component it needs (PostgreSQL, Chromium, a message broker, a
virtual screen...) is not there.

On a developer's machine the test is skipped with the reason, and ``-ra`` lists every such
reason at the end of the run. In CI (``CI`` set to true, as .ci/run and CI runners do) a
missing component is a failure: a green run there means every test really ran.
"""

from __future__ import annotations

import os

import pytest

_TRUE = {"1", "true", "yes", "on"}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in _TRUE


def require_service(name: str, reason: str | None) -> None:
    """Go on when ``reason`` is None (the service answered); else skip locally, fail in CI.

    ``name`` says what is missing ("PostgreSQL", "Chromium"); ``reason`` why, e.g. the
    connection error, ideally with how to get it.
    """
    if reason is None:
        return
    message = f"{name} is not available: {reason}"
    if in_ci():
        pytest.fail(
            f"{message}\nCI=true: every service must be up (.ci/run starts them); "
            "a skipped test would hide a broken product.",
            pytrace=False,
        )
    pytest.skip(message)
