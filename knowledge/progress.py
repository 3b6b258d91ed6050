"""Qt-free progress reporting and cancellation for long core functions."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from knowledge.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    """How far a long operation is: ``done`` of ``total`` units, doing ``what`` (Vietnamese)."""

    done: int
    total: int
    what: str = ""


ProgressFn = Callable[[Progress], None]


def report(progress: ProgressFn | None, done: int, total: int, what: str = "") -> None:
    """Call ``progress`` if given."""
    if progress is not None:
        progress(Progress(done, total, what))


def check_cancel(cancel: threading.Event | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled()
