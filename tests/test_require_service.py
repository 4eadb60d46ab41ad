"""A missing service is a skip with its reason on a developer's machine and a failure in
CI: run a tiny suite in a child pytest against a PostgreSQL URL nobody listens on and a
Chromium path that does not exist, with and without CI=true."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TINY_SUITE = """
from tests.browser.conftest import browser  # noqa: F401  (fixture)
from tests.sync_server.conftest import db_url, postgres_available  # noqa: F401  (fixtures)


def test_on_each_database(db_url):
    assert db_url


def test_in_a_browser(browser):
    assert browser
"""


def _dead_port() -> int:
    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_tiny.py").write_text(TINY_SUITE)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    if ci is not None:
        env["CI"] = ci
    env["TEST_POSTGRES_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{_dead_port()}/test"
    env["CHROMIUM_PATH"] = str(tmp_path / "no-chromium")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-ra", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--rootdir", str(tmp_path), str(tmp_path / "test_tiny.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_locally_a_missing_service_is_a_skip_with_its_reason(tmp_path: Path) -> None:
    run = _run(tmp_path, ci=None)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 2 skipped" in run.stdout
    summary = run.stdout[run.stdout.index("short test summary") :]
    assert "PostgreSQL is not available: no PostgreSQL at TEST_POSTGRES_URL" in summary
    assert "Chromium is not available: no " in summary
    assert "no-chromium" in summary


def test_in_ci_a_missing_service_fails_the_run(tmp_path: Path) -> None:
    run = _run(tmp_path, ci="true")
    assert run.returncode == 1, run.stdout + run.stderr
    totals = run.stdout.strip().splitlines()[-1]
    assert "1 passed" in totals
    assert "2 errors" in totals
    assert "skipped" not in totals
    assert "PostgreSQL is not available" in run.stdout
    assert "Chromium is not available" in run.stdout
    assert "CI=true: every service must be up" in run.stdout
