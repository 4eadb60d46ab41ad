"""``make demo``: a sync server on SQLite with demo data, a paired terminal, its window.

Runs the real programs: ``sync-server`` as child processes (migrate, seed, add a
terminal, serve on a free loopback port), then pairs this terminal with the one-time
code and opens the till window with its background sync. Everything lives under
``var/demo`` (recreated each run). Without a desktop session the window renders
offscreen and a screenshot is saved instead.

The sync server never outlives the demo: it is stopped when the window closes, when
the window cannot open (checked in a child process first, since Qt aborts the process
when its platform plugin fails), on SIGTERM or Ctrl+C, and on Linux the kernel stops
it if the demo dies any other way. Its process id is in ``var/demo/server.pid``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import keyring

from terminal.config import TerminalSettings
from terminal.offline.credentials import KeyringUnavailable, ProcessKeyring, secure_backend
from terminal.offline.db import Replica
from terminal.services.sync import SyncService

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = Path(os.environ.get("POS_DEMO_DIR") or ROOT / "var" / "demo")
DEMO_MEMBERS = os.environ.get("POS_DEMO_MEMBERS", "3000")


def _server(*args: str) -> str:
    command = [
        sys.executable,
        "-m",
        "sync_server.cli",
        *args,
        "--data-dir",
        str(DEMO_DIR / "server"),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"sync-server {' '.join(args)} failed:\n{done.stderr or done.stdout}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# What Qt's xcb platform plugin needs on Debian/Ubuntu (the Makefile's SYSTEM_PACKAGES).
XCB_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 "
    "libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0"
)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the kernel sends the server SIGTERM when the demo process ends, however."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    log = open(DEMO_DIR / "server.log", "wb")  # noqa: SIM115 (the server process keeps writing)
    process = subprocess.Popen(
        [sys.executable, "-m", "sync_server.cli", "serve", "--port", str(port),
         "--data-dir", str(DEMO_DIR / "server")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )  # fmt: skip
    (DEMO_DIR / "server.pid").write_text(f"{process.pid}\n")
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if process.poll() is not None:
            raise SystemExit(f"the sync server exited; see {DEMO_DIR / 'server.log'}")
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the sync server did not start in 20 s")


def _ensure_keyring() -> None:
    """The OS keyring if there is a real one; else, for the demo only and said so, memory
    (the product itself refuses: see terminal/offline/credentials.py)."""
    try:
        secure_backend()
    except KeyringUnavailable:
        print("No OS keyring is available: the demo keeps its terminal secrets in memory.")
        keyring.set_keyring(ProcessKeyring())


def _has_display() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal"):
        return False  # a window there could never be seen: show the preview instead
    return bool(
        platform
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or sys.platform in ("win32", "darwin")
    )


def main() -> int:
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    (DEMO_DIR / "server").mkdir(parents=True)
    print("Setting up the sync server (SQLite) with demo data...")
    _server("migrate")
    _server("store", "add", "S001", "--name", "Demo store 演示门店")
    print(_server("seed-demo", "--members", DEMO_MEMBERS).strip())
    terminal = json.loads(
        _server("terminal", "add", "--store", "S001", "--name", "Till 1", "--json")
    )
    process, url = _start_server()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _ensure_keyring()
        settings = TerminalSettings(data_dir=DEMO_DIR / "till", keyring_service="pos-demo-till")
        with Replica(settings.replica_path) as replica:
            sync = SyncService(replica, settings)
            paired = sync.pair(url, terminal["pairing_code"], device_name="Demo till")
            report = sync.sync_once()
        print(f"Paired terminal {paired.terminal_id} with {url}; pulled {report.pulled} changes.")
        print("Sign in with staff code M001 (manager, PIN 123456) or C001 (cashier, PIN 1111).")
        if not _has_display() or os.environ.get("POS_DEMO_OFFSCREEN"):
            return _offscreen_preview(settings)
        problem = _window_problem()
        if problem:
            print(problem, file=sys.stderr)
            return 1
        from terminal.app import run_gui

        return run_gui(settings)
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    print("The demo's sync server is stopped.")


def _on_sigterm(_signum: int, _frame: object) -> None:
    """SIGTERM: close the window if it is open (``run_gui`` returns), else unwind.

    Python runs this between two steps of the GUI thread, within the status bar's poll
    interval. ``app.exit`` only ends an event loop that is running: while the window is
    still being built there is none yet (or only a nested ``processEvents``, which a
    single zero timer could fire in and be lost, leaving the demo open), so a timer
    repeats the exit until ``run_gui``'s loop is there to end."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        raise SystemExit(143)
    app.exit(143)  # the loop is running
    again = QTimer(app)  # the loop is about to start
    again.setInterval(50)
    again.timeout.connect(lambda: app.exit(143))
    again.start()


def _window_problem() -> str:
    """Why the till window cannot open here ("" if it can), found in a child process:
    Qt aborts a process whose platform plugin fails, which would skip every clean-up."""
    probe = "from PySide6.QtGui import QGuiApplication; QGuiApplication([])"
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return "The till window did not open within 60 s (is the display reachable?)."
    if done.returncode == 0:
        return ""
    details = "\n".join(done.stderr.strip().splitlines()[-6:])
    return (
        f"The till window cannot open on this display:\n{details}\n"
        f"On Debian/Ubuntu install Qt's X11 libraries: apt-get install {XCB_PACKAGES}\n"
        "(or run `make demo` as root, which installs them), or set POS_DEMO_OFFSCREEN=1."
    )


def _offscreen_preview(settings: TerminalSettings) -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from terminal.app import build_window, make_application, make_backend
    from terminal.services import build_services

    app = make_application()
    replica = Replica(settings.replica_path)
    window = build_window(make_backend(settings, replica, build_services(replica, settings)))
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    shot = DEMO_DIR / "till.png"
    window.grab().save(str(shot))
    print(f"No display here: the till window was rendered offscreen to {shot}.")
    print("Run `make demo` in a desktop session to use it.")
    window.close()
    replica.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
