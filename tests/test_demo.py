"""`make demo` keeps working: server up with demo data, terminal paired, window drawn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import require_service

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
    assert shot.exists()
    assert shot.stat().st_size > 10_000


def _demo(tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "terminal.live_demo"],
        cwd=ROOT,
        env={**os.environ, "POS_DEMO_DIR": str(tmp_path / "demo"), "POS_DEMO_MEMBERS": "20", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _server_gone(tmp_path: Path) -> bool:
    pid = int((tmp_path / "demo" / "server.pid").read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie (exited, not yet reaped by a dead parent) is gone too.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" in status.read_text()


@pytest.mark.slow
def test_when_the_window_cannot_open_the_demo_says_why_and_stops_its_server(
    tmp_path: Path,
) -> None:
    demo = _demo(tmp_path, QT_QPA_PLATFORM="xcb", DISPLAY=":65000")  # no such display
    out, err = demo.communicate(timeout=240)
    assert demo.returncode == 1, out[-2000:] + err[-2000:]
    assert "cannot open" in err
    assert "libxcb-cursor0" in err
    assert "sync server is stopped" in out
    assert _server_gone(tmp_path)


@pytest.mark.slow
def test_sigterm_closes_the_demo_window_and_stops_its_server(tmp_path: Path) -> None:
    import signal
    import time

    from tests.ui.xwindow import XDisplay, missing_tools

    missing = missing_tools()
    require_service(
        "Xvfb/xdotool",
        f"{', '.join(missing)} not installed (apt-get install xvfb xdotool)" if missing else None,
    )
    display = XDisplay.start()
    try:
        demo = _demo(tmp_path, QT_QPA_PLATFORM="xcb", DISPLAY=display.name)
        assert demo.stdout is not None
        for line in demo.stdout:
            if line.startswith("Sign in with staff code"):
                break
        else:
            raise AssertionError(f"the demo ended early: {demo.stderr.read()[-2000:]}")
        time.sleep(2)  # SIGTERM while the window probe runs or the window is being built
        assert not _server_gone(tmp_path)
        demo.send_signal(signal.SIGTERM)
        out, err = demo.communicate(timeout=60)
        assert demo.returncode == 143, err[-2000:]
        assert "sync server is stopped" in out
        assert _server_gone(tmp_path)
    finally:
        display.stop()
