"""Guard against PySide6 6.12.0's regression: ``Signal.emit`` from Python while another
Python thread runs corrupts the reference counts of None/True and aborts the process.

The till always has Python threads running (UI workers, the sync loop), so the pinned
PySide6 must pass this. Runs in a child process because the failure is a hard abort.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import threading, time
    from PySide6.QtCore import QCoreApplication, QObject, Signal
    app = QCoreApplication([])
    stop = False
    def spin():
        while not stop:
            [True, None, False] * 10
    worker = threading.Thread(target=spin)
    worker.start()
    class Emitter(QObject):
        fired = Signal(object)
    emitter = Emitter()
    emitter.fired.connect(lambda value: None)
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        emitter.fired.emit(None)
    stop = True
    worker.join()
    print("survived")
    """
)


def test_signal_emit_is_safe_while_a_python_thread_runs() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=60
    )
    why = (
        "this PySide6 corrupts refcounts when emitting while another Python thread runs "
        f"(6.12.0 does; pin 6.11.3): {done.stderr[-500:]}"
    )
    assert done.returncode == 0, why
    assert "survived" in done.stdout, why
