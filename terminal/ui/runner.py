"""Run a callable off the GUI thread and hand its outcome back on the GUI thread.

Every screen uses this one helper (DESIGN.md rule 4): the UI never blocks on the
database or the network. ``Runner.submit`` runs ``fn(*args, **kwargs)`` on a worker
thread; when it finishes, ``on_result(value)`` or ``on_error(error)`` is called on the
GUI thread. ``error`` is the :class:`~shared.errors.DomainError` the service raised, or
an unexpected exception, which the UI shows as a generic message.

Worker threads never call Qt: they put the outcome on a queue and write one byte to a
socket pair, and a ``QSocketNotifier`` on the GUI thread drains the queue. (Emitting Qt
signals from Python worker threads corrupts reference counts in PySide6 6.12.)

If ``context`` (usually the calling widget) is destroyed before the work finishes, the
outcome is dropped: a closed screen is never redrawn.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import socket
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QSocketNotifier, Signal, Slot

log = logging.getLogger(__name__)

ResultHandler = Callable[[Any], None]
ErrorHandler = Callable[[BaseException], None]


class Task(QObject):
    """One submitted call. Lives on the GUI thread; its signals are emitted there."""

    succeeded = Signal(object)
    failed = Signal(object)
    done = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)

    def deliver(self, ok: bool, payload: object) -> None:
        (self.succeeded if ok else self.failed).emit(payload)
        self.done.emit()


class Runner(QObject):
    """Submits work to a private thread pool and tracks how much is in flight."""

    busy_changed = Signal(bool)

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="ui-work")
        self._outcomes: queue.SimpleQueue[tuple[str, bool, object]] = queue.SimpleQueue()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._notifier = QSocketNotifier(self._wake_read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._pending: set[str] = set()
        self._tasks: dict[str, Task] = {}
        self._futures: set[Future[None]] = set()
        self._next_key = itertools.count(1)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: ResultHandler | None = None,
        on_error: ErrorHandler | None = None,
        context: QObject | None = None,
        **kwargs: Any,
    ) -> Task:
        """Run ``fn(*args, **kwargs)`` off the GUI thread; must be called on the GUI thread."""
        key = f"{getattr(fn, '__qualname__', 'task')}#{next(self._next_key)}"
        # Without a context the task has no Qt parent: the Runner's dict keeps it alive,
        # so tearing the Runner down never destroys a task under a running slot.
        task = Task(key, context)
        if on_result is not None:
            task.succeeded.connect(on_result)
        task.failed.connect(on_error if on_error is not None else _log_unhandled)
        runner = weakref.ref(self)
        task.done.connect(lambda: _release(runner, key, task_done=True))
        task.destroyed.connect(lambda _obj=None: _release(runner, key, task_done=False))
        self._pending.add(key)
        self._tasks[key] = task
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        future = self._executor.submit(self._work, key, fn, args, kwargs)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        return task

    def _work(
        self, key: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """On a worker thread: no Qt calls here."""
        try:
            self._outcomes.put((key, True, fn(*args, **kwargs)))
        except Exception as error:  # every error goes back to the UI, none is lost
            self._outcomes.put((key, False, error))
        with contextlib.suppress(OSError):  # buffer full: the GUI thread is already due to drain
            self._wake_write.send(b"\0")

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until idle and deliver the outcomes (shutdown, tests and tools only)."""
        pending = list(self._futures)
        _done, not_done = wait(pending, timeout=None if msecs < 0 else msecs / 1000)
        self._drain()
        return not not_done

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._drain()

    @Slot()
    def _drain(self) -> None:
        try:
            while self._wake_read.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            return
        while True:
            try:
                key, ok, payload = self._outcomes.get_nowait()
            except queue.Empty:
                return
            task = self._tasks.get(key)
            if task is None or not shiboken6.isValid(task):
                self._release(key)  # its screen is gone: drop the outcome
            else:
                task.deliver(ok, payload)

    def _release(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None and shiboken6.isValid(task):
            task.deleteLater()
        if key in self._pending:
            self._pending.discard(key)
            if not self._pending:
                self.busy_changed.emit(False)


def _release(runner: weakref.ref[Runner], key: str, *, task_done: bool) -> None:
    """Forget a finished (or destroyed) task, if its Runner is still alive."""
    live = runner()
    if live is not None and shiboken6.isValid(live):
        if task_done:
            live._release(key)
        else:
            live._tasks.pop(key, None)
            live._release(key)


def _log_unhandled(error: BaseException) -> None:
    log.error("background task failed", exc_info=error)
