"""A real X11 display (Xvfb), the real till on it (``tests/ui/xapp.py``) and xdotool.

``XDisplay.start()`` lets Xvfb pick a free display number (``-displayfd``), so parallel
runs never collide. ``XTill`` starts the app in its own process on that display, types
with ``xdotool`` (real key events through the XTEST extension, the way a USB scanner or a
keyboard reaches the window) and asks the app what it shows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "xdotool")
# Key names xdotool needs for the characters of a code that are not their own key name.
_KEYSYMS = {
    ":": "colon",
    "-": "minus",
    "/": "slash",
    ".": "period",
    "+": "plus",
    " ": "space",
    "#": "numbersign",
    "*": "asterisk",
    "=": "equal",
    "_": "underscore",
    "%": "percent",
}


def _urgent() -> list[str]:
    """Run Xvfb and xdotool ahead of other work when we may (root): key timestamps are
    taken as the X server handles xdotool's requests, so on a loaded machine a scan at
    2-10 ms a key would otherwise arrive with pauses no USB scanner makes."""
    return ["nice", "-n", "-10"] if os.geteuid() == 0 and shutil.which("nice") else []


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@dataclass
class XDisplay:
    process: subprocess.Popen[bytes]
    name: str

    @classmethod
    def start(cls, width: int = 1280, height: int = 800) -> XDisplay:
        read_fd, write_fd = os.pipe()
        process = subprocess.Popen(
            [*_urgent(), "Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            process.kill()
            raise RuntimeError("Xvfb did not start")
        return cls(process, f":{number}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class XTill:
    """The till app in a child process on ``display``; ``state()`` is what it shows."""

    def __init__(self, display: XDisplay, data_dir: Path, *extra: str) -> None:
        self.display = display
        self.log_path = data_dir / "app.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (the app writes to it until quit() closes it)
        env = dict(os.environ, DISPLAY=display.name, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.xapp", str(data_dir), *extra],
            cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the till did not start:\n{self._stderr()}")
        self.ready: dict[str, Any] = json.loads(line)
        self.wait_for(lambda s: s["active"], "the window to be active")

    def _stderr(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        return self.log_path.read_text(errors="replace")[-4000:]

    def _tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    def state(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("state\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the till exited:\n{self._stderr()}")
        result: dict[str, Any] = json.loads(line)
        return result

    def wait_for(
        self, condition: Callable[[dict[str, Any]], bool], what: str, timeout: float = 10.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            current = self.state()
            if condition(current):
                return current
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}; the till shows {current}\n{self._tail()}"
                )
            time.sleep(0.05)

    def xdotool(self, *args: str) -> None:
        env = dict(os.environ, DISPLAY=self.display.name)
        subprocess.run([*_urgent(), "xdotool", *args], env=env, check=True, timeout=30)

    def click(self, name: str) -> dict[str, Any]:
        """Click the visible line edit ``name`` with the mouse; the state once it has focus."""
        x, y = self.state()["centres"][name]
        self.xdotool("mousemove", str(x), str(y), "click", "1")
        return self.wait_for(lambda s: s["focus"] == name, f"{name} to have the focus")

    def type(self, text: str, *, delay_ms: int = 60) -> None:
        """Type ``text`` key by key (Shift where the layout needs it), ``delay_ms`` apart."""
        self.xdotool("type", "--delay", str(delay_ms), "--", text)

    def key(self, *keys: str, delay_ms: int = 60) -> None:
        self.xdotool("key", "--delay", str(delay_ms), *keys)

    def scan(
        self, text: str, *, delay_ms: int = 5, prefix: str = "", suffix: str = "Return"
    ) -> None:
        """What a USB scanner does: the code as one burst of keys, then its suffix key
        (Enter unless configured otherwise), all ``delay_ms`` apart.

        One xdotool process does it all (``type`` takes the rest of its arguments as
        text, so the keys are spelt as key names), so no process start splits the burst.
        """
        keys = [_KEYSYMS.get(ch, ch) for ch in prefix + text] + [suffix]
        self.xdotool("key", "--delay", str(delay_ms), *keys)

    def quit(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
        self._log.close()
