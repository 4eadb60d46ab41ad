"""Run a callable off the GUI thread and hand its outcome back on the GUI thread.

Every screen uses this one helper (DESIGN.md rule 4): the UI never blocks on the
database or the network. ``Runner.submit`` runs ``fn(*args, **kwargs)`` on a thread
pool; when it finishes, ``on_result(value)`` or ``on_error(error)`` is called on the GUI
thread. ``error`` is the :class:`~shared.errors.DomainError` the service raised, or an
unexpected exception, which the UI shows as a generic message.

If ``context`` (usually the calling widget) is destroyed before the work finishes, the
outcome is dropped: a closed screen is never redrawn.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

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

    @Slot(object)
    def _deliver_result(self, value: object) -> None:
        self.succeeded.emit(value)
        self.done.emit()

    @Slot(object)
    def _deliver_error(self, error: object) -> None:
        self.failed.emit(error)
        self.done.emit()


class _Relay(QObject):
    """Created on the worker thread; its signals cross to the Task by queued connection."""

    result = Signal(object)
    error = Signal(object)


class _Job(QRunnable):
    def __init__(self, task: Task, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task: Task | None = task
        self._fn = fn

    def run(self) -> None:
        relay = _Relay()
        task, self._task = self._task, None
        try:
            relay.result.connect(task._deliver_result, Qt.ConnectionType.QueuedConnection)
            relay.error.connect(task._deliver_error, Qt.ConnectionType.QueuedConnection)
        except RuntimeError:  # the task's owner was destroyed before the work started
            return
        del task
        try:
            value = self._fn()
        except Exception as error:  # every error goes back to the UI, none is lost
            relay.error.emit(error)
        else:
            relay.result.emit(value)


class Runner(QObject):
    """Submits work to a private thread pool and tracks how much is in flight."""

    busy_changed = Signal(bool)

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._pending: set[str] = set()
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
        task = Task(key, context if context is not None else self)
        if on_result is not None:
            task.succeeded.connect(on_result)
        task.failed.connect(on_error if on_error is not None else _log_unhandled)
        # Bound methods (not lambdas): Qt drops these connections when the Runner goes.
        task.done.connect(self._on_task_done)
        task.destroyed.connect(self._on_task_destroyed)
        self._pending.add(key)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Job(task, lambda: fn(*args, **kwargs)))
        return task

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until the pool is idle (shutdown and tests only, never on a user action)."""
        return self._pool.waitForDone(msecs)

    @Slot()
    def _on_task_done(self) -> None:
        task = self.sender()
        if task is not None:
            self._release(task.objectName())
            task.deleteLater()

    @Slot(QObject)
    def _on_task_destroyed(self, task: QObject) -> None:
        self._release(task.objectName())

    def _release(self, key: str) -> None:
        if key in self._pending:
            self._pending.discard(key)
            if not self._pending:
                self.busy_changed.emit(False)


def _log_unhandled(error: BaseException) -> None:
    log.error("background task failed", exc_info=error)
