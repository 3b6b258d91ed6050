"""The one background runner: long work (install, sync, index loading) off the UI thread.

``run_job(fn, parent=…, on_done=…)`` runs ``fn(progress, cancel)`` on a QThreadPool and brings
its result, error and progress back to the UI thread through signals of a QObject that lives
there (a bare lambda slot could run on the worker thread). ``fn`` never touches widgets.
Jobs that write the store run one at a time on their own single-thread pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from knowledge.progress import Progress

log = logging.getLogger(__name__)

_WRITE_LANE: QThreadPool | None = None


def write_lane() -> QThreadPool:
    """The single-thread pool every store-writing job goes through."""
    global _WRITE_LANE
    if _WRITE_LANE is None:
        _WRITE_LANE = QThreadPool()
        _WRITE_LANE.setMaxThreadCount(1)
    return _WRITE_LANE


class Job(QObject):
    """A running job's signals (lives on the UI thread)."""

    done = Signal(object)
    failed = Signal(object)
    progressed = Signal(object)

    def __init__(self, parent: QObject | None, label: str) -> None:
        super().__init__(parent)
        self.label = label
        self.cancel = threading.Event()
        self._on_done: Callable[[Any], None] | None = None
        self._on_error: Callable[[BaseException], None] | None = None
        self._on_progress: Callable[[Progress], None] | None = None
        # WORKAROUND: a plain callable connected to a cross-thread signal may run on the
        # emitting thread (fork-tongue/observ PR #164); methods of this QObject, which lives on
        # the UI thread, are always queued there, and they call the callbacks.
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_error)
        self.progressed.connect(self._deliver_progress)

    @Slot(object)
    def _deliver_done(self, result: Any) -> None:
        if self._on_done is not None:
            self._on_done(result)

    @Slot(object)
    def _deliver_error(self, exc: BaseException) -> None:
        if self._on_error is not None:
            self._on_error(exc)

    @Slot(object)
    def _deliver_progress(self, p: Progress) -> None:
        if self._on_progress is not None:
            self._on_progress(p)


class _Runnable(QRunnable):
    def __init__(self, job: Job, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.job, self.fn = job, fn

    def run(self) -> None:
        try:
            result = self.fn(self.job.progressed.emit, self.job.cancel)
        except BaseException as e:
            log.exception("job %r failed", self.job.label)
            self.job.failed.emit(e)
        else:
            self.job.done.emit(result)


def run_job(fn: Callable[[Callable[[Progress], None], threading.Event], Any], *,
            parent: QObject, label: str, on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None] | None = None,
            on_progress: Callable[[Progress], None] | None = None,
            writes: bool = False) -> Job:
    """Run ``fn(progress, cancel)`` in the background; callbacks run on the UI thread."""
    job = Job(parent, label)
    job._on_done, job._on_error, job._on_progress = on_done, on_error, on_progress
    pool = write_lane() if writes else QThreadPool.globalInstance()
    pool.start(_Runnable(job, fn))
    return job


def wait_idle(msecs: int = 5000) -> bool:
    """Wait for every job to finish (tests, shutdown)."""
    ok = QThreadPool.globalInstance().waitForDone(msecs)
    return write_lane().waitForDone(msecs) and ok


__all__ = ["Job", "run_job", "wait_idle", "write_lane"]
