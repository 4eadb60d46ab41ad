"""`make demo` keeps working: server up with demo data, terminal paired, window drawn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_demo_pairs_a_terminal_and_draws_the_till(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "POS_DEMO_DIR": str(tmp_path / "demo"),
        "POS_DEMO_MEMBERS": "200",
        "POS_DEMO_OFFSCREEN": "1",
        "QT_QPA_PLATFORM": "offscreen",
    }
    done = subprocess.run(
        [sys.executable, "-m", "terminal.live_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Paired terminal" in done.stdout
    shot = tmp_path / "demo" / "till.png"
    assert shot.exists() and shot.stat().st_size > 10_000
